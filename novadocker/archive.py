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

"""``docker save`` archives rewritten on their way into the engine.

A tarball from Glance is whatever its uploader made it. The engine's load
API moves every name the archive asks for (``RepoTags`` in
``manifest.json``, the legacy ``repositories`` file) onto the loaded image,
whatever image held that name before: any project could take over another
project's cached image, or the driver's own. So the engine never sees those
names: the archive is re-emitted entry by entry, as it streams, without
``repositories`` and with a ``manifest.json`` of the driver's making that
names nothing. The engine then reports the loaded image by its id alone.

Nothing is held whole, and nothing is copied that need not be: headers
are parsed here (tarfile's reader copies every byte several times), file
data passes through as views of the source's own chunks, and only the
manifest (bounded) is kept until the end, where the driver's manifest is
written after every other entry. A stream cut short therefore never has a
manifest, and the engine loads nothing from it. What comes after the
archive's end marker is read (a hash check rides on the source) but never
passed on.
"""

import bz2
import hashlib
import io
import itertools
import json
import lzma
import posixpath
import tarfile
import zlib

from oslo_utils import units

from nova.i18n import _

MANIFEST = 'manifest.json'
LEGACY_REPOSITORIES = 'repositories'
# docker save writes a few hundred bytes per image; anything this large
# is not a manifest.
MAX_MANIFEST_BYTES = units.Mi
# Manifest keys the engine needs to load an image; everything else
# (RepoTags, Parent) would let the archive reach beyond its own content.
MANIFEST_KEYS = ('Config', 'Layers', 'LayerSources')
# Small JSON files held back until the manifest says which is the image
# configuration: docker save writes a few hundred bytes per layer.
MAX_HELD_BYTES = 16 * units.Mi
_BLOCK = tarfile.BLOCKSIZE
_END = bytes(2 * _BLOCK)
_PIECE = units.Mi
# Extended headers (pax, GNU long names) precede the entry they describe.
_EXTENSIONS = (tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME,
               tarfile.GNUTYPE_LONGLINK)
# What the engine's loader unpacks besides plain tarballs.
_COMPRESSIONS = (
    (b'\x1f\x8b', lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)),
    (b'BZh', bz2.BZ2Decompressor),
    (b'\xfd7zXZ\x00', lzma.LZMADecompressor))
_MAGIC_BYTES = 6
_ZSTD = b'\x28\xb5\x2f\xfd'
# What docker save writes at the top level; devices, fifos and sparse
# files have no place in it.
_KINDS = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE,
          tarfile.SYMTYPE, tarfile.LNKTYPE)


class ArchiveRefused(ValueError):
    """The data is not an archive the driver lets into the engine."""


class ArchiveTooLarge(ArchiveRefused):
    """The archive unpacks to more than it may."""

    def __init__(self, limit):
        super().__init__(_('it unpacks to more than %d bytes') % limit)
        self.limit = limit


class ChunkReader(io.RawIOBase):
    """A file-like view of a chunk stream, for readers that only read()."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        # A view and an offset: slicing the rest of a large chunk off at
        # every small read would copy it over and over.
        self._pending = memoryview(b'')
        self._offset = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        while self._offset == len(self._pending):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending, self._offset = memoryview(chunk), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = self._pending[self._offset:self._offset + size]
        self._offset += size
        return size


def _path(name):
    """Where an entry lands when the engine unpacks the archive."""
    return posixpath.normpath('/' + name).lstrip('/')


def _padding(size):
    return b'\0' * (-size % _BLOCK)


def nameless_manifest(data):
    """The manifest the engine gets: one image, no names.

    Raises ArchiveRefused for anything but a manifest of exactly one image.
    """
    try:
        entries = json.loads(data)
    except ValueError as e:
        raise ArchiveRefused(_('its manifest.json is not JSON: %s') % e)
    if not isinstance(entries, list) or not all(
            isinstance(entry, dict) for entry in entries):
        raise ArchiveRefused(_('its manifest.json is not a list of images'))
    if len(entries) != 1:
        raise ArchiveRefused(_('its tarball holds %d images; an instance '
                               'boots from exactly one') % len(entries))
    entry = entries[0]
    if not isinstance(entry.get('Config'), str) or not isinstance(
            entry.get('Layers'), list):
        raise ArchiveRefused(_('its manifest.json names no image '
                               'configuration or layers'))
    return [{key: entry[key] for key in MANIFEST_KEYS if key in entry}]


class _Blocks:
    """Exact reads, and pass-through without copies, over a chunk stream."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._view = memoryview(b'')

    def _next(self):
        for chunk in self._chunks:
            if chunk:
                self._view = memoryview(chunk)
                return True
        return False

    def pieces(self, size):
        """The next ``size`` bytes, as views of the source's chunks."""
        while size:
            if not self._view and not self._next():
                raise ArchiveRefused(_('its data is not a Docker image '
                                       'tarball (docker save output): it '
                                       'ends in the middle of an entry'))
            piece = self._view[:size]
            self._view = self._view[len(piece):]
            size -= len(piece)
            yield piece

    def read(self, size):
        return b''.join(self.pieces(size))

    def at_end(self):
        return not self._view and not self._next()

    def drain(self):
        self._view = memoryview(b'')
        for _chunk in self._chunks:
            pass


def _decompressed(chunks):
    """``chunks``, decompressed if they start like a compressed stream."""
    chunks = iter(chunks)
    head = b''
    for chunk in chunks:
        head += chunk
        if len(head) >= 6:
            break
    for magic, make in _COMPRESSIONS:
        if head.startswith(magic):
            return _inflate(make(), itertools.chain([head], chunks))
    return itertools.chain([head], chunks)


def _inflate(decompressor, chunks):
    """Decompress at most a piece at a time: a small bomb stays small."""
    for chunk in chunks:
        data = chunk
        while not decompressor.eof:
            yield decompressor.decompress(data, _PIECE)
            # zlib keeps what it did not get to, the others ask for more.
            data = getattr(decompressor, 'unconsumed_tail', b'')
            if not data and getattr(decompressor, 'needs_input', True):
                break
    if not decompressor.eof:
        raise ArchiveRefused(_('its data is not a Docker image tarball '
                               '(docker save output): its compressed '
                               'stream ends early'))


def _pax_records(data):
    """The ``key=value`` records of a pax extended header."""
    records, offset = {}, 0
    while offset < len(data) and data[offset:offset + 1] != b'\0':
        length, _sep, rest = data[offset:offset + 20].partition(b' ')
        try:
            end = offset + int(length)
        except ValueError:
            raise ArchiveRefused(_('its tarball has a broken pax header'))
        key, _eq, value = data[offset + len(length) + 1:end - 1].partition(
            b'=')
        records[key.decode('utf-8', 'surrogateescape')] = value.decode(
            'utf-8', 'surrogateescape')
        offset = end
    return records


def _header(blocks):
    """The next entry: (TarInfo with its real name and size, the raw
    header blocks), or None at the end of the archive."""
    raw, pax, long_name = [], {}, None
    while not blocks.at_end():
        block = blocks.read(_BLOCK)
        if block == _END[:_BLOCK]:
            return None
        try:
            info = tarfile.TarInfo.frombuf(block, 'utf-8', 'surrogateescape')
        except tarfile.HeaderError as e:
            raise ArchiveRefused(_('its data is not a Docker image tarball '
                                   '(docker save output): %s') % e) from e
        raw.append(block)
        if info.type not in _EXTENSIONS:
            info.name = pax.get('path', long_name or info.name)
            info.size = int(pax.get('size', info.size))
            return info, raw
        if info.size > MAX_MANIFEST_BYTES:
            raise ArchiveRefused(_('its tarball has an extended header of '
                                   '%d bytes') % info.size)
        data = blocks.read(info.size + len(_padding(info.size)))
        raw.append(data)
        if info.type == tarfile.XHDTYPE:
            pax.update(_pax_records(data[:info.size]))
        elif info.type == tarfile.GNUTYPE_LONGNAME:
            long_name = data[:info.size].rstrip(b'\0').decode(
                'utf-8', 'surrogateescape')
    return None


def without_names(chunks, max_bytes=None):
    """The ``docker save`` archive in ``chunks``, re-emitted nameless.

    Yields the rewritten archive in pieces as the source streams. The
    source is read to its end even after the archive's end marker, so a
    check riding on the source (a hash) always runs before the last piece.
    Raises ArchiveRefused when the data is not such an archive, and
    ArchiveTooLarge as soon as its files hold more than ``max_bytes``
    (decompressed: a small compressed upload, or a compressed layer inside
    a plain one, may unpack to anything).
    """
    blocks = _Blocks(_decompressed(chunks))
    budget = _Budget(max_bytes)
    manifest, links, held = None, set(), _Held()
    while True:
        entry = _header(blocks)
        if entry is None:
            break
        info, raw = entry
        path = _path(info.name)
        _check_entry(info, path, links)
        size = info.size if info.isfile() else 0
        budget.add(size)
        data = blocks.pieces(size + len(_padding(size)))
        if path in (MANIFEST, LEGACY_REPOSITORIES):
            # Whatever its kind: a link or directory under either name
            # must not stand in for the driver's manifest.
            if path == MANIFEST and info.isfile():
                manifest = _read_manifest(size, data)
            for _piece in data:
                pass
            continue
        head, data = _peek(data, min(size, _MAGIC_BYTES))
        if not held.keep(path, size, head, raw, data):
            yield from raw
            yield from budget.inflating(path, size, head, data)
    blocks.drain()
    if manifest is None:
        raise ArchiveRefused(_('its data is not a Docker image tarball '
                               '(docker save output of Docker 1.10 or '
                               'newer): it has no manifest.json'))
    yield from held.emit(manifest, links)


class _Budget:
    """What the archive unpacks to so far, against its bound."""

    def __init__(self, limit):
        self._limit = limit
        self._total = 0

    def add(self, size):
        self._total += size
        if self._limit is not None and self._total > self._limit:
            raise ArchiveTooLarge(self._limit)

    def inflating(self, path, size, head, pieces):
        """``pieces`` of a file, passed through; a compressed file (the
        engine unpacks compressed layers) counts at its unpacked size."""
        make = next((make for magic, make in _COMPRESSIONS
                     if head.startswith(magic)), None)
        if head.startswith(_ZSTD) and self._limit is not None:
            raise ArchiveRefused(_('its file %s is compressed with zstd, '
                                   'whose unpacked size the driver cannot '
                                   'bound') % path)
        if make is None or self._limit is None:
            yield from pieces
            return
        inflater, left = _Inflater(make, path), size
        for piece in pieces:
            # Only the file's own bytes, not the archive's padding.
            for produced in inflater.feed(bytes(piece[:left])):
                self.add(produced)
            left -= min(left, len(piece))
            yield piece


class _Inflater:
    """Decompresses a file's bytes to count them, member after member (the
    engine reads concatenated streams to their end)."""

    def __init__(self, make, path):
        self._make = make
        self._path = path
        self._decompressor = make()

    def feed(self, data):
        """The sizes of what ``data`` decompresses to, a piece at a time."""
        while data or not getattr(self._decompressor, 'needs_input', True):
            try:
                out = self._decompressor.decompress(data, _PIECE)
            except (OSError, EOFError, ValueError, zlib.error,
                    lzma.LZMAError) as e:
                raise ArchiveRefused(_('its file %(path)s is not a valid '
                                       'compressed stream: %(error)s') % {
                    'path': self._path, 'error': e}) from e
            yield len(out)
            if self._decompressor.eof:
                data = self._decompressor.unused_data
                self._decompressor = self._make()
            else:
                data = getattr(self._decompressor, 'unconsumed_tail', b'')


class _Held:
    """Small JSON files, held back to the end of the archive.

    The image configuration is one of them, and only the manifest (which
    may come last) says which: the driver rewrites it without the image's
    ``VOLUME``s, so those paths stay part of the root filesystem (within
    its quota, in snapshots, gone with the server) instead of becoming
    engine volumes outside every bound.
    """

    def __init__(self):
        self._files = {}
        self._size = 0

    def keep(self, path, size, head, raw, data):
        if (size > MAX_MANIFEST_BYTES or not head.startswith(b'{') or
                self._size + size > MAX_HELD_BYTES):
            # Unpacked after any file held under its path, so it wins.
            self._files.pop(path, None)
            return False
        self._size += size
        # A later entry of the same path wins, as when unpacking.
        self._files[path] = (raw, b''.join(data), size)
        return True

    def emit(self, manifest, links):
        config_path = _path(manifest[0]['Config'])
        if config_path not in self._files:
            raise ArchiveRefused(_('its image configuration %s is missing '
                                   'or larger than %d bytes') % (
                config_path, MAX_MANIFEST_BYTES))
        for path, (raw, data, _size) in self._files.items():
            _check_unshadowed(path, links)
            if path != config_path:
                yield from raw
                yield data
        _raw, data, size = self._files[config_path]
        config = image_config_without_volumes(data[:size])
        name = config_path if config == data[:size] else (
            hashlib.sha256(config).hexdigest() + '.json')
        manifest[0]['Config'] = name
        yield _file(name, config)
        yield _file(MANIFEST, json.dumps(manifest).encode()) + _END


def image_config_without_volumes(data):
    """An image configuration as the driver lets it in: no ``VOLUME``."""
    try:
        config = json.loads(data)
    except ValueError as e:
        raise ArchiveRefused(_('its image configuration is not JSON: %s') %
                             e) from e
    if not isinstance(config, dict) or not isinstance(
            config.get('config', {}), dict):
        raise ArchiveRefused(_('its image configuration is not a JSON '
                               'object'))
    if not (config.get('config') or {}).get('Volumes'):
        # Unchanged, so the same image loads as the same engine image.
        return data
    del config['config']['Volumes']
    return json.dumps(config, separators=(',', ':')).encode()


def _file(name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    return (info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'surrogateescape') +
            data + _padding(info.size))


def _peek(pieces, size):
    """The first ``size`` bytes of ``pieces``, and all of ``pieces``."""
    head = []
    while sum(len(piece) for piece in head) < size:
        piece = next(pieces, None)
        if piece is None:
            break
        head.append(piece)
    return (b''.join(head)[:size] if size else b'',
            itertools.chain(head, pieces))


def _check_unshadowed(path, links):
    """A held file must not land through a link made after it."""
    while path:
        if path in links:
            raise ArchiveRefused(_('its tarball puts a link at %s, where '
                                   'it also holds a file') % path)
        path = posixpath.dirname(path)


def _check_entry(info, path, links):
    if info.type not in _KINDS:
        raise ArchiveRefused(_('its tarball holds %s, which is neither a '
                               'file, a directory nor a link') % path)
    # Unpacking through a link could write a name this rewrite dropped.
    parent = posixpath.dirname(path)
    while parent:
        if parent in links:
            raise ArchiveRefused(_('its tarball writes %(path)s through '
                                   'the link %(link)s') % {
                'path': path, 'link': parent})
        parent = posixpath.dirname(parent)
    if info.issym():
        links.add(path)


def _read_manifest(size, data):
    if size > MAX_MANIFEST_BYTES:
        raise ArchiveRefused(_('its manifest.json holds %d bytes; a '
                               'manifest is far smaller') % size)
    return nameless_manifest(b''.join(data)[:size])
