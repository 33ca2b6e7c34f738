"""The all-in-one sandbox: a small OpenStack cloud driving Docker on one host.

``nova-docker-sandbox up`` runs MariaDB, RabbitMQ, keystone, placement,
glance-api, neutron's API with OVN, nova's API, conductor, scheduler and
serial console proxy and one or more nova-compute (``docker.DockerDriver``),
one process each, on loopback.
"""
