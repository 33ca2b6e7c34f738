# Copyright 2026 The nova-docker authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Options of the Docker compute driver, in the ``[docker]`` group."""

from oslo_config import cfg

docker_group = cfg.OptGroup(
    'docker',
    title='Docker compute driver options',
    help='Options for nova-compute hosts that run instances as Docker '
         'containers (compute_driver = docker.DockerDriver).')

engine_opts = [
    cfg.StrOpt('host_url',
               default='unix:///var/run/docker.sock',
               help='URL of the Docker Engine API that nova-compute drives: '
                    'unix:///path/to/docker.sock for the local engine, or '
                    'tcp://host:port. The user nova-compute runs as needs '
                    'read and write access to a local socket (usually by '
                    'membership of the "docker" group).'),
    cfg.StrOpt('api_version',
               default='auto',
               help='Docker Engine API version to speak, e.g. "1.41". "auto" '
                    'negotiates the highest version both the engine and the '
                    'driver support. Engines older than API 1.41 (Docker '
                    '20.10) are refused.'),
    cfg.IntOpt('api_timeout',
               default=60,
               min=1,
               help='Seconds to wait for one Docker Engine API call before '
                    'giving up. Calls that wait for a container to stop get '
                    'their stop timeout added on top.'),
    cfg.IntOpt('image_transfer_timeout',
               default=3600,
               min=1,
               help='Seconds one image transfer (a load from Glance, a pull '
                    'or push through the registry, the save of a snapshot) '
                    'may take in all before it is abandoned, so a transfer '
                    'that trickles cannot hold a boot or a snapshot forever. '
                    'Each read from the engine also fails after api_timeout '
                    'seconds without data.'),
    cfg.IntOpt('stop_timeout',
               default=30,
               min=0,
               help='Seconds a container\'s processes get to exit after '
                    'SIGTERM on a soft reboot before they are killed. Power '
                    'off uses nova\'s own clean shutdown timeout instead.'),
]

registry_opts = [
    cfg.StrOpt('image_records_path',
               default='$state_path/docker/images',
               help='Directory where the driver records which engine image '
                    'it brought in under each name, readable and writable '
                    'by nova-compute alone. A cached image is used only '
                    'while its name still points at the recorded image; '
                    'hosts sharing an engine should share this directory.'),
    cfg.HostAddressOpt('registry_host',
                       default='127.0.0.1',
                       help='Host name or address of the Docker registry '
                            'that compute hosts share to move images between '
                            'Glance and the engine.'),
    cfg.PortOpt('docker_registry_default_port',
                default=5042,
                deprecated_opts=[cfg.DeprecatedOpt(
                    'docker_registry_default_port', group='DEFAULT')],
                help='Port of the Docker registry on registry_host.'),
    cfg.StrOpt('registry_shared_secret',
               secret=True,
               help='Secret shared by every compute host that uses the '
                    'registry. A host that pushes an image also pushes a '
                    'signature of its manifest digest made with this '
                    'secret, and hosts pull only signed digests: whoever '
                    'else can push to the registry cannot choose what '
                    'servers run. When unset, nothing is pushed to or '
                    'pulled from the registry, and every host loads each '
                    'image from Glance. Changing it makes every copy in '
                    'the registry unsigned until a host pushes it again.'),
]

security_opts = [
    cfg.BoolOpt('privileged',
                default=False,
                help='Run every container privileged: all capabilities, all '
                     'host devices, no confinement. Only for trusted '
                     'workloads on dedicated hosts; neither images nor '
                     'instance metadata can ask for it.'),
    cfg.ListOpt('cap_drop',
                default=['AUDIT_WRITE', 'MKNOD', 'NET_RAW'],
                help='Linux capabilities removed from Docker\'s default set '
                     'for every container. The defaults are what a server '
                     'process rarely needs and an attacker often wants: '
                     'writing the audit log, creating device nodes and raw '
                     'packet sockets.'),
    cfg.ListOpt('cap_add',
                default=[],
                help='Linux capabilities added to Docker\'s default set for '
                     'every container, e.g. NET_ADMIN.'),
    cfg.BoolOpt('no_new_privileges',
                default=True,
                help='Forbid processes in containers from gaining privileges '
                     'through setuid binaries or file capabilities.'),
    cfg.IntOpt('log_max_size',
               default=10,
               min=1,
               help='Most MiB of console output (the container\'s stdout and '
                    'stderr, kept by the engine\'s json-file log driver) '
                    'one log file of a container may hold before the engine '
                    'rotates it. With log_max_files this bounds the disk a '
                    'container\'s output can take; nova\'s console log shows '
                    'the newest of it.'),
    cfg.IntOpt('log_max_files',
               default=3,
               min=1,
               help='Log files the engine keeps per container, the current '
                    'one included: a container\'s output takes at most '
                    'log_max_size times this many MiB on disk.'),
    cfg.BoolOpt('allow_image_healthchecks',
                default=False,
                help='Let the HEALTHCHECK an image declares run. The engine '
                     'runs it outside the container\'s CPU limit, as often '
                     'as the image asks, so it is off by default; when '
                     'allowed, its interval is raised to at least '
                     'healthcheck_min_interval.'),
    cfg.IntOpt('healthcheck_min_interval',
               default=30,
               min=1,
               help='Shortest interval, in seconds, between two runs of an '
                    'image\'s HEALTHCHECK (with allow_image_healthchecks).'),
    cfg.BoolOpt('root_disk_quota',
                default=True,
                help='Cap each container\'s writable layer at its flavor\'s '
                     'root disk (root_gb; 0 means no cap). Needs a storage '
                     'driver that can (overlay2 on xfs mounted with pquota, '
                     'btrfs, zfs): nova-compute asks the engine at start and '
                     'logs a warning when it cannot, and a project can then '
                     'fill the engine\'s data root.'),
    cfg.IntOpt('pids_limit',
               default=1024,
               min=1,
               help='Most processes and threads one container may run, so a '
                    'fork bomb in one instance cannot exhaust the host.'),
]

network_opts = [
    cfg.StrOpt('netns_busybox',
               default='/bin/busybox',
               help='A statically linked busybox (Debian: busybox-static). '
                    'For each instance with Neutron ports the driver runs a '
                    'tiny container, built from it on first use, that holds '
                    'the instance\'s network namespace, so its interfaces '
                    'survive reboots and stop/start.'),
]

metadata_opts = [
    cfg.ListOpt('metadata_environment',
                default=[],
                item_type=cfg.types.String(choices=[
                    'uuid', 'name', 'hostname', 'availability_zone',
                    'project_id', 'meta']),
                help='Instance metadata also given to the container\'s '
                     'processes as environment variables (the config drive '
                     'carries all of it regardless): uuid as '
                     'OPENSTACK_INSTANCE_UUID, name (the server\'s) as '
                     'OPENSTACK_INSTANCE_NAME, hostname as '
                     'OPENSTACK_HOSTNAME, availability_zone as '
                     'OPENSTACK_AVAILABILITY_ZONE, project_id as '
                     'OPENSTACK_PROJECT_ID, and meta as OPENSTACK_META_<KEY> '
                     'for each key of the server\'s metadata (upper-cased, '
                     'every character but letters, digits and _ made _). '
                     'They are set when the container is created: metadata '
                     'changed later reaches them at the next rebuild, resize '
                     'or migration. Every name starts with ``OPENSTACK_``, so '
                     'none can replace one the image sets (PATH, LD_PRELOAD, '
                     '...).'),
]

ALL_OPTS = (engine_opts + registry_opts + security_opts + network_opts +
            metadata_opts)


def register_opts(conf):
    conf.register_group(docker_group)
    conf.register_opts(ALL_OPTS, group=docker_group)


def list_opts():
    return [(docker_group, ALL_OPTS)]
