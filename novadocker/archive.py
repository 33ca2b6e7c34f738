"""``docker save`` archives rewritten on their way into the engine.

A tarball from Glance is whatever its uploader made it. The engine's load
API moves every name the archive asks for (``RepoTags`` in
``manifest.json``, the legacy ``repositories`` file) onto the loaded image,
whatever image held that name before: any project could take over another
project's cached image, or the driver's own. So the engine never sees those
names: the archive is re-emitted entry by entry, as it streams, without
``repositories`` and with a ``manifest.json`` of the driver's making that
names nothing. The engine then reports the loaded image by its id alone.

Nothing is held whole: entries pass through in chunks, and only the
manifest (bounded) is kept until the end, where the driver's manifest is
written after every other entry. A stream cut short therefore never has a
manifest, and the engine loads nothing from it.
"""

import io
import json
import posixpath
import tarfile

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
_PIECE = units.Mi
# What docker save writes at the top level; devices, fifos and sparse
# files have no place in it.
_KINDS = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE,
          tarfile.SYMTYPE, tarfile.LNKTYPE)


class ArchiveRefused(ValueError):
    """The data is not an archive the driver lets into the engine."""


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


def _entry(info):
    return info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'surrogateescape')


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


def without_names(chunks):
    """The ``docker save`` archive in ``chunks``, re-emitted nameless.

    Yields the rewritten archive in pieces as the source streams. The
    source is read to its end even after the archive's end marker, so a
    check riding on the source (a hash) always runs before the last piece.
    Raises ArchiveRefused when the data is not such an archive.
    """
    source = io.BufferedReader(ChunkReader(chunks), buffer_size=_PIECE)
    manifest = None
    links = set()
    try:
        with tarfile.open(fileobj=source, mode='r|*') as archive:
            for member in archive:
                path = _path(member.name)
                _check_entry(member, path, links)
                if path == MANIFEST and member.isfile():
                    manifest = _read_manifest(archive, member)
                if path in (MANIFEST, LEGACY_REPOSITORIES):
                    # Whatever its kind: a link or directory under either
                    # name must not stand in for the driver's manifest.
                    continue
                yield _entry(member)
                yield from _content(archive, member)
    except tarfile.TarError as e:
        raise ArchiveRefused(_('its data is not a Docker image tarball '
                               '(docker save output): %s') % e) from e
    while source.read(_PIECE):
        pass
    if manifest is None:
        raise ArchiveRefused(_('its data is not a Docker image tarball '
                               '(docker save output of Docker 1.10 or '
                               'newer): it has no manifest.json'))
    info = tarfile.TarInfo(MANIFEST)
    info.size, info.mode = len(manifest), 0o644
    yield _entry(info) + manifest + _padding(info.size) + b'\0' * 2 * _BLOCK


def _check_entry(member, path, links):
    if member.type not in _KINDS:
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
    if member.issym():
        links.add(path)


def _read_manifest(archive, member):
    if member.size > MAX_MANIFEST_BYTES:
        raise ArchiveRefused(_('its manifest.json holds %d bytes; a '
                               'manifest is far smaller') % member.size)
    return nameless_manifest(archive.extractfile(member).read())


def _content(archive, member):
    if not member.isfile():
        return
    data = archive.extractfile(member)
    remaining = member.size
    while remaining:
        piece = data.read(min(remaining, _PIECE))
        if not piece:
            raise tarfile.ReadError('unexpected end of data')
        remaining -= len(piece)
        yield piece
    yield _padding(member.size)
