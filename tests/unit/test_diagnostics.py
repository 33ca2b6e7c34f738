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

import datetime

import testtools

from nova.compute import power_state

from novadocker import diagnostics
from novadocker import engine
from tests.unit import fakes

DETAILS = {
    'Id': 'c0ffee', 'Name': '/nova-x',
    'State': {'Status': 'running', 'Running': True,
              'StartedAt': '2026-11-29T09:00:00.123456789Z'},
    'HostConfig': {'Memory': 64 * 1024 * 1024},
}
STATS = {
    'memory_stats': {'usage': 3 * 1024 * 1024},
    'cpu_stats': {'cpu_usage': {'total_usage': 300,
                                'percpu_usage': [100, 200]}},
    'blkio_stats': {'io_service_bytes_recursive': [
        {'op': 'Read', 'value': 4096}, {'op': 'Write', 'value': 512},
        {'op': 'Read', 'value': 4096}, {'op': 'Total', 'value': 8704}]},
}
CONTAINER = engine.Container.from_inspection(DETAILS)


class DiagnosticsTest(testtools.TestCase):

    def test_engine_time_with_nanoseconds(self):
        self.assertEqual(
            datetime.datetime(2026, 11, 29, 9, 0, 0, 123456,
                              tzinfo=datetime.timezone.utc),
            engine.parse_time('2026-11-29T09:00:00.123456789Z'))

    def test_running_container(self):
        now = datetime.datetime(2026, 11, 29, 9, 1, 40,
                                tzinfo=datetime.timezone.utc)
        diags = diagnostics.instance_diagnostics(
            fakes.instance(), CONTAINER, engine.Stats.from_sample(STATS),
            now)
        self.assertEqual(power_state.STATE_MAP[power_state.RUNNING],
                         diags.state)
        self.assertEqual('docker', diags.hypervisor)
        self.assertFalse(diags.obj_attr_is_set('driver'))
        self.assertEqual(99, diags.uptime)
        self.assertEqual((64, 3), (diags.memory_details.maximum,
                                   diags.memory_details.used))
        self.assertEqual([100, 200], [c.time for c in diags.cpu_details])
        self.assertEqual(2, diags.num_cpus)
        self.assertEqual((8192, 512), (diags.disk_details[0].read_bytes,
                                       diags.disk_details[0].write_bytes))
        self.assertEqual(0, diags.num_nics)

    def test_cgroup_v2_reports_total_cpu_time(self):
        stats = dict(STATS, cpu_stats={'cpu_usage': {'total_usage': 300}})
        diags = diagnostics.instance_diagnostics(
            fakes.instance(), CONTAINER, engine.Stats.from_sample(stats),
            datetime.datetime.now(datetime.timezone.utc))
        self.assertEqual([300], [c.time for c in diags.cpu_details])

    def test_legacy_dictionary_from_the_same_numbers(self):
        stats = dict(STATS, networks={'eth0': {'rx_bytes': 7,
                                               'tx_bytes': 9}})
        diags = diagnostics.instance_diagnostics(
            fakes.instance(), CONTAINER, engine.Stats.from_sample(stats),
            datetime.datetime.now(datetime.timezone.utc))
        self.assertEqual({'cpu0_time': 100, 'cpu1_time': 200,
                          'memory': 64 * 1024, 'memory-actual': 3 * 1024,
                          'vda_read': 8192, 'vda_write': 512,
                          'vnet0_rx': 7, 'vnet0_tx': 9},
                         diagnostics.legacy_diagnostics(diags))
