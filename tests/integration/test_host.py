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

"""Host-level behaviour: isolation between hosts, resources, the engine."""

import collections
import concurrent.futures
import importlib.metadata
import os
import threading
import time

import fixtures

from nova.compute import provider_tree
from nova import exception as nova_exception
from nova.virt import driver as nova_driver
from nova.virt import fake as fake_virt

from novadocker import driver
from novadocker import exception
from novadocker import spec
from tests.integration import base
from tests.unit import fakes


class HostIsolationTest(base.DriverTestCase):

    def test_two_hosts_on_one_engine_see_only_their_own(self):
        other = self.make_driver(self.host + '-b')
        mine = self.spawn()
        theirs = fakes.instance()
        other.spawn(self.context, theirs, self.glance_image(), [], None, {},
                    network_info=[])
        self.assertEqual([mine.uuid], self.driver.list_instance_uuids())
        self.assertEqual([theirs.uuid], other.list_instance_uuids())
        self.assertEqual(['instance-00000001'], self.driver.list_instances())
        self.assertFalse(self.driver.instance_exists(theirs))
        self.assertTrue(other.instance_exists(theirs))
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.get_info, theirs)
        self.assertEqual(1, self.driver.get_num_instances())

    def test_containers_not_made_by_nova_are_ignored(self):
        container = self.client.create_container(base.test_image(),
                                                 labels={'app': 'other'})
        self.addCleanup(self.client.remove_container, container['Id'],
                        force=True)
        self.assertEqual([], self.driver.list_instance_uuids())


class ResourcesTest(base.DriverTestCase):

    def test_available_resource(self):
        resources = self.driver.get_available_resource(self.host)
        info = self.client.info()
        self.assertEqual('docker', resources['hypervisor_type'])
        self.assertEqual(self.host, resources['hypervisor_hostname'])
        self.assertEqual(info['NCPU'], resources['vcpus'])
        self.assertEqual(info['MemTotal'] // 1024 ** 2,
                         resources['memory_mb'])
        version = info['ServerVersion'].split('+')[0].split('.')
        self.assertEqual(int(version[0]) * 1000000 + int(version[1]) * 1000 +
                         int(version[2]), resources['hypervisor_version'])
        st = os.statvfs(info['DockerRootDir'])
        self.assertEqual(st.f_blocks * st.f_frsize // 1024 ** 3,
                         resources['local_gb'])
        self.assertEqual([self.host], self.driver.get_available_nodes())

    def test_provider_tree_inventory_honours_reserved_and_ratios(self):
        self.flags.config(reserved_host_memory_mb=256, reserved_host_cpus=1,
                          reserved_host_disk_mb=2048, cpu_allocation_ratio=8.0,
                          ram_allocation_ratio=1.25)
        tree = provider_tree.ProviderTree()
        tree.new_root(self.host, 'f9a1dc5e-2f0b-4b4f-9d3b-0e5d6e7f8a9b')
        self.driver.update_provider_tree(tree, self.host)
        inventory = tree.data(self.host).inventory
        info = self.client.info()
        self.assertEqual(info['NCPU'], inventory['VCPU']['total'])
        self.assertEqual(1, inventory['VCPU']['reserved'])
        self.assertEqual(8.0, inventory['VCPU']['allocation_ratio'])
        self.assertEqual(256, inventory['MEMORY_MB']['reserved'])
        self.assertEqual(1.25, inventory['MEMORY_MB']['allocation_ratio'])
        self.assertEqual(2, inventory['DISK_GB']['reserved'])
        self.assertGreater(inventory['DISK_GB']['total'], 0)

    def test_capabilities_claim_only_what_is_supported(self):
        capabilities = self.driver.capabilities
        claimed = sorted(k for k, v in capabilities.items() if v)
        self.assertEqual(['has_imagecache', 'supports_attach_interface',
                          'supports_image_type_raw',
                          'supports_migrate_to_same_host'],
                         claimed)


class EngineConnectionTest(base.DriverTestCase):

    def _driver_for(self, url, **flags):
        self.flags.config(host_url=url, group='docker', **flags)
        return driver.DockerDriver(fake_virt.FakeVirtAPI())

    def test_missing_socket_fails_init_host_with_url_and_cause(self):
        drv = self._driver_for('unix:///run/no-such-docker.sock')
        error = self.assertRaises(exception.EngineUnavailable, drv.init_host,
                                  'host')
        message = error.format_message()
        self.assertIn('unix:///run/no-such-docker.sock', message)
        self.assertIn('no socket', message)
        self.assertIsInstance(error, nova_exception.HypervisorUnavailable)

    def test_nothing_listening_on_tcp(self):
        error = self.assertRaises(
            exception.EngineUnavailable,
            self._driver_for('tcp://127.0.0.1:9').init_host, 'host')
        self.assertIn('connection refused', error.format_message())

    def test_wrong_api_version(self):
        self.flags.config(api_version='1.99', group='docker')
        error = self.assertRaises(exception.EngineUnavailable,
                                  self._driver_for(
                                      base.CONF.docker.host_url).init_host,
                                  'host')
        self.assertIn('1.99 is not served', error.format_message())


class LoaderTest(base.DriverTestCase):

    def test_novas_loader_accepts_docker_driver(self):
        self.flags.config(compute_driver='docker.DockerDriver')
        loaded = nova_driver.load_compute_driver(fake_virt.FakeVirtAPI())
        self.assertIsInstance(loaded, driver.DockerDriver)

    def test_package_ships_nothing_else_under_nova(self):
        files = [str(f) for f in
                 importlib.metadata.distribution('nova-docker').files]
        self.assertIn('nova/virt/docker/__init__.py', files)
        self.assertEqual(['nova/virt/docker/__init__.py'], sorted(
            f for f in files
            if f.startswith('nova/') and not f.endswith('.pyc')))


class ConcurrencyTest(base.DriverTestCase):

    def test_many_threads_on_many_instances(self):
        image = self.glance_image()
        instances = [fakes.instance() for _ in range(8)]

        def lifecycle(instance):
            self.driver.spawn(self.context, instance, image, [], None, {},
                              network_info=[])
            self.driver.pause(instance)
            self.driver.unpause(instance)
            return self.driver.get_info(instance).state

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            states = list(pool.map(lifecycle, instances))
        self.assertEqual([1] * 8, states)
        self.assertEqual(sorted(i.uuid for i in instances),
                         sorted(self.driver.list_instance_uuids()))
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: self.driver.destroy(None, i, []),
                          instances))
        self.assertEqual([], self.driver.list_instance_uuids())

    def _track_overlap(self, method):
        """Wrap an engine method to record how many calls overlap."""
        real = getattr(self.driver._engine, method)
        lock = threading.Lock()
        in_flight = collections.Counter()
        peaks = collections.Counter()

        def tracked(name, *args, **kwargs):
            with lock:
                in_flight[name] += 1
                in_flight['*'] += 1
                peaks[name] = max(peaks[name], in_flight[name])
                peaks['*'] = max(peaks['*'], in_flight['*'])
            try:
                time.sleep(0.2)
                return real(name, *args, **kwargs)
            finally:
                with lock:
                    in_flight[name] -= 1
                    in_flight['*'] -= 1

        self.useFixture(fixtures.MockPatchObject(self.driver._engine, method,
                                                 tracked))
        return peaks

    def test_one_instance_is_serialised_and_others_run_in_parallel(self):
        peaks = self._track_overlap('restart')
        first, second = self.spawn(), self.spawn()
        calls = [first] * 3 + [second] * 3
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: self.driver.reboot(None, i, [], 'SOFT'),
                          calls))
        self.assertEqual(1, peaks[spec.container_name(first.uuid)])
        self.assertEqual(1, peaks[spec.container_name(second.uuid)])
        self.assertEqual(2, peaks['*'])
