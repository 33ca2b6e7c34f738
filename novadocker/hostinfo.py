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

"""What the compute host offers: resources, inventory and uptime."""

import dataclasses
import os
import time

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import units
from oslo_utils import versionutils

from nova.objects import fields

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class HostResources:
    vcpus: int
    memory_mb: int
    disk_gb: int
    disk_free_gb: int
    arch: str
    engine_version: int


def engine_version_int(version):
    """``20.10.24+dfsg1`` -> 20010024, as nova stores hypervisor versions."""
    release = version.split('+')[0].split('-')[0]
    return versionutils.convert_version_to_int(release)


def disk_usage(path):
    """(total GB, free GB) of the filesystem holding ``path``.

    A remote engine's data root is not visible here: it is then reported as
    empty rather than guessed from an unrelated local filesystem.
    """
    try:
        st = os.statvfs(path)
    except OSError as e:
        LOG.warning('Cannot measure the disk holding the Docker data root '
                    '%(path)s: %(error)s; reporting no disk', {
                        'path': path, 'error': e})
        return 0, 0
    return (st.f_blocks * st.f_frsize // units.Gi,
            st.f_bavail * st.f_frsize // units.Gi)


def host_resources(engine_info, engine_version):
    """Resources of the engine's host from ``docker info`` and its disk."""
    disk_gb, free_gb = disk_usage(engine_info.get('DockerRootDir',
                                                  '/var/lib/docker'))
    return HostResources(
        vcpus=engine_info['NCPU'],
        memory_mb=engine_info['MemTotal'] // units.Mi,
        disk_gb=disk_gb,
        disk_free_gb=free_gb,
        arch=fields.Architecture.canonicalize(
            engine_info.get('Architecture') or os.uname().machine),
        engine_version=engine_version_int(engine_version))


def available_resource(resources, nodename):
    """The dict nova's resource tracker wants from get_available_resource.

    Usage figures are left at zero: the resource tracker replaces them with
    the sum of its instances' flavors anyway.
    """
    return {
        'vcpus': resources.vcpus,
        'memory_mb': resources.memory_mb,
        'local_gb': resources.disk_gb,
        'vcpus_used': 0,
        'memory_mb_used': 0,
        'local_gb_used': 0,
        'disk_available_least': resources.disk_free_gb,
        'hypervisor_type': fields.HVType.DOCKER,
        'hypervisor_version': resources.engine_version,
        'hypervisor_hostname': nodename,
        'cpu_info': jsonutils.dumps({
            'arch': resources.arch,
            'topology': {'sockets': 1, 'cores': resources.vcpus,
                         'threads': 1}}),
        'numa_topology': None,
        'supported_instances': [(resources.arch, fields.HVType.DOCKER,
                                 fields.VMMode.EXE)],
    }


def _inventory_record(total, reserved, ratio):
    return {'total': total, 'min_unit': 1, 'max_unit': total,
            'step_size': 1, 'allocation_ratio': ratio, 'reserved': reserved}


def inventory(resources, ratios, reserved_cpus, reserved_memory_mb,
              reserved_disk_gb):
    """Placement inventory for the node; ``ratios`` keyed by resource class.

    A resource class with nothing to offer is left out: placement refuses
    inventory whose total is zero.
    """
    totals = {
        'VCPU': (resources.vcpus, reserved_cpus),
        'MEMORY_MB': (resources.memory_mb, reserved_memory_mb),
        'DISK_GB': (resources.disk_gb, reserved_disk_gb),
    }
    return {rc: _inventory_record(total, reserved, ratios[rc])
            for rc, (total, reserved) in totals.items() if total > 0}


def uptime_text(now, uptime_seconds, load):
    """The host's uptime in the format of uptime(1), as nova reports it."""
    days, rest = divmod(int(uptime_seconds), 86400)
    hours, minutes = divmod(rest // 60, 60)
    since = '%d day%s, ' % (days, '' if days == 1 else 's') if days else ''
    return ' %s up %s%2d:%02d,  load average: %.2f, %.2f, %.2f' % (
        time.strftime('%H:%M:%S', now), since, hours, minutes, *load)


def host_uptime():
    with open('/proc/uptime') as f:
        seconds = float(f.read().split()[0])
    return uptime_text(time.localtime(), seconds, os.getloadavg())


def cpu_stats(stat_text, cpuinfo_text, ticks_per_second):
    """The host's cumulative CPU times in nanoseconds and its clock in MHz,
    as nova's CPU monitor reads them, from /proc/stat and /proc/cpuinfo."""
    fields = stat_text.split('\n', 1)[0].split()
    user, nice, system, idle, iowait = (int(v) for v in fields[1:6])
    to_ns = 10 ** 9 // ticks_per_second
    frequency = 0
    for line in cpuinfo_text.splitlines():
        if line.startswith('cpu MHz'):
            frequency = int(float(line.split(':')[1]))
            break
    return {'kernel': system * to_ns, 'idle': idle * to_ns,
            'user': (user + nice) * to_ns, 'iowait': iowait * to_ns,
            'frequency': frequency}


def host_cpu_stats():
    with open('/proc/stat') as stat, open('/proc/cpuinfo') as cpuinfo:
        return cpu_stats(stat.read(), cpuinfo.read(),
                         os.sysconf('SC_CLK_TCK'))
