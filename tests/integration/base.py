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

"""Real Docker engine fixtures: test images built locally, drivers per host.

No image can be pulled here, so test images are imported from a rootfs
holding Debian's static busybox. Every container a test creates carries a
host label unique to that test, and only those are removed afterwards.
"""

import contextlib
import hashlib
import json
import logging
import threading
import time

import docker
import fixtures
from oslo_config import fixture as config_fixture
from oslo_utils import uuidutils
import testtools

import nova.conf
from nova import context as nova_context
from nova.virt import fake as fake_virt

from novadocker import driver
from novadocker import images
from novadocker import spec
from novadocker_sandbox import demo
from tests import glance
from tests.unit import fakes

CONF = nova.conf.CONF

LOOP = 'while true; do sleep 1; done'
# Every compute host of the tests shares the registry, so the same secret.
REGISTRY_SECRET = 'nova-docker tests'
COMMANDS = {
    # A server that says it started and exits at once on SIGTERM.
    'server': ['/bin/sh', '-c',
               'echo started; trap "exit 0" TERM; %s & wait' % LOOP],
    # PID 1 without a SIGTERM handler: only SIGKILL ends it.
    'stubborn': ['/bin/sh', '-c', 'echo started; %s' % LOOP],
    # Prints more than nova's console bound, then serves.
    'chatty': ['/bin/sh', '-c',
               'i=0; while [ $i -lt 3000 ]; do echo "line $i of a long '
               'console log ........................................"; '
               'i=$((i+1)); done; echo last-line; trap "exit 0" TERM; '
               '%s & wait' % LOOP],
    # Writes to its console as fast as it can.
    'flood': ['/bin/sh', '-c', 'echo started; line=%s; while :; do '
              'echo $line; done' % ('x' * 1000)],
    # Its command does not exist: the container is created, never started.
    'broken': ['/bin/missing'],
}
_lock = threading.Lock()


def docker_client():
    return docker.APIClient(base_url=CONF.docker.host_url, version='auto')


def glance_references(client, image_id, digests=False):
    """Engine names the driver gave a Glance image, on any registry; with
    ``digests``, the registry digests pushing it left too."""
    return sorted(name for image in client.images()
                  for name in (image['RepoTags'] or []) +
                  (image['RepoDigests'] or [] if digests else [])
                  if '/glance/%s:' % image_id in name or
                  '/glance/%s@' % image_id in name)


def test_image(kind='server'):
    """An engine image reference for ``kind``, imported once per content."""
    cmd = json.dumps(COMMANDS[kind])
    with open(demo.BUSYBOX, 'rb') as f:
        digest = hashlib.sha256(f.read() + cmd.encode() + ' '.join(
            demo.APPLETS).encode()).hexdigest()[:12]
    reference = 'nova-docker-test/%s:%s' % (kind, digest)
    client = docker_client()
    with _lock:
        try:
            client.inspect_image(reference)
        except docker.errors.ImageNotFound:
            client.import_image_from_data(
                demo.rootfs(), repository=reference.split(':')[0], tag=digest,
                changes=['CMD ' + cmd])
    return reference


class DriverTestCase(testtools.TestCase):
    """A DockerDriver for a host name no other test uses."""

    def setUp(self):
        super().setUp()
        # A hung engine call must fail the test, not the whole run.
        self.useFixture(fixtures.Timeout(180, gentle=True))
        # The driver's log goes with a failing test's report, not the
        # console (nova's functional tests leave DEBUG logging behind).
        self.logger = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.flags = self.useFixture(config_fixture.Config(CONF))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_NOVA_DISABLE_EVENTLET_PATCHING', 'True'))
        # Where a compute host would keep them: nova-compute's own.
        self.flags.config(image_records_path=self.useFixture(
            fixtures.TempDir()).path, group='docker')
        self.flags.config(registry_shared_secret=REGISTRY_SECRET,
                          group='docker')
        self.glance = glance.server()
        self.flags.config(api_servers=[self.glance.endpoint], group='glance')
        self.context = nova_context.RequestContext(
            'test-user', 'test-project', auth_token='test-token',
            is_admin=True)
        self.client = docker_client()
        self.registry = images.registry_address(
            CONF.docker.registry_host,
            CONF.docker.docker_registry_default_port)
        self.host = 'test-' + uuidutils.generate_uuid()[:8]
        self.hosts = []
        self.addCleanup(self.remove_containers)
        self.driver = self.make_driver(self.host)

    def make_driver(self, host):
        drv = driver.DockerDriver(fake_virt.FakeVirtAPI())
        drv.init_host(host)
        self.hosts.append(host)
        return drv

    def remove_containers(self):
        """Remove the containers of every host this test made a driver for."""
        for host in self.hosts:
            for label in (spec.host_label_filter(host),
                          spec.netns_host_label_filter(host)):
                for container in self.client.containers(
                        all=True, filters={'label': label}):
                    self.client.remove_container(container['Id'], force=True,
                                                 v=True)

    def remove_moving_image(self, instance):
        """The image commit_for_move made of ``instance``, once the
        containers using it are gone."""
        self.remove_containers()
        reference = images.registry_source(
            self.registry, images.glance_repository_tag(
                instance.image_ref, images.MOVE_TAG + instance.uuid))
        with contextlib.suppress(docker.errors.NotFound):
            self.client.remove_image(reference)

    def glance_image(self, kind='server', source=None, **meta):
        """ImageMeta of a Glance image whose data the engine already has:
        the test image of ``kind``, or the engine image ``source``."""
        image_meta = fakes.image_meta(checksum=uuidutils.generate_uuid(
            dashed=False), **meta)
        reference = images.local_reference(self.registry, image_meta)
        repository, tag = reference.rsplit(':', 1)
        source = source or test_image(kind)
        self.client.tag(source, repository, tag)
        self.addCleanup(self.client.remove_image, reference)
        # As if the driver had brought it in.
        self.driver._images.records.put(
            reference, self.client.inspect_image(source)['Id'])
        return image_meta

    def spawn(self, kind='server', power_on=True, **instance_values):
        instance = fakes.instance(**instance_values)
        self.driver.spawn(self.context, instance, self.glance_image(kind), [],
                          None, {}, network_info=[], power_on=power_on)
        return instance

    def inspect(self, instance):
        return self.client.inspect_container(
            spec.container_name(instance.uuid))

    def wait_for_console(self, instance, text, drv=None):
        """The console once ``text`` is on it (a process prints a moment
        after the engine reports it running)."""
        for _ in range(100):
            output = (drv or self.driver).get_console_output(
                None, instance).encode('latin-1')
            if text in output:
                return output
            time.sleep(0.1)
        self.fail('%r never appeared on the console' % text)

    def docker_state(self, instance):
        return self.inspect(instance)['State']['Status']
