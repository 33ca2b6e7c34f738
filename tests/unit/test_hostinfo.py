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

import time

import testtools

from novadocker import hostinfo

RESOURCES = hostinfo.HostResources(vcpus=2, memory_mb=4096, disk_gb=100,
                                   disk_free_gb=60, arch='x86_64',
                                   engine_version=20010024)
RATIOS = {'VCPU': 16.0, 'MEMORY_MB': 1.5, 'DISK_GB': 1.0}


class HostInfoTest(testtools.TestCase):

    def test_engine_version_as_integer(self):
        self.assertEqual(20010024, hostinfo.engine_version_int(
            '20.10.24+dfsg1'))
        self.assertEqual(28002002, hostinfo.engine_version_int('28.2.2'))
        self.assertEqual(27000000, hostinfo.engine_version_int('27.0.0-rc.1'))

    def test_cpu_stats_in_nanoseconds(self):
        stat = ('cpu  100 20 300 4000 50 6 7 0 0 0\n'
                'cpu0 50 10 150 2000 25 3 3 0 0 0\n')
        cpuinfo = 'processor\t: 0\ncpu MHz\t\t: 2599.998\nflags\t: x\n'
        self.assertEqual({'user': 120 * 10 ** 7, 'kernel': 300 * 10 ** 7,
                          'idle': 4000 * 10 ** 7, 'iowait': 50 * 10 ** 7,
                          'frequency': 2599},
                         hostinfo.cpu_stats(stat, cpuinfo, 100))
        # Some machines (ARM) name no clock.
        self.assertEqual(0, hostinfo.cpu_stats(stat, '', 100)['frequency'])

    def test_inventory_honours_reserved_and_ratios(self):
        inventory = hostinfo.inventory(RESOURCES, RATIOS, reserved_cpus=1,
                                       reserved_memory_mb=512,
                                       reserved_disk_gb=5)
        self.assertEqual({'total': 2, 'reserved': 1, 'min_unit': 1,
                          'max_unit': 2, 'step_size': 1,
                          'allocation_ratio': 16.0}, inventory['VCPU'])
        self.assertEqual(512, inventory['MEMORY_MB']['reserved'])
        self.assertEqual(1.5, inventory['MEMORY_MB']['allocation_ratio'])
        self.assertEqual(100, inventory['DISK_GB']['total'])
        self.assertEqual(5, inventory['DISK_GB']['reserved'])

    def test_inventory_leaves_out_what_the_host_lacks(self):
        no_disk = hostinfo.HostResources(2, 4096, 0, 0, 'x86_64', 1)
        self.assertNotIn('DISK_GB', hostinfo.inventory(no_disk, RATIOS, 0, 0,
                                                       0))

    def test_available_resource_describes_a_docker_hypervisor(self):
        result = hostinfo.available_resource(RESOURCES, 'node-a')
        self.assertEqual('docker', result['hypervisor_type'])
        self.assertEqual(20010024, result['hypervisor_version'])
        self.assertEqual('node-a', result['hypervisor_hostname'])
        self.assertEqual((2, 4096, 100, 60), (
            result['vcpus'], result['memory_mb'], result['local_gb'],
            result['disk_available_least']))
        self.assertEqual([('x86_64', 'docker', 'exe')],
                         result['supported_instances'])

    def test_unreadable_data_root_reports_no_disk(self):
        self.assertEqual((0, 0), hostinfo.disk_usage('/no/such/data-root'))

    def test_uptime_reads_like_uptime_1(self):
        now = time.struct_time((2026, 11, 29, 9, 5, 7, 6, 333, 0))
        self.assertEqual(
            ' 09:05:07 up 2 days,  3:04,  load average: 0.50, 0.25, 0.00',
            hostinfo.uptime_text(now, 2 * 86400 + 3 * 3600 + 4 * 60 + 30,
                                 (0.5, 0.25, 0.0)))
        self.assertEqual(
            ' 09:05:07 up  0:01,  load average: 1.00, 1.00, 1.00',
            hostinfo.uptime_text(now, 61, (1, 1, 1)))
