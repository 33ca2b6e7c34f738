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

"""Pure translation of nova's view of an instance into a container spec.

Nothing here talks to the engine or reads configuration: every input is an
argument, so the mapping can be tested on its own and reasoned about as a
table.
"""

import dataclasses
import re

from oslo_utils import units

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states

LABEL_PREFIX = 'org.openstack.nova.'
LABEL_UUID = LABEL_PREFIX + 'instance-uuid'
LABEL_HOST = LABEL_PREFIX + 'host'
LABEL_NAME = LABEL_PREFIX + 'instance-name'
# The driver's name of the image an instance's container was created from
# (by id, which says nothing to an operator or to the image cache).
LABEL_IMAGE = LABEL_PREFIX + 'image'
# The container holding an instance's network namespace carries these
# instead of the instance labels: it is not an instance.
LABEL_NETNS_OF = LABEL_PREFIX + 'netns-of'
LABEL_NETNS_HOST = LABEL_PREFIX + 'netns-host'
# What a namespace holder runs: PID 1 without a SIGTERM handler ignores
# SIGTERM, so it is only ever killed. The privileged side checks for it.
NETNS_HOLDER_COMMAND = ('/bin/sleep', '2147483647')
# Linux caps interface names at 15 characters.
IFNAMSIZ = 15
# Routes of eth<N> get metric N times this: eth0's default route wins.
ROUTE_METRIC_STEP = 100

# The kernel scheduler's weight of one vCPU; Docker's default for a
# container is the same 1024, so a 1-vCPU instance weighs like a plain
# container.
CPU_SHARES_PER_VCPU = 1024
MAX_CPU_SHARES = 262144
CPU_PERIOD_US = 100000
NS_PER_SECOND = 10 ** 9
# The engine's own interval for a healthcheck that names none.
DEFAULT_HEALTHCHECK_INTERVAL_NS = 30 * NS_PER_SECOND

# Where a container finds nova's config drive: cloud-init's seed directory
# for its ConfigDrive datasource.
CONFIG_DRIVE = '/var/lib/cloud/seed/config_drive'
# Where a rescue container finds the rescued instance's filesystem.
RESCUE_MOUNT = '/rescue'

# Docker states that only exist while the engine is in the middle of
# something: nova should neither act on them nor call them an outage.
_POWER_STATES = {
    'running': power_state.RUNNING,
    'paused': power_state.PAUSED,
    'created': power_state.SHUTDOWN,
    'exited': power_state.SHUTDOWN,
    'dead': power_state.CRASHED,
    'restarting': power_state.NOSTATE,
    'removing': power_state.NOSTATE,
}


@dataclasses.dataclass(frozen=True)
class SecurityPolicy:
    """What the operator allows every container; never taken from users."""
    privileged: bool = False
    cap_add: tuple = ()
    cap_drop: tuple = ()
    no_new_privileges: bool = True
    pids_limit: int = 1024
    log_max_size_mb: int = 10
    log_max_files: int = 3
    allow_healthchecks: bool = False
    healthcheck_min_interval: int = 30
    # The flavor's root disk caps the container's writable layer (where
    # the storage driver can).
    root_disk_quota: bool = False


@dataclasses.dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    hostname: str
    domainname: str
    labels: dict
    host_config: dict
    # The engine's Healthcheck object; None keeps the image's.
    healthcheck: dict = None
    # Variables added to the image's (``NAME=value``).
    environment: tuple = ()


@dataclasses.dataclass(frozen=True)
class Interface:
    """One Neutron port as the container sees it, and its host side."""
    port_id: str
    vif_type: str
    # The host end of the veth pair (nova's devname, e.g. tapXXXXXXXX-XX),
    # its peer's name until it is renamed inside the namespace, and that
    # name (eth0, eth1, ... in port order).
    host_name: str
    peer_name: str
    name: str
    mac: str
    mtu: int
    # (address, prefix length) for every fixed IP of every subnet.
    addresses: tuple
    # (destination CIDR, gateway); 'default' routes come from subnet
    # gateways.
    routes: tuple
    # Of those routes: with several ports, the first port's default route
    # wins and the others' stay as fallbacks.
    metric: int
    dns: tuple
    bridge: str
    create_bridge: bool
    # Open vSwitch's userspace datapath cannot fill in checksums a veth
    # offloads to it: the container end computes its own.
    software_checksums: bool


def container_name(instance_uuid):
    return 'nova-' + instance_uuid


def resize_container_name(instance_uuid):
    """Where an instance's container waits while it is resized or
    migrated, until nova confirms (removed) or reverts (renamed back)."""
    return 'nova-%s-resize' % instance_uuid


def rescued_container_name(instance_uuid):
    """Where an instance's container waits, stopped, while a rescue
    container runs in its place."""
    return 'nova-%s-rescued' % instance_uuid


def is_instance_container(container):
    """Whether an engine Container is the instance's container itself,
    not one waiting for a resize or made by hand."""
    uuid = container.labels.get(LABEL_UUID)
    return bool(uuid) and container.name == container_name(uuid)


def host_label_filter(host):
    return '%s=%s' % (LABEL_HOST, host)


def netns_container_name(instance_uuid):
    return 'nova-%s-netns' % instance_uuid


def netns_host_label_filter(host):
    return '%s=%s' % (LABEL_NETNS_HOST, host)


def interfaces(network_info):
    """The container's interfaces for nova's ``network_info``, in order."""
    result = []
    for index, vif in enumerate(network_info or ()):
        network = vif.get('network') or {}
        meta = network.get('meta') or {}
        addresses, routes, dns = [], [], []
        for subnet in network.get('subnets') or ():
            ips = subnet.get('ips') or ()
            if not ips:
                # The network's other subnets (say its IPv6 one): without
                # an address there, their gateway is unreachable.
                continue
            prefix = int(subnet['cidr'].split('/')[1])
            addresses.extend((ip['address'], prefix) for ip in ips)
            gateway = (subnet.get('gateway') or {}).get('address')
            # One default route per IP version: the first subnet's.
            if gateway and not any(
                    destination == 'default' and (':' in via) == (
                        ':' in gateway) for destination, via in routes):
                routes.append(('default', gateway))
            routes.extend((route['cidr'], route['gateway']['address'])
                          for route in subnet.get('routes') or ())
            dns.extend(server['address'] for server in subnet.get('dns') or ()
                       if server['address'] not in dns)
        # nova names the host end; the peer gets a name of the same shape
        # until it is renamed inside the namespace.
        host_name = (vif.get('devname') or
                     'tap' + vif['id'])[:IFNAMSIZ]
        result.append(Interface(
            port_id=vif['id'], vif_type=vif.get('type'),
            host_name=host_name,
            peer_name=('ns' + vif['id'])[:IFNAMSIZ],
            name='eth%d' % index, mac=vif.get('address'),
            mtu=meta.get('mtu') or None,
            addresses=tuple(addresses), routes=tuple(routes),
            metric=index * ROUTE_METRIC_STEP,
            dns=tuple(dns), bridge=network.get('bridge'),
            create_bridge=bool(meta.get('should_create_bridge')),
            software_checksums=(vif.get('details') or {}).get(
                'datapath_type') == 'netdev'))
    return result


def attached_interface(vif, names_in_use):
    """The interface for a port attached to a running server: the first
    ``ethN`` the namespace does not have yet."""
    index = 0
    while 'eth%d' % index in names_in_use:
        index += 1
    return dataclasses.replace(interfaces([vif])[0], name='eth%d' % index,
                               metric=index * ROUTE_METRIC_STEP)


def netns_container_spec(instance, image, host, interfaces):
    """The container that holds ``instance``'s network namespace.

    It outlives the instance's own container across reboots and stop/start,
    so plugged interfaces stay; the instance's container joins its
    namespace, and with it its hostname and resolv.conf.
    """
    hostname, domainname = hostname_parts(instance.hostname)
    dns = []
    for interface in interfaces:
        dns.extend(server for server in interface.dns if server not in dns)
    return ContainerSpec(
        name=netns_container_name(instance.uuid),
        image=image,
        hostname=hostname,
        domainname=domainname,
        labels={LABEL_NETNS_OF: instance.uuid, LABEL_NETNS_HOST: host},
        host_config={
            'network_mode': 'none',
            'dns': dns,
            # Docker turns IPv6 off in namespaces it does not network.
            'sysctls': {'net.ipv6.conf.all.disable_ipv6': '0',
                        'net.ipv6.conf.default.disable_ipv6': '0'},
            'cap_drop': ['ALL'],
            'security_opt': ['no-new-privileges:true'],
            'pids_limit': 8,
            'mem_limit': 16 * units.Mi,
        })


def cpu_limits(vcpus, host_cpus):
    """CPU weight and hard cap for a flavor's vCPUs on a host.

    The quota is capped at the host's CPUs: a container cannot use more
    cores than exist, and an uncapped quota would only hide overcommit.
    """
    return {
        'cpu_shares': min(max(vcpus, 1) * CPU_SHARES_PER_VCPU,
                          MAX_CPU_SHARES),
        'cpu_period': CPU_PERIOD_US,
        'cpu_quota': min(max(vcpus, 1), max(host_cpus, 1)) * CPU_PERIOD_US,
    }


def memory_limits(memory_mb, swap_mb):
    memory = memory_mb * units.Mi
    return {'mem_limit': memory, 'memswap_limit': memory + swap_mb * units.Mi}


def hostname_parts(hostname):
    """Split nova's (possibly fully qualified) hostname for Docker."""
    host, _, domain = (hostname or '').partition('.')
    return host[:63], domain


def instance_labels(instance, host, image):
    """The driver's labels, and a blank for every other label under its
    prefix that the image would pass on to the container: only the driver
    speaks in its own name."""
    labels = {key: '' for key in image.labels
              if key.startswith(LABEL_PREFIX)}
    labels.update({LABEL_UUID: instance.uuid, LABEL_HOST: host,
                   LABEL_NAME: instance.name, LABEL_IMAGE: image.reference})
    return labels


def healthcheck(image_healthcheck, policy):
    """The image's healthcheck, if the operator lets it run at all, no more
    often than every ``healthcheck_min_interval`` seconds."""
    test = (image_healthcheck or {}).get('Test') or ['NONE']
    if not policy.allow_healthchecks or test == ['NONE']:
        return {'Test': ['NONE']}
    check = dict(image_healthcheck)
    check['Interval'] = max(check.get('Interval') or
                            DEFAULT_HEALTHCHECK_INTERVAL_NS,
                            policy.healthcheck_min_interval * NS_PER_SECOND)
    return check


def log_config(policy):
    """Console output bounded on disk, still readable by ``docker logs``."""
    return {'type': 'json-file',
            'config': {'max-size': '%dm' % policy.log_max_size_mb,
                       'max-file': str(policy.log_max_files)}}


# [docker] metadata_environment choice: (variable, instance field).
_ENVIRONMENT = {
    'uuid': ('OPENSTACK_INSTANCE_UUID', 'uuid'),
    'name': ('OPENSTACK_INSTANCE_NAME', 'display_name'),
    'hostname': ('OPENSTACK_HOSTNAME', 'hostname'),
    'availability_zone': ('OPENSTACK_AVAILABILITY_ZONE',
                          'availability_zone'),
    'project_id': ('OPENSTACK_PROJECT_ID', 'project_id'),
}
_NOT_IN_A_NAME = re.compile('[^A-Z0-9_]')


def environment(instance, exported):
    """``NAME=value`` for each kind of metadata in ``exported`` (the
    [docker] metadata_environment choices) the instance has."""
    variables = {}
    for kind in exported:
        if kind == 'meta':
            for key, value in sorted((instance.metadata or {}).items()):
                name = _NOT_IN_A_NAME.sub('_', key.upper())
                variables['OPENSTACK_META_' + name] = value
        else:
            name, field = _ENVIRONMENT[kind]
            if instance.obj_attr_is_set(field) and getattr(instance, field):
                variables[name] = getattr(instance, field)
    return tuple('%s=%s' % item for item in sorted(variables.items()))


def container_spec(instance, image, host, host_cpus, policy,
                   netns_container=None, config_drive=None,
                   rescue_root=None, exported=()):
    """The container that runs ``instance`` on ``host`` from ``image``.

    ``image`` is the engine's view of it (id, labels, healthcheck); the
    container is created from its id, so a name moved meanwhile changes
    nothing. Only the flavor shapes resources; the security settings come
    from ``policy`` alone, so nothing in an image or in instance metadata can
    loosen them. With ``netns_container`` it joins that container's network
    namespace (and hostname); without, it has only loopback. With
    ``config_drive``, that host directory is mounted read-only at
    CONFIG_DRIVE; with ``rescue_root`` (a rescued instance's filesystem),
    that one read-write at RESCUE_MOUNT. There is no other mount.
    """
    flavor = instance.flavor
    hostname, domainname = hostname_parts(instance.hostname)
    if netns_container:
        # Docker refuses a hostname on a container that joins another's
        # namespace: the holder carries it.
        hostname = domainname = None
    host_config = {
        'network_mode': ('container:' + netns_container if netns_container
                         else 'none'),
        'ipc_mode': 'private',
        'privileged': policy.privileged,
        'cap_add': list(policy.cap_add),
        'cap_drop': list(policy.cap_drop),
        'security_opt': (['no-new-privileges:true']
                         if policy.no_new_privileges else []),
        'pids_limit': policy.pids_limit,
        'log_config': log_config(policy),
    }
    host_config.update(memory_limits(flavor.memory_mb, flavor.swap or 0))
    host_config.update(cpu_limits(flavor.vcpus, host_cpus))
    if policy.root_disk_quota and flavor.root_gb:
        host_config['storage_opt'] = {'size': '%dG' % flavor.root_gb}
    binds = {}
    if config_drive:
        binds[config_drive] = {'bind': CONFIG_DRIVE, 'mode': 'ro'}
    if rescue_root:
        binds[rescue_root] = {'bind': RESCUE_MOUNT, 'mode': 'rw'}
    if binds:
        host_config['binds'] = binds
    return ContainerSpec(
        name=container_name(instance.uuid),
        image=image.id,
        hostname=hostname,
        domainname=domainname,
        labels=instance_labels(instance, host, image),
        host_config=host_config,
        healthcheck=healthcheck(image.healthcheck, policy),
        environment=environment(instance, exported))


def power_state_of(docker_state, instance):
    """nova's power state for a container in ``docker_state``.

    Suspend freezes the container exactly like pause does (there is no
    memory image to write out for a container); nova's own record tells the
    two apart.
    """
    state = _POWER_STATES.get(docker_state, power_state.NOSTATE)
    if state == power_state.PAUSED and (
            instance.vm_state == vm_states.SUSPENDED or
            instance.task_state == task_states.SUSPENDING):
        return power_state.SUSPENDED
    return state
