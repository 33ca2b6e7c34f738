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

"""nova's own generic driver tests, run against the driver on the real
engine, as the original nova-docker ran them.

``nova.tests.unit.virt.test_virt_drivers._VirtDriverTestCase`` is the
contract every nova driver is held to: each operation on a running
instance, with what a driver may leave unimplemented (NotImplementedError,
logged by the suite) and what it must not. The adaptations, and why:

- nova's test image (``cedef40a-...`` in its GlanceFixture) becomes a
  Docker image whose content the engine already has, recorded as the
  driver records what it brings in: the fixture keeps no image data;
- servers boot without ports: nova's test port is an Open vSwitch port on
  a kernel-datapath bridge ``br0``, which these hosts cannot make; ports
  are tests/functional/test_ports' and tests/integration/test_network's;
- the image has a ``chpasswd`` (Debian's static busybox has none) that
  takes ``root:PASSWORD`` on its input and sets nothing;
- privileged calls run in this (root) process, not a privsep daemon;
- live migration is skipped, as nova's own abstract driver's test does: it
  is not implemented (the test expects fake libvirt to do it), and so is
  forcing one to complete, whose test sets libvirt's own attribute;
- nova's stuck-reboot test passes (instance, network_info) pairs where
  the driver interface takes instances: here it passes instances.
"""

import json
import os

import docker
from oslo_utils import uuidutils
from vif_plug_ovs import privsep as ovs_privsep

import nova.conf
from nova.network import model as network_model
from nova import objects
from nova import test
from nova.tests.unit import utils as test_utils
from nova.tests.unit.virt import test_virt_drivers

from novadocker import images
from novadocker.network import privsep
from novadocker import rescue
from novadocker import spec
from tests.integration import base

CONF = nova.conf.CONF
# The image nova's test instances boot.
IMAGE_ID = 'cedef40a-ed67-4d10-800e-17455edce175'
CHPASSWD = '#!/bin/sh\ncat > /dev/null\n'


def chpasswd_image():
    """The tests' server image with a chpasswd, made once."""
    source = base.test_image()
    repository, tag = 'nova-docker-test/chpasswd', source.rsplit(':', 1)[1]
    client = base.docker_client()
    try:
        client.inspect_image('%s:%s' % (repository, tag))
    except docker.errors.ImageNotFound:
        container = client.create_container(source, command=[
            '/bin/sh', '-c', 'printf %s > /bin/chpasswd && chmod +x '
            '/bin/chpasswd' % json.dumps(CHPASSWD)])
        try:
            client.start(container)
            client.wait(container)
            client.commit(container, repository, tag, changes=[
                'CMD ' + json.dumps(base.COMMANDS['server'])])
        finally:
            client.remove_container(container)
    return '%s:%s' % (repository, tag)


class DockerDriverSuiteTest(test_virt_drivers._VirtDriverTestCase,
                            test.TestCase):

    def setUp(self):
        self.driver_module = 'nova.virt.docker.DockerDriver'
        super().setUp()
        self.flags(registry_shared_secret=base.REGISTRY_SECRET,
                   group='docker')
        # A host name of this test's own: its containers are its alone.
        self.host = 'suite-' + uuidutils.generate_uuid()[:8]
        self.flags(host=self.host)
        self.client = base.docker_client()
        for context in (rescue.sys_admin, privsep.net_admin,
                        ovs_privsep.vif_plug):
            context.set_client_mode(False)
            self.addCleanup(context.set_client_mode, True)
        self._docker_image()
        # Before the image's name goes (cleanups run last first).
        self.addCleanup(self._remove_images, set(self.image_service.images))
        self.addCleanup(self._remove_containers)
        # nova's rescue test leaves its instance rescued: its mount goes
        # before the instances path is removed.
        self.addCleanup(self._unmount_rescues)
        # nova-compute initialises its driver before anything else.
        self.connection.init_host(self.host)

    def _docker_image(self):
        """nova's test image as a Docker image the engine already has; a
        checksum of this test's own names it apart from other tests'."""
        self.image_service.update(self.ctxt, IMAGE_ID, {
            'container_format': 'docker', 'disk_format': 'raw',
            'checksum': uuidutils.generate_uuid(dashed=False)})
        image_meta = test_utils.get_test_image_object(
            self.ctxt, {'image_ref': IMAGE_ID})
        handler = self.connection._images
        reference = images.local_reference(handler.registry, image_meta)
        source = chpasswd_image()
        self.client.tag(source, *reference.rsplit(':', 1))
        self.addCleanup(self.client.remove_image, reference)
        handler.records.put(reference,
                            self.client.inspect_image(source)['Id'])

    def _unmount_rescues(self):
        instances = os.path.realpath(CONF.instances_path)
        mounts = os.path.join(instances, rescue.MOUNTS_DIRECTORY)
        for instance_uuid in (os.listdir(mounts) if os.path.isdir(mounts)
                              else ()):
            rescue.unmount(instances, instance_uuid)

    def _remove_containers(self):
        for label in (spec.host_label_filter(self.host),
                      spec.netns_host_label_filter(self.host)):
            for container in self.client.containers(
                    all=True, filters={'label': label}):
                self.client.remove_container(container['Id'], force=True,
                                             v=True)

    def _remove_images(self, glance_images_before):
        """The engine's names for what this test's snapshots and moves
        made (other tests' stay: they may be running)."""
        made = set(self.image_service.images) - glance_images_before
        moves = {images.MOVE_TAG + instance.uuid for instance in
                 objects.InstanceList.get_all(self.ctxt)}
        for image in self.client.images():
            for reference in image['RepoTags'] or ():
                repository, tag = reference.rsplit(':', 1)
                image_id = repository.rsplit('/', 1)[-1]
                if image_id in made or (image_id == IMAGE_ID and
                                        tag in moves):
                    self.client.remove_image(reference)

    def _get_running_instance(self, obj=True):
        instance = test_utils.get_test_instance(obj=obj)
        image_meta = test_utils.get_test_image_object(None, instance)
        network_info = network_model.NetworkInfo([])
        self.connection.spawn(self.ctxt, instance, image_meta, [], 'herp',
                              {}, network_info=network_info)
        return instance, network_info

    def test_live_migration(self):
        self.skipTest('Live migration is not implemented: a container '
                      'cannot move while it runs.')

    def test_live_migration_force_complete(self):
        self.skipTest('Live migration is not implemented; the test sets '
                      'the libvirt driver\'s active_migrations.')

    def test_poll_rebooting_instances(self):
        instance, _ = self._get_running_instance()
        self.connection.poll_rebooting_instances(10, [instance])
