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
