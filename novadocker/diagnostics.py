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

"""Pure translation of an engine Container and its Stats into nova's
instance diagnostics."""

from oslo_utils import units

from nova.objects import diagnostics

from novadocker import engine
from novadocker import spec


def instance_diagnostics(instance, container, stats, now):
    """nova's Diagnostics for an inspected engine Container and its Stats.

    The ``driver`` field is left unset: nova's enum of drivers has no
    Docker entry, and the API shows an unset field as null.
    """
    started = engine.parse_time(container.started_at)
    diags = diagnostics.Diagnostics(
        state=spec.power_state_of(container.status, instance),
        hypervisor='docker',
        hypervisor_os='linux',
        uptime=(int((now - started).total_seconds()) if container.running
                else 0),
        config_drive=False)
    diags.memory_details = diagnostics.MemoryDiagnostics(
        maximum=container.memory // units.Mi,
        used=stats.memory_used // units.Mi)
    for cpu_id, nanoseconds in enumerate(stats.cpu_times):
        diags.add_cpu(id=cpu_id, time=nanoseconds)
    for nic in stats.nics:
        diags.add_nic(rx_octets=nic.get('rx_bytes'),
                      rx_errors=nic.get('rx_errors'),
                      rx_drop=nic.get('rx_dropped'),
                      rx_packets=nic.get('rx_packets'),
                      tx_octets=nic.get('tx_bytes'),
                      tx_errors=nic.get('tx_errors'),
                      tx_drop=nic.get('tx_dropped'),
                      tx_packets=nic.get('tx_packets'))
    diags.add_disk(read_bytes=stats.disk_read, write_bytes=stats.disk_write)
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
