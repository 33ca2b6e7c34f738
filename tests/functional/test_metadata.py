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

"""nova's config drive inside the container: metadata, user data, keys."""

import base64
import json
import os

from novadocker import spec
from tests.functional import base

USER_DATA = b'#!/bin/sh\necho hello from user data\n'


class ConfigDriveTest(base.DockerTestCase):

    def read(self, server, relative):
        """A file of the config drive, as root inside the container."""
        name = spec.container_name(server['id'])
        run = self.docker.exec_create(
            name, ['cat', spec.CONFIG_DRIVE + '/' + relative])
        output = self.docker.exec_start(run)
        self.assertEqual(0, self.docker.exec_inspect(run)['ExitCode'],
                         output)
        return output

    def boot_with(self, **fields):
        server = self._build_server(image_uuid=self.image['id'],
                                    networks='none')
        server.update(fields)
        return self._wait_for_state_change(
            self.api.post_server({'server': server}), 'ACTIVE')

    def test_user_data_and_metadata_reach_the_container(self):
        server = self.boot_with(
            config_drive=True, metadata={'role': 'web'},
            user_data=base64.b64encode(USER_DATA).decode())
        meta = json.loads(self.read(server, 'openstack/latest/meta_data.json'))
        self.assertEqual(server['id'], meta['uuid'])
        self.assertEqual({'role': 'web'}, meta['meta'])
        self.assertEqual(USER_DATA,
                         self.read(server, 'openstack/latest/user_data'))
        mounts = self.container(server)['Mounts']
        self.assertEqual([(spec.CONFIG_DRIVE, False)],
                         [(m['Destination'], m['RW']) for m in mounts])
        # Read-only inside, whatever the container's root tries.
        run = self.docker.exec_create(
            spec.container_name(server['id']),
            ['touch', spec.CONFIG_DRIVE + '/x'])
        self.docker.exec_start(run)
        self.assertNotEqual(0, self.docker.exec_inspect(run)['ExitCode'])

    def test_forced_for_every_server_by_nova(self):
        self.flags(force_config_drive=True)
        server = self.boot_with()
        self.assertIn(b'"uuid"', self.read(
            server, 'openstack/latest/meta_data.json'))

    def test_no_drive_unless_asked(self):
        server = self.boot_with()
        self.assertEqual([], self.container(server)['Mounts'])

    def test_deleting_the_server_removes_its_drive(self):
        server = self.boot_with(config_drive=True)
        source = self.container(server)['Mounts'][0]['Source']
        self._delete_server(server)
        self.assertEqual([], self.docker.containers(all=True, filters={
            'name': spec.container_name(server['id'])}))
        self.assertFalse(os.path.exists(source))


class MetadataEnvironmentTest(base.DockerTestCase):

    boot_with = ConfigDriveTest.boot_with

    def environment(self, server):
        return dict(variable.split('=', 1) for variable in
                    self.container(server)['Config']['Env'] or ())

    def test_chosen_metadata_as_environment_variables(self):
        self.flags(metadata_environment=['uuid', 'name', 'meta'],
                   group='docker')
        server = self.boot_with(name='web-1', metadata={
            'role': 'web', 'odd-key.x': 'v', 'PATH': '/evil',
            'LD_PRELOAD': '/tmp/evil.so'})
        environment = self.environment(server)
        self.assertEqual(server['id'], environment['OPENSTACK_INSTANCE_UUID'])
        self.assertEqual('web-1', environment['OPENSTACK_INSTANCE_NAME'])
        self.assertEqual('web', environment['OPENSTACK_META_ROLE'])
        self.assertEqual('v', environment['OPENSTACK_META_ODD_KEY_X'])
        # Metadata names no variable of its own: the image's PATH stays,
        # and nothing is preloaded.
        self.assertEqual('/evil', environment['OPENSTACK_META_PATH'])
        self.assertNotEqual('/evil', environment.get('PATH'))
        self.assertNotIn('LD_PRELOAD', environment)
        self.assertNotIn('OPENSTACK_PROJECT_ID', environment)

    def test_none_unless_chosen(self):
        server = self.boot_with(metadata={'role': 'web'})
        self.assertEqual([], [name for name in self.environment(server)
                              if name.startswith('OPENSTACK_')])
