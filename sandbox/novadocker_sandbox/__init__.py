"""The all-in-one sandbox: a small OpenStack cloud driving Docker on one host.

``nova-docker-sandbox up`` runs MariaDB, RabbitMQ, keystone, placement,
glance-api, nova's API, conductor and scheduler and one or more
nova-compute (``docker.DockerDriver``), one process each, on loopback.
Neutron is not run: ``neutron`` answers the few requests nova makes for
servers without ports.
"""
