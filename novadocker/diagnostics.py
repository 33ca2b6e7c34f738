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

"""Pure translation of a container's inspection and stats into nova's
instance diagnostics."""

from oslo_utils import units

from nova.objects import diagnostics

from novadocker import engine
from novadocker import spec


def _blkio_total(stats, operation):
    entries = (stats.get('blkio_stats') or {}).get(
        'io_service_bytes_recursive') or []
    return sum(e.get('value', 0) for e in entries
               if e.get('op', '').lower() == operation)


def instance_diagnostics(instance, details, stats, now):
    """nova's Diagnostics for a container from inspect and one-shot stats.

    The ``driver`` field is left unset: nova's enum of drivers has no
    Docker entry, and the API shows an unset field as null.
    """
    started = engine.parse_time(details['State']['StartedAt'])
    running = details['State']['Running']
    diags = diagnostics.Diagnostics(
        state=spec.power_state_of(details['State']['Status'], instance),
        hypervisor='docker',
        hypervisor_os='linux',
        uptime=int((now - started).total_seconds()) if running else 0,
        config_drive=False)
    memory = stats.get('memory_stats') or {}
    diags.memory_details = diagnostics.MemoryDiagnostics(
        maximum=details['HostConfig']['Memory'] // units.Mi,
        used=memory.get('usage', 0) // units.Mi)
    cpu_usage = (stats.get('cpu_stats') or {}).get('cpu_usage') or {}
    per_cpu = cpu_usage.get('percpu_usage')
    if per_cpu:
        for cpu_id, nanoseconds in enumerate(per_cpu):
            diags.add_cpu(id=cpu_id, time=nanoseconds)
    else:
        diags.add_cpu(id=0, time=cpu_usage.get('total_usage', 0))
    for network in (stats.get('networks') or {}).values():
        diags.add_nic(rx_octets=network.get('rx_bytes'),
                      rx_errors=network.get('rx_errors'),
                      rx_drop=network.get('rx_dropped'),
                      rx_packets=network.get('rx_packets'),
                      tx_octets=network.get('tx_bytes'),
                      tx_errors=network.get('tx_errors'),
                      tx_drop=network.get('tx_dropped'),
                      tx_packets=network.get('tx_packets'))
    diags.add_disk(read_bytes=_blkio_total(stats, 'read'),
                   write_bytes=_blkio_total(stats, 'write'))
    return diags


def legacy_diagnostics(diags):
    """The flat dictionary of nova's diagnostics API before microversion
    2.48, from the same numbers, named as nova's libvirt driver names them
    (``cpu0_time``, ``memory`` in KiB, ``vda_read``, ``vnet0_rx``)."""
    legacy = {'cpu%d_time' % cpu.id: cpu.time for cpu in diags.cpu_details}
    legacy['memory'] = diags.memory_details.maximum * units.Ki
    legacy['memory-actual'] = diags.memory_details.used * units.Ki
    for index, disk in enumerate(diags.disk_details):
        legacy['vd%s_read' % chr(ord('a') + index)] = disk.read_bytes
        legacy['vd%s_write' % chr(ord('a') + index)] = disk.write_bytes
    for index, nic in enumerate(diags.nic_details):
        legacy['vnet%d_rx' % index] = nic.rx_octets
        legacy['vnet%d_tx' % index] = nic.tx_octets
    return legacy
