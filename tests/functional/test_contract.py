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

"""Rescue and the serial console through nova's REST API, on the real
engine: what ``openstack server rescue`` and ``openstack console url show
--serial`` ask of the driver."""

import socket
import urllib.parse

import fixtures

from nova import context as nova_context
from nova import objects

from novadocker import rescue
from novadocker import spec
from tests.functional import base
from tests.integration import test_console


class RescueTest(base.DockerTestCase):

    def setUp(self):
        super().setUp()
        self.flags(instances_path=self.useFixture(fixtures.TempDir()).path)
        # The privileged mount runs in this (root) test process.
        rescue.sys_admin.set_client_mode(False)
        self.addCleanup(rescue.sys_admin.set_client_mode, True)

    def run_in(self, server, command):
        exec_id = self.docker.exec_create(spec.container_name(server['id']),
                                          command)
        return self.docker.exec_start(exec_id)

    def test_rescue_then_unrescue_keeps_what_was_written_and_fixed(self):
        server = self.boot()
        self.run_in(server, ['/bin/sh', '-c', 'echo before > /kept'])
        original = self.container(server)['Id']
        self.api.post_server_action(server['id'], {'rescue': {}})
        server = self._wait_for_state_change(server, 'RESCUE')
        self.assertNotEqual(original, self.container(server)['Id'])
        self.assertEqual(b'before\n', self.run_in(server,
                                                  ['cat', '/rescue/kept']))
        self.run_in(server, ['/bin/sh', '-c', 'echo fixed > /rescue/fixed'])
        self.api.post_server_action(server['id'], {'unrescue': None})
        server = self._wait_for_state_change(server, 'ACTIVE')
        self.assertEqual(original, self.container(server)['Id'])
        self.assertEqual(b'before\nfixed\n',
                         self.run_in(server, ['cat', '/kept', '/fixed']))


class SerialConsoleTest(base.DockerTestCase):

    def test_the_url_leads_to_a_shell_in_the_container(self):
        self.flags(enabled=True, group='serial_console')
        server = self.boot()
        url = self.api.api_post(
            '/servers/%s/remote-consoles' % server['id'],
            {'remote_console': {'protocol': 'serial', 'type': 'serial'}}
        ).body['remote_console']['url']
        # What nova-serialproxy does with the URL's token: nova's record
        # of it names the host and port to connect to.
        token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)[
            'token'][0]
        target = objects.ConsoleAuthToken.validate(
            nova_context.get_admin_context(), token)
        with socket.create_connection((target.host, target.port),
                                      timeout=10) as sock:
            sock.sendall(b'echo "hello from $(hostname)"\n')
            said = test_console.read_until(sock, b'hello from ')
        self.assertIn(b'hello from ', said)
