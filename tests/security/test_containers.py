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

"""What an image or a workload can do to the host and its other tenants.

On the real engine: an image's configuration must not reach beyond its own
container (labels the driver relies on, healthchecks the engine runs on its
behalf), and a workload must not fill the host's disk with its output.
"""

import glob
import json
import logging
import os
import time

import fixtures
from oslo_utils import units
from oslo_utils import uuidutils

from nova.compute import power_state

from novadocker import images
from novadocker import spec
from novadocker_sandbox import demo
from tests.integration import base
from tests.unit import fakes


class HostileImageTest(base.DriverTestCase):

    def image_with(self, changes, command=None):
        """ImageMeta of a Glance image the engine has, built with Dockerfile
        ``changes`` (as a docker save of it would carry them)."""
        name = 'nova-docker-test/hostile-' + uuidutils.generate_uuid()[:8]
        command = command or base.COMMANDS['server']
        self.client.import_image_from_data(
            demo.rootfs(), repository=name, tag='latest',
            changes=['CMD ' + json.dumps(command)] + changes)
        self.addCleanup(self._remove_image, name + ':latest')
        return self.glance_image(source=name + ':latest')

    def _remove_image(self, reference):
        # Containers first: an image a container still uses outlives its
        # last name as a nameless image.
        self.remove_containers()
        self.client.remove_image(reference, force=True)

    def boot(self, image_meta, **instance_values):
        instance = fakes.instance(**instance_values)
        self.driver.spawn(self.context, instance, image_meta, [], None, {},
                          network_info=[])
        return instance

    def test_image_labels_cannot_speak_for_the_driver(self):
        victim = self.spawn()
        image = self.image_with([
            'LABEL %s=%s' % (spec.LABEL_NETNS_OF, victim.uuid),
            'LABEL %s=%s' % (spec.LABEL_NETNS_HOST, self.host),
            'LABEL %s=%s' % (spec.LABEL_UUID, victim.uuid),
            'LABEL %sanything=else' % spec.LABEL_PREFIX,
            'LABEL app.example.version=1.2'])
        instance = self.boot(image)
        labels = self.inspect(instance)['Config']['Labels']
        self.assertEqual(
            {spec.LABEL_UUID: instance.uuid, spec.LABEL_HOST: self.host,
             spec.LABEL_NAME: instance.name,
             spec.LABEL_IMAGE: images.local_reference(self.registry, image)},
            {key: value for key, value in labels.items()
             if key.startswith(spec.LABEL_PREFIX) and value})
        # The image's own labels are its business.
        self.assertEqual('1.2', labels['app.example.version'])
        self.assertEqual([], self.client.containers(all=True, filters={
            'label': spec.netns_host_label_filter(self.host)}))
        self.assertEqual(sorted([victim.uuid, instance.uuid]),
                         sorted(self.driver.list_instance_uuids()))

    def test_image_healthcheck_is_not_run(self):
        image = self.image_with(['HEALTHCHECK --interval=1ms --timeout=1s '
                                 'CMD true'])
        instance = self.boot(image)
        details = self.inspect(instance)
        self.assertEqual(['NONE'], details['Config']['Healthcheck']['Test'])
        self.assertNotIn('Health', details['State'])

    def test_allowed_healthcheck_is_clamped(self):
        self.flags.config(allow_image_healthchecks=True,
                          healthcheck_min_interval=30, group='docker')
        image = self.image_with(['HEALTHCHECK --interval=1ms --timeout=1s '
                                 'CMD true'])
        instance = self.boot(image)
        healthcheck = self.inspect(instance)['Config']['Healthcheck']
        self.assertEqual(['CMD-SHELL', 'true'], healthcheck['Test'])
        self.assertEqual(30 * 10 ** 9, healthcheck['Interval'])
        self.assertEqual(10 ** 9, healthcheck['Timeout'])

    def test_listings_skip_containers_without_the_drivers_labels(self):
        instance = self.spawn()
        # Made by hand, by an operator or a tool, carrying only part of
        # what the driver labels its own containers with.
        self.client.create_container(
            base.test_image(), name='nova-docker-test-' + self.host,
            labels={spec.LABEL_HOST: self.host})
        self.assertEqual([instance.uuid], self.driver.list_instance_uuids())
        self.assertEqual([instance.name], self.driver.list_instances())
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)


class RootDiskTest(base.DriverTestCase):

    def test_root_disk_is_a_quota_or_a_warning_at_start(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        drv = self.make_driver(self.host)
        refusal = drv._engine.storage_quota_refusal()
        instance = fakes.instance(flavor=fakes.flavor(root_gb=1))
        drv.spawn(self.context, instance, self.glance_image(), [], None, {},
                  network_info=[])
        storage = self.inspect(instance)['HostConfig'].get('StorageOpt')
        if refusal:
            # This engine's data root cannot (ext4 here): say so, once.
            self.assertIn('Root disks are not enforced on this host',
                          logs.output)
            self.assertIn(refusal, logs.output)
            self.assertFalse(storage)
        else:
            self.assertEqual({'size': '1G'}, storage)


class LogFloodTest(base.DriverTestCase):

    def test_console_flood_stays_within_its_bound_on_disk(self):
        self.flags.config(log_max_size=1, log_max_files=2, group='docker')
        instance = self.spawn('flood')
        log_path = self.inspect(instance)['LogPath']
        # Long enough to write several times the bound; the most it ever
        # held counts.
        written = 0
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            written = max(written, sum(_size(path)
                                       for path in glob.glob(log_path + '*')))
            time.sleep(0.2)
        self.assertLessEqual(written, 2 * units.Mi + 64 * units.Ki)
        self.assertGreater(written, units.Mi // 2)
        # The console still shows the newest output.
        self.assertIn('x' * 1000, self.driver.get_console_output(
            self.context, instance))


def _size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        # Rotated away between the listing and the look.
        return 0
