"""Pure translation of nova's view of an instance into a container spec.

Nothing here talks to the engine or reads configuration: every input is an
argument, so the mapping can be tested on its own and reasoned about as a
table.
"""

import dataclasses

from oslo_utils import units

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states

LABEL_PREFIX = 'org.openstack.nova.'
LABEL_UUID = LABEL_PREFIX + 'instance-uuid'
LABEL_HOST = LABEL_PREFIX + 'host'
LABEL_NAME = LABEL_PREFIX + 'instance-name'

# The kernel scheduler's weight of one vCPU; Docker's default for a
# container is the same 1024, so a 1-vCPU instance weighs like a plain
# container.
CPU_SHARES_PER_VCPU = 1024
MAX_CPU_SHARES = 262144
CPU_PERIOD_US = 100000

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


@dataclasses.dataclass(frozen=True)
class ContainerSpec:
    name: str
    image: str
    hostname: str
    domainname: str
    labels: dict
    host_config: dict


def container_name(instance_uuid):
    return 'nova-' + instance_uuid


def host_label_filter(host):
    return '%s=%s' % (LABEL_HOST, host)


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


def container_spec(instance, image, host, host_cpus, policy):
    """The container that runs ``instance`` on ``host`` from ``image``.

    Only the flavor shapes resources; the security settings come from
    ``policy`` alone, so nothing in an image or in instance metadata can
    loosen them.
    """
    flavor = instance.flavor
    hostname, domainname = hostname_parts(instance.hostname)
    host_config = {
        'network_mode': 'none',
        'ipc_mode': 'private',
        'privileged': policy.privileged,
        'cap_add': list(policy.cap_add),
        'cap_drop': list(policy.cap_drop),
        'security_opt': (['no-new-privileges:true']
                         if policy.no_new_privileges else []),
        'pids_limit': policy.pids_limit,
    }
    host_config.update(memory_limits(flavor.memory_mb, flavor.swap or 0))
    host_config.update(cpu_limits(flavor.vcpus, host_cpus))
    return ContainerSpec(
        name=container_name(instance.uuid),
        image=image,
        hostname=hostname,
        domainname=domainname,
        labels={LABEL_UUID: instance.uuid,
                LABEL_HOST: host,
                LABEL_NAME: instance.name},
        host_config=host_config)


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
