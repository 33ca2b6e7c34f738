"""The all-in-one sandbox: nova's own services driving Docker on one host.

``nova-docker-sandbox up`` runs nova's compute API, placement, conductor,
scheduler and a nova-compute with ``docker.DockerDriver`` in one process
(``cloud``), next to a real glance-api (``glance``), all on loopback.
Neutron is not run: ``neutron`` answers the few requests nova makes for
servers without ports.
"""
