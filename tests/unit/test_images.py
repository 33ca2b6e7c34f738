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

import datetime
import hashlib
import threading
import time
from unittest import mock

import fixtures
from glanceclient.common import utils as glance_utils
import testtools

from nova import exception

from novadocker import engine
from novadocker import exception as docker_exception
from novadocker import images
from tests import fake_engine
from tests.unit import fakes
from tests.unit import test_archive

REGISTRY = '127.0.0.1:5042'
IMAGE_REF = 'f0f0f0f0-0000-4000-8000-000000000001'


class FakeEngine:
    """Names -> image ids, and every call that changes them."""

    def __init__(self, present=None):
        self.present = dict(present or {})
        self.calls = []

    def image(self, reference):
        if reference not in self.present:
            return None
        return engine.Image(reference=reference, id=self.present[reference],
                            labels={}, healthcheck=None, tagged_at=None)

    def remove_image(self, reference, untag=False):
        self.calls.append(('remove_image', reference, untag))
        return self.present.pop(reference, None) is not None


class FakeRecords(dict):

    def put(self, reference, image_id):
        self[reference] = image_id

    def drop(self, reference):
        self.pop(reference, None)


class ReferenceTest(testtools.TestCase):

    def test_refuses_other_container_formats(self):
        for container_format in ('bare', 'ova', None):
            meta = fakes.image_meta(container_format=container_format)
            error = self.assertRaises(exception.ImageUnacceptable,
                                      images.check_container_format, meta)
            self.assertIn(meta.id, error.format_message())
            self.assertIn('container_format is %s' % (container_format or
                                                      'not set'),
                          error.format_message())
            self.assertIn('container_format=docker', error.format_message())

    def test_reference_is_keyed_on_id_and_checksum_not_name(self):
        meta = fakes.image_meta(
            image_id='0f4a2d1e-3b1c-4d5e-8f9a-0b1c2d3e4f5a',
            checksum='d41d8cd98f00b204e9800998ecf8427e')
        self.assertEqual('127.0.0.1:5042/glance/'
                         '0f4a2d1e-3b1c-4d5e-8f9a-0b1c2d3e4f5a:'
                         'd41d8cd98f00b204e9800998ecf8427e',
                         images.local_reference(REGISTRY, meta))
        renamed = fakes.image_meta(image_id=meta.id, checksum=meta.checksum,
                                   name='another name')
        self.assertEqual(images.local_reference(REGISTRY, meta),
                         images.local_reference(REGISTRY, renamed))

    def test_changed_data_changes_reference(self):
        meta = fakes.image_meta(checksum='a' * 32)
        changed = fakes.image_meta(image_id=meta.id, checksum='b' * 32)
        self.assertNotEqual(images.local_reference(REGISTRY, meta),
                            images.local_reference(REGISTRY, changed))

    def test_registry_address(self):
        self.assertEqual('10.0.0.1:5042',
                         images.registry_address('10.0.0.1', 5042))
        self.assertEqual('[fd00::1]:5042',
                         images.registry_address('fd00::1', 5042))

    def test_registry_source(self):
        self.assertEqual('127.0.0.1:5042/team/app:1.0',
                         images.registry_source(REGISTRY, '/team/app:1.0'))

    def test_cache_hit_touches_nothing_else(self):
        meta = fakes.image_meta(checksum='c' * 32)
        reference = images.local_reference(REGISTRY, meta)
        fake = FakeEngine({reference: 'sha256:1'})
        handler = images.ImageHandler(fake, None, REGISTRY,
                                      FakeRecords({reference: 'sha256:1'}),
                                      'secret')
        image = handler.ensure(None, meta)
        self.assertEqual((reference, 'sha256:1'), (image.reference, image.id))
        self.assertEqual([], fake.calls)

    def test_moved_name_is_dropped_before_bringing_the_image_in(self):
        meta = fakes.image_meta(checksum='c' * 32)
        reference = images.local_reference(REGISTRY, meta)
        for recorded in ({reference: 'sha256:1'}, {}):
            fake = FakeEngine({reference: 'sha256:2'})
            records = FakeRecords(recorded)
            handler = images.ImageHandler(fake, None, REGISTRY, records,
                                          'secret')
            brought_in = []
            self.patch(handler, '_bring_in',
                       lambda ctx, image_id, ref, _: brought_in.append(ref))
            handler.ensure(None, meta)
            self.assertEqual([('remove_image', reference, True)], fake.calls)
            self.assertEqual([reference], brought_in)
            self.assertEqual({}, records)

    def test_registry_pointer_names_only_the_images_own_repository(self):
        own = 'glance/%s' % ('1' * 8)
        images.check_registry_pointer('1' * 8, own + ':snapshot')
        images.check_registry_pointer('1' * 8, own + ':v1.0_rc-2')
        for pointer in ['glance/%s:snapshot' % ('2' * 8), 'team/app:1.0',
                        own, own + ':', own + ':a/b', own + '@sha256:' +
                        'a' * 64, '/' + own + ':snapshot',
                        own + '/../x:snapshot', own + ':-x', own + ':' +
                        'a' * 129]:
            error = self.assertRaises(exception.ImageUnacceptable,
                                      images.check_registry_pointer,
                                      '1' * 8, pointer)
            self.assertIn('docker_image property is ' + pointer,
                          error.format_message())


class RemoveUnusedTest(testtools.TestCase):

    def test_an_image_gone_since_the_listing_is_passed_over(self):
        fake = fake_engine.FakeEngine()
        gone, unused = ('%s/%s%s:t' % (REGISTRY, images.REPOSITORY, name)
                        for name in ('gone-image', 'unused-image'))
        for reference in (gone, unused):
            fake.add_image(reference)
        # Another host sharing the engine removed it after the listing.
        inspect = fake.image
        fake.image = lambda reference: (None if reference == gone
                                        else inspect(reference))
        handler = images.ImageHandler(fake, None, REGISTRY,
                                      FakeRecords({unused: 'sha256:1'}), b'')
        handler.remove_unused(set(), 60, datetime.datetime(
            2026, 12, 1, tzinfo=datetime.timezone.utc))
        self.assertEqual([(unused, False)], fake.called('remove_image'))
        self.assertEqual({}, handler.records)


class WholeDownloadTest(testtools.TestCase):

    DATA = [b'first ', b'second ', b'third']

    def _checked(self, chunks):
        """``chunks`` as nova's download hands them over: through
        glanceclient's own check against the hash of DATA."""
        checked = glance_utils.serious_integrity_iter(
            chunks, hashlib.sha512(),
            hashlib.sha512(b''.join(self.DATA)).hexdigest())
        return images.WholeDownload('image-1', checked)

    def test_matching_data_passes_through(self):
        whole = self._checked(iter(self.DATA))
        self.assertEqual(self.DATA, list(whole))
        self.assertEqual(18, whole.size)

    def test_mismatch_holds_back_the_last_chunk(self):
        received = []
        whole = self._checked(iter([b'first ', b'secund ', b'third']))
        error = self.assertRaises(exception.ImageUnacceptable,
                                  lambda: received.extend(whole))
        self.assertEqual([b'first ', b'secund '], received)
        self.assertIn('image-1', error.format_message())
        self.assertIn('failed after 18 bytes', error.format_message())
        self.assertIn('Corrupt image download', error.format_message())

    def test_empty_data(self):
        error = self.assertRaises(exception.ImageUnacceptable, list,
                                  images.WholeDownload('image-1',
                                                       iter([b''])))
        self.assertIn('empty', error.format_message())

    def test_download_failing_mid_stream(self):
        def broken():
            yield b'first '
            raise IOError('connection reset by peer')

        error = self.assertRaises(exception.ImageUnacceptable, list,
                                  self._checked(broken()))
        self.assertIn('failed after 6 bytes', error.format_message())
        self.assertIn('connection reset by peer', error.format_message())


class PrefetchedTest(testtools.TestCase):

    def test_yields_everything_in_order(self):
        chunks = [b'%d,' % i for i in range(100)]
        self.assertEqual(b''.join(chunks), b''.join(images.prefetched(
            iter(chunks), depth=3)))

    def test_joins_small_chunks(self):
        chunks = [b'ab', b'cd', b'e', b'fgh', b'i']
        joined = list(images.prefetched(iter(chunks), size=4))
        self.assertEqual([b'abcd', b'efgh', b'i'], joined)

    def test_source_error_reaches_the_consumer(self):
        def failing():
            yield b'one'
            raise IOError('source broke')

        received = []
        error = self.assertRaises(IOError, lambda: received.extend(
            images.prefetched(failing(), size=1)))
        self.assertEqual([b'one'], received)
        self.assertEqual('source broke', str(error))

    def test_reads_at_most_depth_ahead_of_a_consumer_that_stopped(self):
        produced = []

        def source():
            for i in range(1000):
                produced.append(i)
                yield b'x'

        stream = images.prefetched(source(), depth=4, size=1)
        next(stream)
        time.sleep(0.3)
        stream.close()
        time.sleep(0.3)
        # One taken, four queued, one waiting to be queued.
        self.assertLessEqual(len(produced), 6)

    def test_small_chunks_stop_being_read_once_the_consumer_left(self):
        produced = []

        def source():
            yield b'x' * 1000
            for i in range(1000):
                produced.append(i)
                time.sleep(0.001)
                yield b'x'

        # The small chunks are joined, never put: only noticing that the
        # consumer left stops reading them.
        stream = images.prefetched(source(), size=1000)
        next(stream)
        stream.close()
        time.sleep(1.5)
        self.assertLess(len(produced), 100)


class SignatureTest(testtools.TestCase):

    def signature(self, secret='s', registry=REGISTRY, tag='c1',
                  digest='sha256:' + 'd' * 64):
        handler = images.ImageHandler(None, None, registry, None, secret)
        return handler._signature('%s/glance/i1:%s' % (registry, tag),
                                  digest)

    def test_a_tag_of_the_same_repository_the_registry_accepts(self):
        repository, tag = self.signature().rsplit(':', 1)
        self.assertEqual(REGISTRY + '/glance/i1', repository)
        self.assertTrue(tag.startswith(images.SIGNATURE_TAG))
        self.assertRegex(tag, r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')

    def test_bound_to_secret_tag_and_digest_not_the_registrys_name(self):
        signature = self.signature().rsplit(':', 1)[1]
        self.assertEqual(signature, self.signature(
            registry='registry.example:5042').rsplit(':', 1)[1])
        for changed in ({'secret': 't'}, {'tag': 'c2'},
                        {'digest': 'sha256:' + 'e' * 64}):
            self.assertNotEqual(signature,
                                self.signature(**changed).rsplit(':', 1)[1])


class HandlerTestCase(testtools.TestCase):
    """ImageHandler over the shared fake engine and a fake Glance."""

    DATA = test_archive.make()

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.engine = fake_engine.FakeEngine()
        self.glance = mock.Mock()
        self.handler = self.make_handler(self.engine)
        self.context = mock.sentinel.context

    def make_handler(self, engine, secret='s3cret'):
        handler = images.ImageHandler(engine, self.glance, REGISTRY,
                                      FakeRecords(), secret)
        self.addCleanup(handler._pushes.shutdown)
        return handler

    def glance_image(self, data=DATA, checksum=True, image_id=None,
                     **properties):
        meta = fakes.image_meta(
            image_id, checksum=hashlib.md5(data).hexdigest() if checksum
            else None)
        self.glance.get.return_value = {
            'id': meta.id, 'properties': properties,
            'checksum': meta.checksum if checksum else None}
        self.glance.download.return_value = iter(
            [data[:1000], data[1000:]])
        return meta

    def ensure(self, meta, handler=None, **kwargs):
        handler = handler or self.handler
        image = handler.ensure(self.context, meta, **kwargs)
        # Whatever went to the background is done.
        handler._pushes.shutdown(wait=True)
        return image


class BringInTest(HandlerTestCase):

    def test_first_boot_loads_from_glance_and_shares_it(self):
        meta = self.glance_image()
        image = self.ensure(meta)
        reference = images.local_reference(REGISTRY, meta)
        self.assertEqual((reference, image.id),
                         (image.reference, self.engine.tags[reference]))
        self.assertEqual(image.id, self.handler.records[reference])
        pushed = [call[0] for call in self.engine.called('push')]
        self.assertEqual(reference, pushed[0])
        self.assertIn(':' + images.SIGNATURE_TAG, pushed[1])
        # The signature's name goes from the engine once pushed.
        self.assertNotIn(pushed[1], self.engine.tags)
        self.assertIn('Loaded image %s from Glance (%d bytes)' % (
            meta.id, len(self.DATA)), self.logs.output)

    def test_another_host_pulls_what_a_host_vouched_for(self):
        meta = self.glance_image()
        first = self.ensure(meta)
        other = fake_engine.FakeEngine()
        other.registry = self.engine.registry
        self.glance.download.reset_mock()
        second = self.ensure(meta, self.make_handler(other))
        self.assertEqual(first.id, second.id)
        self.glance.download.assert_not_called()
        self.assertIn('Pulled image', self.logs.output)
        # Pulled by digest; the pinned name does not stay.
        self.assertEqual([second.reference], other.image_references())

    def test_a_registry_copy_nobody_vouched_for_is_ignored(self):
        meta = self.glance_image()
        reference = images.local_reference(REGISTRY, meta)
        planted = fake_engine.FakeEngine()
        planted.add_image(reference)
        planted.push(reference)
        self.engine.registry = planted.registry
        image = self.ensure(meta)
        self.assertNotEqual(planted.tags[reference], image.id)
        self.assertIn('no compute host pushed it there: ignoring it',
                      self.logs.output)
        self.glance.download.assert_called_once()

    def test_without_a_secret_nothing_is_pushed_or_pulled(self):
        handler = self.make_handler(self.engine, secret='')
        self.ensure(self.glance_image(), handler)
        self.assertEqual([], self.engine.called('push'))
        self.assertEqual([], self.engine.called('pull'))

    def test_a_docker_image_property_that_cannot_be_pulled(self):
        image_id = self.glance_image().id
        pointer = images.glance_repository_tag(image_id, 'v1')
        meta = self.glance_image(checksum=False, image_id=image_id,
                                 docker_image=pointer)
        raised = self.assertRaises(exception.ImageUnacceptable, self.ensure,
                                   meta)
        self.assertIn('its docker_image %s cannot be pulled' % pointer,
                      raised.format_message())
        # With data in Glance too, the data is loaded.
        self.ensure(self.glance_image(image_id=image_id,
                                      docker_image=pointer))
        self.assertIn('cannot be pulled', self.logs.output)
        self.assertIn('Loaded image', self.logs.output)

    def test_a_docker_image_property_naming_another_image_is_refused(self):
        meta = self.glance_image(docker_image='glance/victim:latest')
        raised = self.assertRaises(exception.ImageUnacceptable, self.ensure,
                                   meta)
        self.assertIn("may only name a tag of the image's own repository",
                      raised.format_message())

    def test_images_the_engine_cannot_take(self):
        too_large = dict(max_bytes=100)
        for data, kwargs, reason in (
                (self.DATA, too_large, 'unpacks to more than 0 MiB'),
                (b'not a tarball' * 100, {}, 'invalid header'),
                (self.DATA, {}, "not a Docker image tarball (docker save "
                                "output): Docker engine refused load")):
            engine = fake_engine.FakeEngine()
            if 'refused load' in reason:
                engine.fail_on('load')
            raised = self.assertRaises(
                exception.ImageUnacceptable, self.ensure,
                self.glance_image(data), self.make_handler(engine), **kwargs)
            self.assertIn(reason, raised.format_message())
            self.assertEqual([], engine.image_references())

    def test_an_engine_timeout_is_not_the_images_fault(self):
        self.engine.fail_on('load', docker_exception.EngineTimeout(
            operation='loading an image', seconds=1))
        self.assertRaises(docker_exception.EngineTimeout, self.ensure,
                          self.glance_image())

    def test_a_tarball_of_several_images_is_refused(self):
        self.useFixture(fixtures.MockPatchObject(
            self.engine, 'load', return_value=['sha256:1', 'sha256:2']))
        raised = self.assertRaises(exception.ImageUnacceptable, self.ensure,
                                   self.glance_image())
        self.assertIn('loaded sha256:1, sha256:2 from it, not one image',
                      raised.format_message())


class SharingFailuresTest(HandlerTestCase):

    def test_a_refused_push_is_a_warning(self):
        self.engine.fail_on('push')
        self.ensure(self.glance_image())
        self.assertIn('Could not push', self.logs.output)

    def test_any_other_background_failure_is_logged(self):
        self.engine.fail_on('push', docker_exception.EngineUnavailable(
            url=fake_engine.URL, reason='connection refused'))
        self.ensure(self.glance_image())
        self.assertIn('other hosts will download it from Glance: Docker '
                      'engine at %s is unavailable' % fake_engine.URL,
                      self.logs.output)


class MovesAndSnapshotsTest(HandlerTestCase):

    def setUp(self):
        super().setUp()
        self.engine.put_container('nova-x', {})

    def test_a_move_commit_is_shared_and_found_again(self):
        instance = fakes.instance(image_ref=IMAGE_REF)
        reference = self.handler.commit_for_move('nova-x', instance)
        self.assertEqual(self.handler.move_reference(instance), reference)
        self.assertEqual(reference, self.handler.moved(reference).reference)
        other = fake_engine.FakeEngine()
        other.registry = self.engine.registry
        self.assertEqual(self.engine.tags[reference], self.make_handler(
            other).moved(reference).id)
        raised = self.assertRaises(
            exception.MigrationError, self.make_handler(
                fake_engine.FakeEngine()).moved, reference)
        self.assertIn('is not in this host\'s engine and cannot be pulled',
                      raised.format_message())

    def test_a_snapshot_goes_to_the_registry_and_glance(self):
        self.glance.update.return_value = {'checksum': 'abc'}
        snapshot = self.handler.commit('nova-x', 'snap-1', pause=True)
        uploading = mock.Mock()
        self.handler.publish(self.context, snapshot, 'uuid-1', uploading)
        uploading.assert_called_once_with()
        metadata = self.glance.update.call_args.args[2]
        self.assertEqual(('docker', 'glance/snap-1:snapshot', 'uuid-1'), (
            metadata['container_format'],
            metadata['properties'][images.REGISTRY_IMAGE_PROPERTY],
            metadata['properties'][images.SOURCE_INSTANCE_PROPERTY]))
        self.assertIn(snapshot.pending, self.engine.registry)
        # Only its content name stays: booting it here is a cache hit.
        self.assertEqual([images.content_reference(REGISTRY, 'snap-1',
                                                   'abc')],
                         self.engine.image_references())

    def test_the_push_and_the_upload_run_side_by_side(self):
        uploading = threading.Event()
        push = self.engine.push

        def push_during_the_upload(reference):
            # A push that ran before the upload would wait here in vain.
            self.assertTrue(uploading.wait(10))
            return push(reference)

        self.useFixture(fixtures.MockPatchObject(self.engine, 'push',
                                                 push_during_the_upload))
        self.glance.update.side_effect = lambda *a, **kw: (
            uploading.set(), {'checksum': 'abc'})[1]
        snapshot = self.handler.commit('nova-x', 'snap-1', pause=True)
        self.handler.publish(self.context, snapshot, 'uuid-1', mock.Mock())
        self.assertIn(snapshot.pending, self.engine.registry)
        self.assertEqual([images.content_reference(REGISTRY, 'snap-1',
                                                   'abc')],
                         self.engine.image_references())

    def test_a_failed_upload_waits_for_the_push(self):
        pushed = []
        push = self.engine.push
        self.useFixture(fixtures.MockPatchObject(
            self.engine, 'push', lambda reference: (
                time.sleep(0.2), pushed.append(reference),
                push(reference))[2]))
        self.glance.update.side_effect = exception.ImageNotFound(
            image_id='snap-1')
        snapshot = self.handler.commit('nova-x', 'snap-1', pause=False)
        self.assertRaises(exception.ImageNotFound, self.handler.publish,
                          self.context, snapshot, 'uuid-1', mock.Mock())
        # Pushed whole before its pending name went.
        self.assertEqual(snapshot.pending, pushed[0])
        self.assertEqual([], self.engine.image_references())

    def test_a_failed_upload_leaves_no_pending_name(self):
        self.glance.update.side_effect = exception.ImageNotFound(
            image_id='snap-1')
        snapshot = self.handler.commit('nova-x', 'snap-1', pause=False)
        self.assertRaises(exception.ImageNotFound, self.handler.publish,
                          self.context, snapshot, 'uuid-1', mock.Mock())
        self.assertEqual([], self.engine.image_references())

    def test_an_image_still_in_use_is_kept(self):
        reference = '%s/%sold:t' % (REGISTRY, images.REPOSITORY)
        self.engine.add_image(reference)
        self.handler.records.put(reference, 'x')
        self.engine.fail_on('remove_image')
        self.handler.remove_unused(set(), 0, datetime.datetime(
            2026, 12, 1, tzinfo=datetime.timezone.utc))
        self.assertEqual({reference: 'x'}, self.handler.records)


class NetnsImageTest(HandlerTestCase):

    def test_imported_once_under_the_busybox_it_holds(self):
        busybox = self.useFixture(fixtures.TempDir()).path + '/busybox'
        with open(busybox, 'wb') as f:
            f.write(b'busybox')
        first = self.handler.netns_image(busybox)
        self.assertEqual(first, self.handler.netns_image(busybox))
        self.assertEqual(1, len(self.engine.called('import_rootfs')))
        self.assertEqual([first], self.engine.image_references())
        raised = self.assertRaises(exception.NovaException,
                                   self.handler.netns_image, '/no/busybox')
        self.assertIn('[docker] netns_busybox', raised.format_message())
