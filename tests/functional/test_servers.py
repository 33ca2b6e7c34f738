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

"""Servers through nova's REST API, as users meet the driver."""

import time

from novadocker import spec
from tests.functional import base
from tests.security import crafted


class ServerLifecycleTest(base.DockerTestCase):

    def test_boot_gives_a_running_container_shaped_by_the_flavor(self):
        flavor = self.api.get_flavors()[0]
        server = self.boot(flavor_id=flavor['id'])
        self.assertEqual('ACTIVE', server['status'])
        container = self.container(server)
        self.assertEqual('running', container['State']['Status'])
        self.assertEqual(flavor['ram'] * 1024 ** 2,
                         container['HostConfig']['Memory'])
        self.assertEqual(flavor['vcpus'] * 1024,
                         container['HostConfig']['CpuShares'])
        self.assertEqual(server['OS-EXT-SRV-ATTR:host'],
                         container['Config']['Labels'][spec.LABEL_HOST])
        host = server['OS-EXT-SRV-ATTR:host']
        # 2.88 dropped resources from the hypervisor view.
        self.admin_api.microversion = '2.87'
        hypervisor, = [h for h in self.admin_api.api_get(
            '/os-hypervisors/detail').body['hypervisors']
            if h['hypervisor_hostname'] == host]
        self.assertEqual('docker', hypervisor['hypervisor_type'])
        self.assertEqual(self.docker.info()['NCPU'], hypervisor['vcpus'])
        self.assertEqual(
            self.docker.info()['MemTotal'] // 1024 ** 2,
            hypervisor['memory_mb'])
        allocations = self._get_allocations_by_server_uuid(server['id'])
        resources = list(allocations.values())[0]['resources']
        self.assertEqual(flavor['ram'], resources['MEMORY_MB'])
        self.assertEqual(flavor['vcpus'], resources['VCPU'])

    def test_console_log_shows_what_the_container_printed(self):
        server = self.boot()
        output = self.api.post_server_action(
            server['id'], {'os-getConsoleOutput': {'length': 10}})['output']
        self.assertIn('started', output)

    def test_power_actions_keep_api_and_container_in_step(self):
        server = self.boot()
        started = self.container(server)['State']['StartedAt']

        self._stop_server(server)
        self.assertEqual('exited', self.container(server)['State']['Status'])
        self._start_server(server)
        self.assertEqual('running', self.container(server)['State']['Status'])

        for hard in (False, True):
            self._reboot_server(server, hard=hard)
            state = self.container(server)['State']
            self.assertEqual('running', state['Status'])
            self.assertNotEqual(started, state['StartedAt'])
            started = state['StartedAt']

        self.api.post_server_action(server['id'], {'pause': None})
        self._wait_for_state_change(server, 'PAUSED')
        self.assertTrue(self.container(server)['State']['Paused'])
        self.api.post_server_action(server['id'], {'unpause': None})
        self._wait_for_state_change(server, 'ACTIVE')
        self.assertFalse(self.container(server)['State']['Paused'])

        server = self._suspend_server(server)
        self.assertEqual(7, server['OS-EXT-STS:power_state'])
        self.assertTrue(self.container(server)['State']['Paused'])
        server = self._resume_server(server)
        self.assertEqual(1, server['OS-EXT-STS:power_state'])
        self.assertEqual('running', self.container(server)['State']['Status'])

    def test_snapshot_boots_as_a_new_server(self):
        server = self.boot()
        self._snapshot_server(server, 'snap')
        image = self._wait_for_snapshot('snap')
        self.assertEqual('docker', image['container_format'])
        self.assertEqual(server['id'], image['docker_source_instance'])
        booted = self.boot(image=image)
        self.assertEqual('running', self.container(booted)['State']['Status'])

    def _wait_for_snapshot(self, name):
        for _ in range(300):
            images = [i for i in self.glance.server.list()
                      if i['name'] == name and i['status'] == 'active']
            if images:
                self.addCleanup(self.glance.server.delete, images[0]['id'])
                self.addCleanup(self._forget_image, images[0]['id'])
                return images[0]
            time.sleep(0.1)
        self.fail('snapshot %s never became active' % name)

    def test_rebuild_keeps_the_server_and_replaces_the_container(self):
        server = self.boot()
        old = self.container(server)['Id']
        tarball = b''.join(self.docker.get_image(
            base.integration.test_image('stubborn')))
        other = self.upload(tarball)
        server = self._rebuild_server(server, other['id'])
        container = self.container(server)
        self.assertNotEqual(old, container['Id'])
        self.assertEqual(crafted.image_id(tarball), container['Image'])
        self.assertEqual('running', container['State']['Status'])

    def test_delete_leaves_nothing_behind(self):
        server = self.boot()
        self._delete_server(server)
        self.assertEqual([], self.containers())
        self.assertEqual({}, self._get_allocations_by_server_uuid(
            server['id']))


class BadImageTest(base.DockerTestCase):

    def _fault(self, image):
        server = self._create_server(image_uuid=image['id'],
                                     networks='none', expected_state='ERROR')
        self.assertEqual([], self.containers())
        return server['fault']['message']

    def test_non_docker_container_format(self):
        image = self.upload(b'whatever', container_format='bare')
        message = self._fault(image)
        self.assertIn('container_format', message)

    def test_broken_tarball(self):
        image = self.upload(b'not a tarball at all\n' * 64)
        message = self._fault(image)
        self.assertIn(image['id'], message)
        self.assertIn('not a Docker image tarball', message)
