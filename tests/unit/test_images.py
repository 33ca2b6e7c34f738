import hashlib
import time

import testtools

from nova import exception

from novadocker import images
from tests.unit import fakes

REGISTRY = '127.0.0.1:5042'


class FakeEngine:

    def __init__(self, present=()):
        self.present = set(present)

    def image_exists(self, reference):
        return reference in self.present


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
        handler = images.ImageHandler(FakeEngine(
            [images.local_reference(REGISTRY, meta)]), None, REGISTRY)
        self.assertEqual(images.local_reference(REGISTRY, meta),
                         handler.ensure(None, meta))


class VerifiedChunksTest(testtools.TestCase):

    DATA = [b'first ', b'second ', b'third']

    def _chunks(self, chunks, algorithm='sha512', expected=None):
        if expected is None:
            expected = hashlib.new(algorithm, b''.join(self.DATA)).hexdigest()
        return images.VerifiedChunks('image-1', chunks, algorithm, expected)

    def test_matching_data_passes_through(self):
        verified = self._chunks(iter(self.DATA))
        self.assertEqual(self.DATA, list(verified))
        self.assertEqual(18, verified.size)

    def test_mismatch_holds_back_the_last_chunk(self):
        received = []
        verified = self._chunks(iter([b'first ', b'secund ', b'third']))
        error = self.assertRaises(exception.ImageUnacceptable,
                                  lambda: received.extend(verified))
        self.assertEqual([b'first ', b'secund '], received)
        self.assertIn('image-1', error.format_message())
        self.assertIn('does not match the sha512 hash',
                      error.format_message())

    def test_md5_fallback(self):
        self.assertEqual(('md5', 'abc'), images.expected_hash(
            {'checksum': 'abc', 'os_hash_algo': None,
             'os_hash_value': None}))
        self.assertEqual(('sha512', 'def'), images.expected_hash(
            {'checksum': 'abc', 'os_hash_algo': 'sha512',
             'os_hash_value': 'def'}))

    def test_empty_data(self):
        error = self.assertRaises(exception.ImageUnacceptable, list,
                                  self._chunks(iter([b''])))
        self.assertIn('empty', error.format_message())

    def test_download_failing_mid_stream(self):
        def broken():
            yield b'first '
            raise IOError('connection reset by peer')

        error = self.assertRaises(exception.ImageUnacceptable, list,
                                  self._chunks(broken()))
        self.assertIn('failed after 6 bytes', error.format_message())
        self.assertIn('connection reset by peer', error.format_message())


class ChunkReaderTest(testtools.TestCase):

    def test_reads_across_chunk_boundaries(self):
        reader = images.ChunkReader(iter([b'abc', b'', b'defgh', b'i']))
        self.assertEqual(b'ab', reader.read(2))
        self.assertEqual(b'c', reader.read(4))
        self.assertEqual(b'defg', reader.read(4))
        self.assertEqual(b'hi', reader.read())
        self.assertEqual(b'', reader.read(4))


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
