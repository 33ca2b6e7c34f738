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

"""Rescue and unrescue on the real engine, as nova drives them.

The rescue container runs the rescue image with the instance's filesystem
at /rescue; unrescue brings back the instance's own container with what
the rescue changed.
"""

import os

import fixtures

from nova import exception as nova_exception

from novadocker import exception
from novadocker import rescue
from novadocker import spec
from tests.integration import base


class RescueTest(base.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.flags.config(instances_path=self.useFixture(
            fixtures.TempDir()).path)
        # The privileged mount runs in this (root) test process.
        rescue.sys_admin.set_client_mode(False)
        self.addCleanup(rescue.sys_admin.set_client_mode, True)
        self.instance = self.spawn()
        self.name = spec.container_name(self.instance.uuid)
        self.run_in(['/bin/sh', '-c', 'echo before > /kept'])
        self.original = self.inspect(self.instance)['Id']
        self.mount_point = rescue.mount_point(
            os.path.realpath(self.flags.conf.instances_path),
            self.instance.uuid)
        # A rescue image of its own: its root is not the instance's.
        self.rescue_image = self.glance_image('stubborn')

    def run_in(self, command):
        exec_id = self.client.exec_create(self.name, command)
        output = self.client.exec_start(exec_id)
        self.assertEqual(0, self.client.exec_inspect(exec_id)['ExitCode'],
                         output)
        return output

    def rescued(self):
        return self.client.containers(all=True, filters={
            'name': spec.rescued_container_name(self.instance.uuid)})

    def mounted(self):
        with open('/proc/self/mountinfo') as f:
            return [line for line in f if self.mount_point in line]

    def rescue(self, image_meta=None):
        self.driver.rescue(self.context, self.instance, [],
                           image_meta or self.rescue_image, 'secret', None,
                           None)

    def test_rescue_then_unrescue_keeps_what_the_rescue_fixed(self):
        self.rescue()
        details = self.inspect(self.instance)
        self.assertNotEqual(self.original, details['Id'])
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(self.client.inspect_image(
            base.test_image('stubborn'))['Id'], details['Image'])
        self.assertEqual(b'before\n',
                         self.run_in(['cat', '/rescue/kept']))
        self.assertNotIn(b'kept', self.run_in(['ls', '/']))
        self.run_in(['/bin/sh', '-c', 'echo fixed > /rescue/fixed'])
        # Set-user-id programs and device files of the instance do nothing
        # in the rescue container.
        self.assertIn('nosuid,nodev', self.mounted()[0])
        # One instance, running, as nova sees a rescued server.
        self.assertEqual([self.instance.uuid],
                         self.driver.list_instance_uuids())
        self.assertEqual(['exited'], [c['State'] for c in self.rescued()])

        self.driver.unrescue(self.context, self.instance)
        details = self.inspect(self.instance)
        self.assertEqual(self.original, details['Id'])
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(b'before\nfixed\n',
                         self.run_in(['cat', '/kept', '/fixed']))
        self.assertEqual([], self.rescued())
        self.assertEqual([], self.mounted())
        self.assertFalse(os.path.exists(self.mount_point))

    def test_rescue_with_the_instance_image_of_a_stopped_instance(self):
        self.driver.power_off(self.instance, timeout=0)
        self.rescue(self.glance_image())
        self.assertEqual(b'before\n', self.run_in(['cat', '/rescue/kept']))
        self.driver.unrescue(self.context, self.instance)
        # As nova's drivers do: unrescue boots the instance.
        self.assertEqual('running', self.docker_state(self.instance))
        self.assertEqual(self.original, self.inspect(self.instance)['Id'])

    def test_destroy_while_rescued_leaves_nothing(self):
        self.rescue()
        self.driver.destroy(self.context, self.instance, [])
        self.assertEqual([], self.client.containers(all=True, filters={
            'label': spec.host_label_filter(self.host)}))
        self.assertEqual([], self.mounted())
        self.assertFalse(os.path.exists(self.mount_point))

    def test_a_rescue_that_fails_returns_the_instance_as_it_was(self):
        broken = self.glance_image('broken')
        # The engine refuses to start a program the image lacks.
        self.assertRaises(exception.EngineError, self.rescue, broken)
        details = self.inspect(self.instance)
        self.assertEqual(self.original, details['Id'])
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual([], self.rescued())
        self.assertEqual([], self.mounted())
        self.assertFalse(os.path.exists(self.mount_point))

    def test_unrescue_of_an_instance_not_rescued_starts_it(self):
        self.driver.power_off(self.instance, timeout=0)
        self.driver.unrescue(self.context, self.instance)
        self.assertEqual('running', self.docker_state(self.instance))

    def test_the_layers_of_a_running_container_are_never_mounted(self):
        layers = self.driver._engine.layers(self.name)
        os.makedirs(self.mount_point)
        self.addCleanup(os.rmdir, self.mount_point)
        error = self.assertRaises(
            rescue.RescueRefused, rescue.mount, layers.data_root,
            layers.layer, list(layers.lowers),
            os.path.realpath(self.flags.conf.instances_path),
            self.instance.uuid)
        self.assertIn('mounted already', str(error))
        self.assertEqual([], self.mounted())

    def test_rescue_of_a_missing_instance(self):
        self.client.remove_container(self.name, force=True)
        self.assertRaises(nova_exception.InstanceNotFound, self.rescue)
