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
    """The manifest.json the engine gets: one image, no names.

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
    return json.dumps([{key: entry[key] for key in MANIFEST_KEYS
                        if key in entry}]).encode()


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
    (decompressed: a small compressed upload may unpack to anything).
    """
    blocks = _Blocks(_decompressed(chunks))
    manifest, links, total = None, set(), 0
    while True:
        entry = _header(blocks)
        if entry is None:
            break
        info, raw = entry
        path = _path(info.name)
        _check_entry(info, path, links)
        size = info.size if info.isfile() else 0
        total += size
        if max_bytes is not None and total > max_bytes:
            raise ArchiveTooLarge(max_bytes)
        data = blocks.pieces(size + len(_padding(size)))
        if path in (MANIFEST, LEGACY_REPOSITORIES):
            # Whatever its kind: a link or directory under either name
            # must not stand in for the driver's manifest.
            if path == MANIFEST and info.isfile():
                manifest = _read_manifest(size, data)
            for _piece in data:
                pass
            continue
        yield from raw
        yield from data
    blocks.drain()
    if manifest is None:
        raise ArchiveRefused(_('its data is not a Docker image tarball '
                               '(docker save output of Docker 1.10 or '
                               'newer): it has no manifest.json'))
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mode = len(manifest), 0o644
    yield (info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'surrogateescape') +
           manifest + _padding(info.size) + _END)


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
