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

"""Attacks through nova's REST API, as a project with an ordinary account
would make them: nova's own services, the real engine, registry and
glance-api."""

import time

import requests

import nova.conf

from novadocker import images
from novadocker import spec
from tests.functional import base
from tests.security import crafted
from tests.security import test_images

CONF = nova.conf.CONF


class HostileUploadTest(base.DockerTestCase):

    def setUp(self):
        super().setUp()
        # A public image every project can see, booted once on the host.
        self.victim = self.boot()
        self.victim_ref = images.registry_source(
            images.registry_address(CONF.docker.registry_host,
                                    CONF.docker.docker_registry_default_port),
            images.glance_repository_tag(self.image['id'],
                                         self.image['checksum']))
        self.victim_id = self.container(self.victim)['Image']

    def tarball(self, repo_tags=()):
        return crafted.rewrite(
            b''.join(self.docker.get_image(base.integration.test_image())),
            repo_tags=repo_tags, Cmd=test_images.ATTACKER_COMMAND)

    def console(self, server):
        return self.api.post_server_action(
            server['id'], {'os-getConsoleOutput': {}})['output']

    def assert_victim_image_untouched(self):
        self.assertEqual(self.victim_id,
                         self.docker.inspect_image(self.victim_ref)['Id'])
        server = self.boot()
        self.assertEqual(self.victim_id, self.container(server)['Image'])
        self.assertNotIn('pwned', self.console(server))

    def wait_for_registry(self, repository_tag):
        repository, tag = repository_tag.split(':')
        url = 'http://%s/v2/%s/tags/list' % (self.victim_ref.split('/')[0],
                                             repository)
        for _ in range(600):
            response = requests.get(url, timeout=10)
            if response.ok and tag in (response.json().get('tags') or ()):
                return
            time.sleep(0.1)
        self.fail('%s never reached the registry' % repository_tag)

    def test_manifest_naming_a_public_image(self):
        image = self.upload(self.tarball([self.victim_ref, 'x:NOT VALID!']))
        server = self.boot(image=image)
        self.assertEqual('ACTIVE', server['status'])
        self.assertEqual(crafted.image_id(self.tarball()),
                         self.container(server)['Image'])
        self.assert_victim_image_untouched()

    def test_docker_image_pointing_at_a_public_image(self):
        pointer = self.victim_ref.split('/', 1)[1]
        self.wait_for_registry(pointer)
        # Any data makes the image active, so nova boots it.
        image = self.upload(b'anything', docker_image=pointer)
        # The host no longer has it: it would come from the registry.
        self._forget_image(self.image['id'])
        server = self._create_server(image_uuid=image['id'],
                                     networks='none', expected_state='ERROR')
        self.assertIn(images.REGISTRY_IMAGE_PROPERTY,
                      server['fault']['message'])
        self.assertIn(pointer, server['fault']['message'])

    def test_image_configuration_reaches_no_further_than_its_container(self):
        image = self.upload(crafted.rewrite(
            b''.join(self.docker.get_image(base.integration.test_image())),
            Labels={spec.LABEL_NETNS_OF: self.victim['id'],
                    spec.LABEL_NETNS_HOST: self.hosts[0],
                    spec.LABEL_UUID: self.victim['id']},
            Healthcheck={'Test': ['CMD-SHELL', 'true'],
                         'Interval': 10 ** 6}))
        server = self.boot(image=image)
        container = self.container(server)
        labels = container['Config']['Labels']
        self.assertEqual(server['id'], labels[spec.LABEL_UUID])
        self.assertEqual('', labels[spec.LABEL_NETNS_OF])
        self.assertEqual(['NONE'], container['Config']['Healthcheck']['Test'])
        self.assertEqual({'max-size': '10m', 'max-file': '3'},
                         container['HostConfig']['LogConfig']['Config'])
        # nova still sees exactly its two servers on the host.
        driver = self.computes[self.hosts[0]].manager.driver
        self.assertEqual(sorted([self.victim['id'], server['id']]),
                         sorted(driver.list_instance_uuids()))
