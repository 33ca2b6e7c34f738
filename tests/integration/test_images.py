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

"""Glance images into the engine, through the registry, on the real thing."""

import concurrent.futures
import contextlib
import io
import subprocess
import tarfile
import threading
import time

import docker
import fixtures
from keystoneauth1 import adapter
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from oslo_utils import uuidutils
import requests

from nova import exception as nova_exception

from novadocker.cmd import registry_prune
from novadocker import exception
from novadocker import images
from novadocker import registry as registry_api
from tests.integration import base
from tests.unit import fakes


class GlanceImageTestCase(base.DriverTestCase):
    """Helpers for tests of Glance images; no tests of its own."""

    def setUp(self):
        super().setUp()
        self.tarball = b''.join(self.client.get_image(base.test_image()))

    def upload(self, data, **fields):
        image = self.glance.create(data=data, name='anything at all',
                                   **fields)
        self.addCleanup(self.glance.delete, image['id'])
        self.addCleanup(self._forget, image)
        return image

    def _forget(self, image):
        """Remove what the driver put in the engine for a Glance image."""
        self.remove_containers()
        self.wait_for_pushes()
        for reference in base.glance_references(self.client, image['id'],
                                                digests=True):
            with contextlib.suppress(docker.errors.NotFound):
                self.client.remove_image(reference)

    def meta(self, image):
        return fakes.image_meta(image_id=image['id'],
                                checksum=image.get('checksum'),
                                container_format=image['container_format'])

    def spawn_from(self, image, drv=None):
        instance = fakes.instance()
        (drv or self.driver).spawn(self.context, instance, self.meta(image),
                                   [], None, {}, network_info=[])
        return instance

    def registry_tags(self, image_id):
        response = requests.get('http://%s/v2/glance/%s/tags/list' % (
            self.registry, image_id), timeout=10)
        return response.json().get('tags') or [] if response.ok else []

    def wait_for_registry(self, image):
        """Pushes run after the boot: wait until the registry has it, and
        the signature pushed after it."""
        for _ in range(600):
            tags = self.registry_tags(image['id'])
            if image['checksum'] in tags and any(
                    tag.startswith(images.SIGNATURE_TAG) for tag in tags):
                return
            time.sleep(0.1)
        self.fail('image %s never reached the registry' % image['id'])

    def wait_for_pushes(self):
        """Until the background pushes end: a push still running names the
        image again when it ends, and names it twice (with its signature
        tag) while it runs."""
        self.driver._images._pushes.submit(lambda: None).result()

    def engine_references(self, image_id):
        self.wait_for_pushes()
        return base.glance_references(self.client, image_id)

    def count_downloads(self, drv=None):
        glance_api = (drv or self.driver)._images._glance
        downloads = []
        real = glance_api.download

        def counting(context, image_id, **kwargs):
            downloads.append(image_id)
            return real(context, image_id, **kwargs)

        self.useFixture(fixtures.MockPatchObject(glance_api, 'download',
                                                 counting))
        return downloads

    def assert_boots_from_registry(self, image):
        """A host without the image boots it without Glance's data."""
        self._forget(image)
        downloads = self.count_downloads()
        instance = self.spawn_from(image)
        self.assertEqual('running', self.docker_state(instance))
        self.assertEqual([], downloads)


class GlanceImagesTest(GlanceImageTestCase):

    def test_boot_from_glance_tarball_with_any_name(self):
        image = self.upload(self.tarball)
        instance = self.spawn_from(image)
        self.assertEqual('running', self.docker_state(instance))
        reference = images.local_reference(self.registry, self.meta(image))
        self.assertEqual([reference], self.engine_references(image['id']))
        self.assertEqual(self.client.inspect_image(reference)['Id'],
                         self.inspect(instance)['Image'])
        # Pushed, so the next host pulls instead of downloading.
        self.wait_for_registry(image)
        self.assertEqual([image['checksum'], images.SIGNATURE_TAG], sorted(
            tag[:len(images.SIGNATURE_TAG)] if tag != image['checksum']
            else tag for tag in self.registry_tags(image['id'])))
        # The tarball's own name still names the image it named before.
        self.client.inspect_image(base.test_image())

    def test_cached_image_is_not_transferred_again(self):
        image = self.upload(self.tarball)
        self.spawn_from(image)
        downloads = self.count_downloads()
        self.spawn_from(image)
        self.assertEqual([], downloads)

    def test_host_that_never_saw_the_image_pulls_from_the_registry(self):
        image = self.upload(self.tarball)
        self.spawn_from(image)
        self.wait_for_registry(image)
        self.assert_boots_from_registry(image)

    def test_concurrent_spawns_transfer_once(self):
        image = self.upload(self.tarball)
        downloads = self.count_downloads()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            instances = list(pool.map(lambda _: self.spawn_from(image),
                                      range(4)))
        self.assertEqual([image['id']], downloads)
        for instance in instances:
            self.assertEqual('running', self.docker_state(instance))

    def test_registry_only_image(self):
        # Its data is a tag of its own repository, as snapshots have it,
        # pushed by a compute host.
        image_id = uuidutils.generate_uuid()
        source = images.glance_repository_tag(image_id, 'v1')
        pushed = '%s/%s' % (self.registry, source)
        self.client.tag(base.test_image(), pushed.rsplit(':', 1)[0], 'v1')
        self.driver._images._share(
            pushed, self.client.inspect_image(pushed)['Id'])
        self.client.remove_image(pushed)
        image = self.upload(None, id=image_id, docker_image=source)
        instance = self.spawn_from(image)
        self.assertEqual('running', self.docker_state(instance))
        self.assertEqual(
            [images.local_reference(self.registry, self.meta(image))],
            self.engine_references(image['id']))
        self.assertRaises(docker.errors.ImageNotFound,
                          self.client.inspect_image, pushed)

    def test_registry_down_falls_back_to_glance(self):
        self.flags.config(docker_registry_default_port=9, group='docker')
        drv = self.make_driver(self.host + '-noreg')
        image = self.upload(self.tarball)
        instance = self.spawn_from(image, drv)
        self.assertEqual('running', self.docker_state(instance))


class BadImagesTest(GlanceImageTestCase):
    """Every bad image fails spawn with a readable fault, leaving nothing."""

    def assert_refused(self, image, *expected, exc=None):
        instance = fakes.instance()
        error = self.assertRaises(exc or nova_exception.ImageUnacceptable,
                                  self.driver.spawn, self.context, instance,
                                  self.meta(image), [], None, {},
                                  network_info=[])
        message = error.format_message()
        self.assertIn(image['id'], message)
        for text in expected:
            self.assertIn(text, message)
        self.assertEqual([], self.driver.list_instance_uuids())
        self.assertEqual([], self.engine_references(image['id']))
        self.assertEqual([], self.registry_tags(image['id']))
        return message

    def test_wrong_container_format(self):
        self.assert_refused(self.upload(self.tarball, container_format='bare'),
                            'container_format is bare')

    def test_image_without_data(self):
        self.assert_refused(self.upload(None), 'no associated data')

    def test_bytes_that_are_not_a_tarball(self):
        self.assert_refused(self.upload(b'this is not a tarball\n' * 100),
                            'not a Docker image tarball')

    def test_tarball_of_files_not_images(self):
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode='w') as tar:
            info = tarfile.TarInfo('hello.txt')
            info.size = 5
            tar.addfile(info, io.BytesIO(b'hello'))
        self.assert_refused(self.upload(data.getvalue()),
                            'not a Docker image tarball')

    def test_tarball_holding_several_images(self):
        names = [base.test_image('server'), base.test_image('stubborn')]
        ids = [self.client.inspect_image(name)['Id'] for name in names]
        two = subprocess.run(['docker', 'save'] + names, check=True,
                             capture_output=True).stdout
        self.assert_refused(self.upload(two), 'holds 2 images')
        # The tarball's names still name what they named before.
        self.assertEqual(ids, [self.client.inspect_image(name)['Id']
                               for name in names])

    def test_data_changed_behind_glances_back(self):
        image = self.upload(self.tarball)
        stored = '%s/images/%s' % (self.glance.dir, image['id'])
        with open(stored, 'r+b') as f:
            f.seek(len(self.tarball) // 2)
            f.write(b'X' * 512)
        # glanceclient's own check of the image's hash, against the data
        # as glance-api serves it.
        self.assert_refused(image, 'Corrupt image download',
                            image['os_hash_value'])

    def test_empty_upload(self):
        self.assert_refused(self.upload(b''))

    def test_transfer_that_trickles_past_its_deadline(self):
        self.flags.config(image_transfer_timeout=1, group='docker')
        drv = self.make_driver(self.host + '-slow')
        image = self.upload(self.tarball)
        glance_api = drv._images._glance
        real = glance_api.download

        def trickling(context, image_id, **kwargs):
            for chunk in real(context, image_id, **kwargs):
                time.sleep(1.5)
                yield chunk

        self.useFixture(fixtures.MockPatchObject(glance_api, 'download',
                                                 trickling))
        started = time.monotonic()
        error = self.assertRaises(exception.EngineTimeout, self.spawn_from,
                                  image, drv)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn('loading an image within 1 seconds',
                      error.format_message())
        self.assertEqual([], drv.list_instance_uuids())
        self.assertEqual([], self.engine_references(image['id']))

    def test_glance_failing_mid_stream(self):
        image = self.upload(self.tarball)
        glance_api = self.driver._images._glance

        def broken_download(context, image_id, **kwargs):
            yield self.tarball[:len(self.tarball) // 2]
            raise IOError('connection to glance-api lost')

        self.useFixture(fixtures.MockPatchObject(glance_api, 'download',
                                                 broken_download))
        self.assert_refused(image, 'connection to glance-api lost')


class SnapshotTest(GlanceImageTestCase):

    def snapshot(self, instance):
        image = self.glance.create(name='snap of ' + instance.uuid,
                                   container_format='bare',
                                   disk_format='raw',
                                   instance_uuid=instance.uuid)
        self.addCleanup(self.glance.delete, image['id'])
        self.addCleanup(self._forget, image)
        states = []
        self.driver.snapshot(self.context, instance, image['id'],
                             lambda **kw: states.append(kw['task_state']))
        self.assertEqual(['image_pending_upload', 'image_uploading'], states)
        return self.glance.show(image['id'])

    def test_instance_is_held_only_while_committing(self):
        instance = self.spawn()
        uploading, release = threading.Event(), threading.Event()
        glance_api = self.driver._images._glance
        real_update = glance_api.update

        def slow_update(*args, **kwargs):
            uploading.set()
            release.wait(60)
            return real_update(*args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(glance_api, 'update',
                                                 slow_update))
        snapshot = threading.Thread(target=self.snapshot, args=(instance,))
        snapshot.start()
        self.addCleanup(snapshot.join)
        self.addCleanup(release.set)
        self.assertTrue(uploading.wait(60))
        # While the upload goes on, the server is the user's again.
        paused = threading.Thread(target=self.driver.pause,
                                  args=(instance,))
        paused.start()
        paused.join(20)
        self.assertFalse(paused.is_alive())
        self.assertEqual('paused', self.docker_state(instance))
        release.set()
        snapshot.join(60)

    def test_snapshot_keeps_the_filesystem_and_boots_again(self):
        instance = self.spawn()
        self.client.exec_start(self.client.exec_create(
            self.inspect(instance)['Id'],
            ['/bin/sh', '-c', 'echo kept > /tmp/marker']))
        image = self.snapshot(instance)
        self.assertEqual('active', image['status'])
        self.assertEqual(('docker', 'raw'), (image['container_format'],
                                             image['disk_format']))
        self.assertEqual(instance.uuid, image['docker_source_instance'])
        self.assertEqual(instance.uuid, image['instance_uuid'])
        self.assertEqual('glance/%s:snapshot' % image['id'],
                         image['docker_image'])
        # The container goes on, unpaused, after the commit.
        self.assertEqual('running', self.docker_state(instance))
        # Only the cache name stays in the engine, not the pending tag.
        self.assertEqual(
            [images.local_reference(self.registry, self.meta(image))],
            self.engine_references(image['id']))
        downloads = self.count_downloads()
        booted = self.spawn_from(image)
        self.assertEqual([], downloads)
        exec_id = self.client.exec_create(self.inspect(booted)['Id'],
                                          ['cat', '/tmp/marker'])
        self.assertEqual(b'kept\n', self.client.exec_start(exec_id))

    def test_snapshot_boots_on_a_host_that_never_saw_it(self):
        self.assert_boots_from_registry(self.snapshot(self.spawn()))

    def test_snapshot_data_in_glance_boots_without_the_registry(self):
        image = self.snapshot(self.spawn())
        self._forget(image)
        self.flags.config(docker_registry_default_port=9, group='docker')
        drv = self.make_driver(self.host + '-noreg')
        self.assertEqual('running', self.docker_state(
            self.spawn_from(image, drv)))

    def test_snapshot_with_the_registry_down_lands_in_glance(self):
        self.flags.config(docker_registry_default_port=9, group='docker')
        self.driver = self.make_driver(self.host + '-noreg')
        self.registry = '127.0.0.1:9'
        image = self.snapshot(self.spawn())
        self.assertEqual('active', image['status'])
        self._forget(image)
        self.assertEqual('running', self.docker_state(
            self.spawn_from(image)))

    def test_snapshot_of_paused_and_stopped_instances(self):
        paused = self.spawn()
        self.driver.pause(paused)
        self.assertEqual('active', self.snapshot(paused)['status'])
        self.assertEqual('paused', self.docker_state(paused))
        stopped = self.spawn()
        self.driver.power_off(stopped, timeout=10)
        self.assertEqual('active', self.snapshot(stopped)['status'])
        self.assertEqual('exited', self.docker_state(stopped))

    def test_snapshot_of_missing_instance(self):
        self.assertRaises(nova_exception.InstanceNotRunning,
                          self.driver.snapshot, self.context,
                          fakes.instance(), 'no-image', lambda **kw: None)


class ImageCacheTest(GlanceImageTestCase):
    """Cache cleanup considers every image under the driver's registry name.

    These tests use their own name for the registry (localhost rather than
    127.0.0.1) and run one at a time (.stestr.conf), so the cleanup they
    trigger never meets images of tests running beside them.
    """

    def setUp(self):
        super().setUp()
        self.flags.config(registry_host='localhost', group='docker')
        self.registry = 'localhost:5042'
        self.driver = self.make_driver(self.host + '-cache')

    def test_cache_image_brings_it_in_ahead_of_boot(self):
        image = self.upload(self.tarball)
        self.assertTrue(self.driver.cache_image(self.context, image['id']))
        self.assertFalse(self.driver.cache_image(self.context, image['id']))
        downloads = self.count_downloads()
        self.spawn_from(image)
        self.assertEqual([], downloads)

    def test_cache_image_refuses_other_formats(self):
        image = self.upload(self.tarball, container_format='bare')
        self.assertRaises(nova_exception.ImageUnacceptable,
                          self.driver.cache_image, self.context, image['id'])

    def _cached(self):
        image = self.upload(self.tarball)
        self.driver.cache_image(self.context, image['id'])
        return image

    def _manage(self, instances, minimum_age=0):
        self.flags.config(remove_unused_original_minimum_age_seconds=(
            minimum_age), group='image_cache')
        self.driver.manage_image_cache(self.context, instances)

    def test_unused_old_images_are_removed_used_ones_kept(self):
        unused, used, running = self._cached(), self._cached(), self._cached()
        self.spawn_from(running)
        self._manage([fakes.instance(image_ref=used['id'])])
        self.assertEqual([], self.engine_references(unused['id']))
        self.assertEqual(1, len(self.engine_references(used['id'])))
        # No instance names it, but a container still runs from it.
        self.assertEqual(1, len(self.engine_references(running['id'])))

    def test_young_images_are_kept(self):
        image = self._cached()
        self._manage([], minimum_age=3600)
        self.assertEqual(1, len(self.engine_references(image['id'])))

    def test_operator_can_keep_everything(self):
        image = self._cached()
        self.flags.config(remove_unused_base_images=False,
                          group='image_cache')
        self._manage([])
        self.assertEqual(1, len(self.engine_references(image['id'])))

    def test_images_not_made_by_the_driver_are_never_removed(self):
        self._manage([])
        self.client.inspect_image(base.test_image())


class RegistryPruneTest(GlanceImageTestCase):
    """Registry copies of images Glance no longer has are removed."""

    def test_copies_of_deleted_images_go_and_the_others_stay(self):
        kept, deleted = self.upload(self.tarball), self.upload(self.tarball)
        for image in (kept, deleted):
            self.spawn_from(image)
            self.wait_for_registry(image)
        self.glance.delete(deleted['id'])
        registry = TheseRepositories('http://' + self.registry, {
            images.REPOSITORY + image['id'] for image in (kept, deleted)})
        glance = adapter.Adapter(ks_session.Session(auth=noauth.NoAuth()),
                                 endpoint_override=self.glance.endpoint)
        out = io.StringIO()
        registry_prune.prune(registry, glance, dry_run=True, out=out)
        self.assertIn('glance/%s: image %s is not in Glance; would remove 2 '
                      'tags' % (deleted['id'], deleted['id']), out.getvalue())
        self.assertEqual(2, len(self.registry_tags(deleted['id'])))
        self.assertEqual((1, 0), registry_prune.prune(registry, glance,
                                                      out=io.StringIO()))
        self.assertEqual([], self.registry_tags(deleted['id']))
        self.assertEqual(2, len(self.registry_tags(kept['id'])))
        # The kept image still boots from the registry on another host.
        self.assert_boots_from_registry(kept)


class TheseRepositories(registry_api.Registry):
    """The registry, as if it held only ``repositories`` of all it holds:
    other tests' copies are not in this test's Glance."""

    def __init__(self, url, repositories):
        super().__init__(url)
        self._these = repositories

    def repositories(self, prefix=''):
        return [name for name in super().repositories(prefix)
                if name in self._these]
