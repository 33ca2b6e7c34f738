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

"""Resize and cold migration on the real engine, as nova drives them.

nova calls, in order: ``migrate_disk_and_power_off`` on the source host,
``finish_migration`` on the destination (the instance then has its new
flavor), and later either ``confirm_migration`` on the source, or
``destroy`` on the destination and ``finish_revert_migration`` on the
source (the instance has its old flavor again).
"""

from nova import exception as nova_exception

from novadocker import images
from novadocker import spec
from tests.integration import base
from tests.unit import fakes

WRITE = ['/bin/sh', '-c', 'echo kept > /kept']


class MoveTest(base.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.image_meta = self.glance_image()
        self.instance = fakes.instance(image_ref=self.image_meta.id,
                                       flavor=fakes.flavor(memory_mb=64))
        self.driver.spawn(self.context, self.instance, self.image_meta, [],
                          None, {}, network_info=[])
        self.addCleanup(self.remove_moving_image, self.instance)
        name = spec.container_name(self.instance.uuid)
        self.client.exec_start(self.client.exec_create(name, WRITE))
        self.before = self.inspect(self.instance)['Id']

    def move(self, drv=None, memory_mb=128):
        """Move to ``drv``'s host (this one by default) with a new flavor;
        the disk_info nova hands on."""
        disk_info = self.driver.migrate_disk_and_power_off(
            self.context, self.instance, '127.0.0.1', None, [], timeout=5)
        self.instance.flavor = fakes.flavor(memory_mb=memory_mb)
        (drv or self.driver).finish_migration(
            self.context, None, self.instance, disk_info, [],
            self.image_meta, True, {})
        return disk_info

    def waiting(self):
        return self.client.containers(all=True, filters={
            'name': spec.resize_container_name(self.instance.uuid)})

    def kept_file(self):
        result = self.client.exec_start(self.client.exec_create(
            spec.container_name(self.instance.uuid), ['cat', '/kept']))
        return result.strip()

    def test_resize_on_the_same_host(self):
        self.move()
        details = self.inspect(self.instance)
        self.assertNotEqual(self.before, details['Id'])
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(128 * 1024 * 1024, details['HostConfig']['Memory'])
        self.assertEqual(b'kept', self.kept_file())
        # The old container waits, stopped, and is not an instance.
        self.assertEqual(['exited'], [c['State'] for c in self.waiting()])
        self.assertEqual([self.instance.uuid],
                         self.driver.list_instance_uuids())
        self.driver.confirm_migration(self.context, None, self.instance, [])
        self.assertEqual([], self.waiting())
        self.assertEqual('running', self.docker_state(self.instance))

    def test_revert_brings_back_the_old_container(self):
        self.move()
        # nova: destroy on the destination, revert on the source.
        self.driver.destroy(self.context, self.instance, [])
        self.instance.flavor = fakes.flavor(memory_mb=64)
        self.driver.finish_revert_migration(self.context, self.instance, [],
                                            None)
        details = self.inspect(self.instance)
        self.assertEqual(self.before, details['Id'])
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(64 * 1024 * 1024, details['HostConfig']['Memory'])
        self.assertEqual(b'kept', self.kept_file())
        self.assertEqual([], self.waiting())
        # A second revert (nova retrying) keeps what is there.
        self.driver.finish_revert_migration(self.context, self.instance, [],
                                            None)
        self.assertEqual(self.before, self.inspect(self.instance)['Id'])

    def test_migrate_to_another_host_on_the_engine(self):
        other = self.make_driver(self.host + '-dest')
        self.move(drv=other, memory_mb=64)
        self.assertEqual([self.instance.uuid], other.list_instance_uuids())
        self.assertEqual([], self.driver.list_instance_uuids())
        self.assertEqual(b'kept', self.kept_file())
        self.driver.confirm_migration(self.context, None, self.instance, [])
        self.assertEqual([], self.waiting())
        self.assertEqual('running', self.docker_state(self.instance))

    def test_migrate_to_a_host_that_pulls_it_from_the_registry(self):
        other = self.make_driver(self.host + '-dest')
        disk_info = self.driver.migrate_disk_and_power_off(
            self.context, self.instance, '127.0.0.1', None, [], timeout=5)
        reference = images.registry_source(
            self.registry, images.glance_repository_tag(
                self.image_meta.id, images.MOVE_TAG + self.instance.uuid))
        # A host with an engine of its own has neither the image nor its
        # record.
        self.client.remove_image(reference)
        other._images.records.drop(reference)
        other.finish_migration(self.context, None, self.instance, disk_info,
                               [], self.image_meta, True, {})
        self.assertEqual(b'kept', self.kept_file())
        self.assertEqual(self.client.inspect_image(reference)['Id'],
                         self.inspect(self.instance)['Image'])

    def test_move_of_a_missing_instance(self):
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.migrate_disk_and_power_off,
                          self.context, fakes.instance(image_ref='x'),
                          '127.0.0.1', None, [])

    def test_deleting_after_a_failed_move_removes_the_old_container(self):
        self.driver.migrate_disk_and_power_off(
            self.context, self.instance, '127.0.0.1', None, [], timeout=5)
        self.assertTrue(self.driver.delete_instance_files(self.instance))
        self.assertEqual([], self.waiting())
