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

"""Resize and cold migration through nova's API and services."""

from novadocker import spec
from tests.functional import base


class ResizeTest(base.DockerTestCase):

    def setUp(self):
        super().setUp()
        # One compute host: the resize lands where the server is.
        self.flags(allow_resize_to_same_host=True)
        self.small, self.large = sorted(self.api.get_flavors(),
                                        key=lambda f: f['ram'])[:2]

    def memory(self, server):
        return self.container(server)['HostConfig']['Memory'] // 1024 ** 2

    def waiting(self, server):
        return self.docker.containers(all=True, filters={
            'name': spec.resize_container_name(server['id'])})

    def test_resize_then_revert_then_resize_and_confirm(self):
        server = self.boot(flavor_id=self.small['id'])
        before = self.container(server)['Id']
        server = self._resize_server(server, self.large['id'])
        self.assertEqual(self.large['ram'], self.memory(server))
        self.assertEqual('running', self.container(server)['State']['Status'])
        self.assertEqual(1, len(self.waiting(server)))

        server = self._revert_resize(server)
        self.assertEqual(before, self.container(server)['Id'])
        self.assertEqual(self.small['ram'], self.memory(server))
        self.assertEqual([], self.waiting(server))

        server = self._resize_server(server, self.large['id'])
        server = self._confirm_resize(server)
        self.assertEqual(self.large['name'], server['flavor']['original_name'])
        self.assertEqual(self.large['ram'], self.memory(server))
        self.assertEqual([], self.waiting(server))
        self.assertEqual('running', self.container(server)['State']['Status'])
