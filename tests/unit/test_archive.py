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

"""The nameless rewrite of docker save archives, on archives made here."""

import bz2
import gzip
import hashlib
import io
import json
import lzma
import tarfile

import testtools

from novadocker import archive

CONFIG = 'a' * 64 + '.json'
LAYER = 'b' * 64 + '/layer.tar'
MANIFEST = [{'Config': CONFIG, 'RepoTags': ['victim:latest'],
             'Layers': [LAYER], 'Parent': 'sha256:' + 'c' * 64}]


def entry(name, data=b'', kind=tarfile.REGTYPE, link=''):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(data)
    return info, io.BytesIO(data)


def make(*entries, manifest=MANIFEST):
    """A docker save archive: its image, then ``entries``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w') as tar:
        for info, data in [
                entry('b' * 64, kind=tarfile.DIRTYPE),
                entry(LAYER, b'layer bytes' * 100),
                entry(CONFIG, b'{"config": {}}'),
                entry('repositories', b'{"victim": {"latest": "x"}}')] + (
                [entry('manifest.json', json.dumps(manifest).encode())]
                if manifest is not None else []) + list(entries):
            tar.addfile(info, data)
    return out.getvalue()


def rewritten(data, chunk=1000):
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    return b''.join(archive.without_names(iter(chunks)))


def contents(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(member.name, tar.extractfile(member).read()
                 if member.isfile() else None) for member in tar]


class WithoutNamesTest(testtools.TestCase):

    def assert_refused(self, data, text):
        error = self.assertRaises(archive.ArchiveRefused, rewritten, data)
        self.assertIn(text, str(error))

    def test_names_go_and_everything_else_stays(self):
        out = contents(rewritten(make()))
        self.assertEqual(['b' * 64, LAYER, CONFIG, 'manifest.json'],
                         [name for name, _ in out])
        self.assertEqual(b'layer bytes' * 100, dict(out)[LAYER])
        self.assertEqual([{'Config': CONFIG, 'Layers': [LAYER]}],
                         json.loads(dict(out)['manifest.json']))

    def test_whatever_the_chunking(self):
        data = make()
        self.assertEqual(rewritten(data, chunk=len(data)),
                         rewritten(data, chunk=7))

    def test_compressed_archives_come_out_plain(self):
        self.assertEqual(contents(rewritten(make())),
                         contents(rewritten(gzip.compress(make()))))

    def test_manifest_written_last_whatever_its_place(self):
        # docker save of Docker 25 writes the manifest before the layers.
        data = make(entry('manifest.json', json.dumps(MANIFEST).encode()),
                    entry('zzz', b'late'))
        self.assertEqual('manifest.json', contents(rewritten(data))[-1][0])

    def test_names_spelled_otherwise_are_dropped_too(self):
        for name in ('./manifest.json', '/manifest.json',
                     'x/../manifest.json', './repositories'):
            data = make(entry(name, json.dumps(MANIFEST).encode()))
            names = [n for n, _ in contents(rewritten(data))]
            self.assertEqual(1, names.count('manifest.json'), name)
            self.assertNotIn('repositories', names)
            self.assertNotIn(name, names)

    def test_names_from_extended_headers(self):
        # The engine names an entry by its pax path or GNU long name, not
        # by the name in its header block.
        hidden = tarfile.TarInfo('innocent')
        hidden.pax_headers = {'path': 'repositories'}
        hidden_data = b'{"victim": {"latest": "x"}}'
        hidden.size = len(hidden_data)
        long_name = 'd/' + 'n' * 200
        for fmt, info, data in (
                (tarfile.PAX_FORMAT, hidden, hidden_data),
                (tarfile.GNU_FORMAT, entry(long_name, b'long')[0], b'long')):
            out = io.BytesIO()
            with tarfile.open(fileobj=out, mode='w', format=fmt) as tar:
                for member, content in (
                        (info, data), entry('d', kind=tarfile.DIRTYPE),
                        entry(CONFIG, b'{}'),
                        entry('manifest.json', json.dumps(MANIFEST).encode())):
                    tar.addfile(member, content if hasattr(content, 'read')
                                else io.BytesIO(content))
            names = [n for n, _ in contents(rewritten(out.getvalue()))]
            self.assertNotIn('repositories', names)
            self.assertNotIn('innocent', names)
            if fmt == tarfile.GNU_FORMAT:
                self.assertIn(long_name, names)
                self.assertEqual(b'long', dict(contents(rewritten(
                    out.getvalue())))[long_name])

    def test_pax_global_headers_are_refused(self):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT,
                          pax_headers={'path': 'manifest.json'}) as tar:
            tar.addfile(*entry('manifest.json', json.dumps(MANIFEST).encode()))
        self.assert_refused(out.getvalue(), 'neither a file')

    def test_every_compression_the_engine_unpacks(self):
        for compress in (bz2.compress, lzma.compress):
            self.assertEqual(contents(rewritten(make())),
                             contents(rewritten(compress(make()))))
        self.assert_refused(gzip.compress(make())[:-100], 'ends early')

    def test_manifest_as_link_or_directory_is_no_manifest(self):
        for extra in (entry('manifest.json', kind=tarfile.SYMTYPE,
                            link=CONFIG),
                      entry('manifest.json', kind=tarfile.DIRTYPE)):
            self.assert_refused(make(extra, manifest=None), 'no manifest.json')

    def test_writing_through_a_link_is_refused(self):
        data = make(entry('up', kind=tarfile.SYMTYPE, link='.'),
                    entry('up/repositories', b'{}'))
        self.assert_refused(data, 'through the link up')
        data = make(entry('d', kind=tarfile.SYMTYPE, link='/etc'),
                    entry('d/x/y', b'{}'))
        self.assert_refused(data, 'through the link d')

    def test_devices_and_fifos_are_refused(self):
        for kind in (tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE):
            self.assert_refused(make(entry('dev', kind=kind)),
                                'neither a file, a directory nor a link')

    def test_manifests_that_are_not_one_image(self):
        for manifest, text in [
                ([], 'holds 0 images'),
                (MANIFEST * 2, 'holds 2 images'),
                ({'Config': CONFIG}, 'not a list of images'),
                (['x'], 'not a list of images'),
                ([{'Layers': [LAYER]}], 'no image configuration'),
                ([{'Config': CONFIG, 'Layers': 'x'}],
                 'no image configuration')]:
            self.assert_refused(make(manifest=manifest), text)

    def test_manifest_not_json_or_too_large(self):
        self.assert_refused(make(entry('manifest.json', b'{nope'),
                                 manifest=None), 'not JSON')
        big = b' ' * (archive.MAX_MANIFEST_BYTES + 1)
        self.assert_refused(make(entry('manifest.json', big),
                                 manifest=None), 'far smaller')

    def test_not_a_tar_archive(self):
        self.assert_refused(b'not a tarball\n' * 100,
                            'not a Docker image tarball')

    def test_truncated_archive(self):
        data = make()
        self.assert_refused(data[:len(data) // 2],
                            'not a Docker image tarball')

    def test_source_read_to_its_end_before_the_manifest(self):
        # A hash check rides on the source's last chunk.
        data = make() + b'\0' * 4096
        state = []

        def source():
            yield data
            state.append('source ended')

        pieces = archive.without_names(source())
        for piece in pieces:
            if b'"Layers"' in piece and b'"Config"' in piece:
                self.assertEqual(['source ended'], state)

    def test_source_errors_pass_through(self):
        def source():
            yield make()[:2048]
            raise IOError('glance went away')

        error = self.assertRaises(IOError, b''.join,
                                  archive.without_names(source()))
        self.assertIn('glance went away', str(error))


class ImageConfigurationTest(testtools.TestCase):

    def config_of(self, data):
        out = dict(contents(rewritten(data)))
        name = json.loads(out['manifest.json'])[0]['Config']
        return name, json.loads(out[name])

    def test_volumes_go_and_everything_else_stays(self):
        config = {'config': {'Volumes': {'/data': {}}, 'Cmd': ['sh']},
                  'rootfs': {'diff_ids': ['sha256:' + 'd' * 64]}}
        name, out = self.config_of(make(entry(
            CONFIG, json.dumps(config).encode())))
        self.assertEqual({'config': {'Cmd': ['sh']},
                          'rootfs': config['rootfs']}, out)
        # Named after its content, as the engine names images.
        self.assertEqual(hashlib.sha256(json.dumps(
            out, separators=(',', ':')).encode()).hexdigest() + '.json',
            name)

    def test_configuration_without_volumes_is_left_as_it_was(self):
        data = b'{"config": {"Cmd": ["sh"]},  "os": "linux"}'
        out = dict(contents(rewritten(make(entry(CONFIG, data)))))
        self.assertEqual(data, out[CONFIG])
        self.assertEqual(CONFIG, json.loads(out['manifest.json'])[0]['Config'])

    def test_configuration_the_driver_cannot_check_is_refused(self):
        for data, text in (
                (b' {"config": {}}', 'missing or larger'),
                (b'{' + b' ' * archive.MAX_MANIFEST_BYTES + b'}',
                 'missing or larger'),
                (b'{"config": ', 'not JSON'),
                (b'{"config": []}', 'not a JSON object')):
            # The last entry under a name is the one the engine unpacks.
            self.assert_refused(make(entry(CONFIG, data)), text)

    def test_link_made_over_a_held_file_is_refused(self):
        data = make(entry('sub/x.json', b'{}'),
                    entry('sub', kind=tarfile.SYMTYPE, link='/etc'))
        self.assert_refused(data, 'puts a link at sub')
        # A link replacing the configuration leaves the image without one.
        data = make(entry(CONFIG, kind=tarfile.SYMTYPE, link='/etc/passwd'))
        self.assert_refused(data, 'configuration %s is missing' % CONFIG)

    def assert_refused(self, data, text):
        error = self.assertRaises(archive.ArchiveRefused, rewritten, data)
        self.assertIn(text, str(error))


class SizeBoundTest(testtools.TestCase):

    def test_files_may_hold_up_to_the_bound(self):
        held = len(b'layer bytes' * 100) + len(b'{"config": {}}') + len(
            b'{"victim": {"latest": "x"}}') + len(json.dumps(MANIFEST))
        self.assertTrue(b''.join(archive.without_names([make()], held)))
        self.assertRaises(archive.ArchiveTooLarge, b''.join,
                          archive.without_names([make()], held - 1))

    def test_a_compressed_bomb_is_stopped_early(self):
        bomb = gzip.compress(make(entry('zeros', bytes(64 * 2 ** 20))),
                             compresslevel=1)
        produced = []
        error = self.assertRaises(
            archive.ArchiveTooLarge, produced.extend,
            archive.without_names([bomb], 2 ** 20))
        self.assertEqual(2 ** 20, error.limit)
        self.assertLess(sum(len(p) for p in produced), 2 ** 20)

    def test_compressed_files_inside_count_unpacked(self):
        # The engine decompresses layers it loads: a plain archive of a
        # small gzip layer may unpack to anything.
        zeros = bytes(8 * 2 ** 20)
        for layer in (gzip.compress(zeros, compresslevel=1),
                      bz2.compress(zeros), lzma.compress(zeros),
                      # Read to the end, member after member.
                      gzip.compress(b'x') + gzip.compress(zeros)):
            data = make(entry('bomb/layer.tar', layer))
            self.assertRaises(archive.ArchiveTooLarge, b''.join,
                              archive.without_names([data], 2 ** 20))
            self.assertTrue(b''.join(archive.without_names([data],
                                                           9 * 2 ** 20)))

    def test_compressed_files_inside_pass_through_unchanged(self):
        layer = gzip.compress(b'layer' * 1000)
        out = b''.join(archive.without_names([make(entry('l.tar', layer))],
                                             2 ** 20))
        self.assertEqual(layer, dict(contents(out))['l.tar'])

    def test_compressed_files_inside_that_cannot_be_counted(self):
        for layer, text in ((b'\x28\xb5\x2f\xfd' + b'x' * 100, 'zstd'),
                            (gzip.compress(b'x') + b'garbage',
                             'not a valid compressed stream'),
                            (b'\x1f\x8b' + b'x' * 100,
                             'not a valid compressed stream')):
            error = self.assertRaises(
                archive.ArchiveRefused, b''.join, archive.without_names(
                    [make(entry('l.tar', layer))], 2 ** 20))
            self.assertIn(text, str(error))


class ChunkReaderTest(testtools.TestCase):

    def test_reads_across_chunk_boundaries(self):
        reader = archive.ChunkReader(iter([b'abc', b'', b'defgh', b'i']))
        self.assertEqual(b'ab', reader.read(2))
        self.assertEqual(b'c', reader.read(4))
        self.assertEqual(b'defg', reader.read(4))
        self.assertEqual(b'hi', reader.read())
        self.assertEqual(b'', reader.read(4))
