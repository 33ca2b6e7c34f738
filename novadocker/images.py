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

"""Brings an instance's Glance image into the Docker engine.

Every image the driver keeps in the engine is named
``<registry>/glance/<glance image id>:<glance checksum>``: keyed on the
Glance image's id and content, never its Glance name, and the same name
under which the shared registry holds it. Resolution goes, cheapest first:

1. the engine already has it;
2. the registry has it (another host loaded it before): pull;
3. the Glance image names a tag of its own repository in the registry
   (``docker_image`` property, set by snapshots): pull that;
4. stream the Glance data, a ``docker save`` tarball, into the engine while
   verifying Glance's hash, then push it to the registry for other hosts
   (also when the property's pull fails but Glance holds data, as for
   snapshots).

Images are a project's own business and nobody else's: the names inside a
tarball never reach the engine (``archive``), the engine image the driver
creates containers from is the one it recorded when it brought the image
in (``records``), ``docker_image`` reaches no other image's repository, and
a registry copy is pulled only when a compute host vouched for it: the
host that pushes it also pushes a signature tag, named by a keyed hash
(``[docker] registry_shared_secret``) of the name and the manifest digest
it pushed, and the puller pulls that digest alone. Whoever else can push to
the registry can neither forge a signature nor move a signed digest.
"""

from concurrent import futures
import dataclasses
import functools
import hashlib
import hmac
import json
import queue
import re
import threading

from oslo_concurrency import lockutils
from oslo_log import log as logging
from oslo_utils import units
from oslo_utils import uuidutils

from nova import exception
from nova.i18n import _
from nova import objects

from novadocker import archive
from novadocker import engine
from novadocker import exception as docker_exception
from novadocker import rootfs
from novadocker import spec

LOG = logging.getLogger(__name__)

CONTAINER_FORMAT = 'docker'
REPOSITORY = 'glance/'
# Glance property naming a repository:tag in the registry that holds the
# image's bytes, for images whose data is not in Glance.
REGISTRY_IMAGE_PROPERTY = 'docker_image'
# Glance property of a snapshot: the instance it was taken from.
SOURCE_INSTANCE_PROPERTY = 'docker_source_instance'
SNAPSHOT_TAG = 'snapshot'
# Tag of an instance's filesystem committed to move it (resize, migrate),
# in the repository of the image it was booted from.
MOVE_TAG = 'moving-'
NETNS_REPOSITORY = 'nova-docker/netns'
# Registry tags vouching for another tag's content: the prefix and a keyed
# hash (hex) fit the registry's 128 characters.
SIGNATURE_TAG = 'signed-'
# A tag as the registry accepts it.
_TAG = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')


def _field(image_meta, name):
    return getattr(image_meta, name) if image_meta.obj_attr_is_set(name) \
        else None


def check_container_format(image_meta):
    container_format = _field(image_meta, 'container_format')
    if container_format != CONTAINER_FORMAT:
        raise exception.ImageUnacceptable(
            image_id=_field(image_meta, 'id'),
            reason=_("its container_format is %(actual)s; the Docker driver "
                     "boots only images with container_format=%(wanted)s") % {
                'actual': container_format or 'not set',
                'wanted': CONTAINER_FORMAT})


def registry_address(host, port):
    return '%s:%d' % ('[%s]' % host if ':' in host else host, port)


def glance_repository_tag(image_id, tag):
    return '%s%s:%s' % (REPOSITORY, image_id, tag)


def local_reference(registry, image_meta):
    """Engine and registry name of a Glance image's content."""
    return content_reference(registry, image_meta.id,
                             _field(image_meta, 'checksum'))


def content_reference(registry, image_id, checksum):
    return registry_source(registry, glance_repository_tag(
        image_id, checksum or 'latest'))


def registry_source(registry, repository_tag):
    """Where the ``docker_image`` property points, inside the registry."""
    return '%s/%s' % (registry, repository_tag.strip('/'))


def check_registry_pointer(image_id, repository_tag):
    """Refuse a ``docker_image`` naming anything but the image's own
    repository: nova checked the user's access to this image only."""
    repository, tag = repository_tag.partition(':')[::2]
    if repository != REPOSITORY + image_id or not _TAG.match(tag):
        raise exception.ImageUnacceptable(
            image_id=image_id,
            reason=_("its %(prop)s property is %(value)s; it may only name "
                     "a tag of the image's own repository, %(own)s:TAG") % {
                'prop': REGISTRY_IMAGE_PROPERTY, 'value': repository_tag,
                'own': REPOSITORY + image_id})


class WholeDownload:
    """Glance's data for one image, the last chunk held back until the
    download has ended well.

    The hash is checked as the data arrives by glanceclient itself, which
    raises at the end of the data on a mismatch (against the image's
    ``os_hash_value``, else its MD5 ``checksum``): holding back the last
    chunk until then means a mismatch or a broken download aborts the
    upload to the engine before the tarball is complete, and the engine
    loads nothing. A second hash of the same bytes here cost a full pass
    of SHA-512 over the image on every first boot.
    """

    def __init__(self, image_id, chunks):
        self.image_id = image_id
        self._chunks = chunks
        self.size = 0

    def _refuse(self, reason):
        return exception.ImageUnacceptable(image_id=self.image_id,
                                           reason=reason)

    def __iter__(self):
        held = None
        try:
            for chunk in self._chunks:
                if not chunk:
                    continue
                self.size += len(chunk)
                if held is not None:
                    yield held
                held = chunk
        except exception.ImageUnacceptable:
            raise
        except Exception as e:
            raise self._refuse(_("its download from Glance failed after "
                                 "%(size)d bytes: %(error)s") % {
                'size': self.size, 'error': e}) from e
        if not self.size:
            raise self._refuse(_("its data is empty"))
        yield held


def prefetched(chunks, depth=8, size=units.Mi):
    """Iterate ``chunks`` from a thread of its own, up to ``depth`` ahead.

    Reading (and hashing) the source then overlaps with the sink's work
    instead of alternating with it; the bounded queue keeps memory flat
    whatever the image's size. Small chunks are joined up to ``size``:
    fewer, larger writes are cheaper for the sink.
    """
    ahead = queue.Queue(maxsize=depth)
    consumer_gone = threading.Event()

    def put(item):
        while not consumer_gone.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        pending, pending_size = [], 0
        try:
            for chunk in chunks:
                if consumer_gone.is_set():
                    # An aborted transfer reads no more of its source.
                    return
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= size:
                    if not put((b''.join(pending), None)):
                        return
                    pending, pending_size = [], 0
        except Exception as e:
            put((None, e))
            return
        if pending_size:
            put((b''.join(pending), None))
        put((None, None))

    threading.Thread(target=produce, name='nova-docker-prefetch',
                     daemon=True).start()
    try:
        while True:
            chunk, error = ahead.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk
    finally:
        consumer_gone.set()


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A container committed for a Glance snapshot, not shared yet."""
    container: str
    image_id: str
    # Its engine name until published, and the committed image's id.
    pending: str
    committed: str


def _log_push_failure(reference, pushed):
    """What went wrong pushing in the background, where nobody waits for
    the result (_share itself logs the engine's refusals)."""
    error = pushed.exception()
    if error is not None:
        LOG.error('Pushing %(ref)s to the registry failed; other hosts will '
                  'download it from Glance: %(error)s',
                  {'ref': reference, 'error': error}, exc_info=error)


class _NotShared(Exception):
    """The registry holds no copy of an image a compute host vouched for."""


class ImageHandler:

    def __init__(self, engine, glance, registry, records, secret):
        self._engine = engine
        self._glance = glance
        self.registry = registry
        self.records = records
        # Without a secret nothing in the registry can be trusted, and
        # nothing is worth pushing there.
        self._secret = secret.encode() if secret else None
        # Sharing an image with other hosts need not delay this host's boot.
        self._pushes = futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix='nova-docker-push')

    def ensure(self, context, image_meta, max_bytes=None):
        """The engine Image to create the instance's container from.

        An image brought in from Glance may unpack to ``max_bytes`` at most
        (the root disk of the flavor booting it).
        """
        return self._ensure(context, image_meta, max_bytes)[0]

    def cache(self, context, image_id):
        """Bring a Glance image in ahead of boot; False if already there."""
        return self._ensure(context, self.meta(context, image_id))[1]

    def meta(self, context, image_id):
        """nova's view of Glance image ``image_id``."""
        return objects.ImageMeta.from_dict(
            self._glance.get(context, image_id))

    def netns_image(self, busybox):
        """The image of network namespace holders, imported on first use.

        Named after the busybox it holds, so a new busybox makes a new
        image rather than reusing a stale one.
        """
        try:
            with open(busybox, 'rb') as f:
                tag = hashlib.sha256(f.read()).hexdigest()[:12]
        except OSError as e:
            raise exception.NovaException(
                _('Cannot build the network namespace image from '
                  '[docker] netns_busybox: %s') % e) from e
        reference = '%s:%s' % (NETNS_REPOSITORY, tag)
        with lockutils.lock('nova-docker-netns-image'):
            if self._engine.image_exists(reference):
                return reference
            # Under a name of its own first: another nova-compute sharing
            # the engine may be importing too, and every import is a new
            # image. The loser's copy goes with its private name.
            private = '%s-%s' % (tag, uuidutils.generate_uuid()[:8])
            self._engine.import_rootfs(
                rootfs.busybox_rootfs(busybox, ['sleep']),
                NETNS_REPOSITORY, private,
                ['CMD ' + json.dumps(spec.NETNS_HOLDER_COMMAND)])
            private = '%s:%s' % (NETNS_REPOSITORY, private)
            if not self._engine.image_exists(reference):
                self._engine.tag(private, reference)
                LOG.info('Imported %s for network namespace holders',
                         reference)
            self._engine.remove_image(private)
        return reference

    def _ensure(self, context, image_meta, max_bytes=None):
        check_container_format(image_meta)
        reference = local_reference(self.registry, image_meta)
        # One transfer per image, however many spawns want it at once.
        with lockutils.lock('nova-docker-image-' + image_meta.id):
            image = self._trusted(reference)
            if image is not None:
                return image, False
            self._bring_in(context, image_meta.id, reference, max_bytes)
            return self._trusted(reference), True

    def _trusted(self, reference):
        """The engine's image under ``reference`` if it is the one the
        driver recorded there; a name moved since is dropped."""
        image = self._engine.image(reference)
        if image is None:
            return None
        recorded = self.records.get(reference)
        if image.id == recorded:
            return image
        LOG.warning('Image %(ref)s names %(found)s, not %(recorded)s that '
                    'the driver put there: dropping the name and bringing '
                    'the image in again', {'ref': reference,
                                           'found': image.id,
                                           'recorded': recorded})
        self._engine.remove_image(reference, untag=True)
        self.records.drop(reference)
        return None

    def _record(self, image_id, reference):
        """Name an engine image and remember that the driver did."""
        self._engine.tag(image_id, reference)
        self.records.put(reference, image_id)

    def remove_unused(self, image_ids_in_use, minimum_age, now):
        """Drop images no instance uses, brought in over minimum_age ago.

        Images any nova container on the engine was created from are kept
        too: hosts sharing an engine share its images.
        """
        prefix = '%s/%s' % (self.registry, REPOSITORY)
        containers_use = {c.labels.get(spec.LABEL_IMAGE)
                          for c in self._engine.containers(spec.LABEL_UUID)}
        for reference in self._engine.image_references():
            if (not reference.startswith(prefix) or
                    reference in containers_use or
                    reference[len(prefix):].split(':')[0] in
                    image_ids_in_use):
                continue
            image = self._engine.image(reference)
            # None: gone since the listing (another host's sweep).
            if image is None or image.tagged_at and (
                    now - engine.parse_time(image.tagged_at)
            ).total_seconds() < minimum_age:
                continue
            LOG.info('Removing unused image %s', reference)
            if self._discard(reference):
                self.records.drop(reference)

    def _bring_in(self, context, image_id, reference, max_bytes):
        try:
            return self._pull_shared(reference, reference)
        except _NotShared as e:
            LOG.debug('Not pulling %(ref)s from the registry: %(why)s',
                      {'ref': reference, 'why': e})
        glance_image = self._glance.get(context, image_id)
        source = glance_image['properties'].get(REGISTRY_IMAGE_PROPERTY)
        if source:
            check_registry_pointer(image_id, source)
            try:
                return self._pull_shared(
                    registry_source(self.registry, source), reference)
            except _NotShared as e:
                if not glance_image.get('checksum'):
                    raise exception.ImageUnacceptable(
                        image_id=image_id,
                        reason=_("its %(prop)s %(source)s cannot be "
                                 "pulled: %(why)s") % {
                            'prop': REGISTRY_IMAGE_PROPERTY,
                            'source': source, 'why': e}) from e
                LOG.warning('Image %(id)s: its %(prop)s cannot be pulled '
                            '(%(why)s); loading its data from Glance '
                            'instead', {'id': image_id, 'why': e,
                                        'prop': REGISTRY_IMAGE_PROPERTY})
        self._load_from_glance(context, glance_image, reference, max_bytes)

    def _signature(self, reference, digest):
        """The registry tag vouching that ``reference`` held ``digest``
        when a compute host pushed it."""
        repository, tag = engine.split_reference(reference)
        message = '%s:%s\n%s' % (
            repository[len(self.registry) + 1:], tag, digest)
        return '%s:%s%s' % (repository, SIGNATURE_TAG, hmac.new(
            self._secret, message.encode(), hashlib.sha256).hexdigest())

    def _pull_shared(self, source, reference):
        """Pull the registry's copy of ``source`` as ``reference`` if a
        compute host vouched for it; raise _NotShared otherwise."""
        if self._secret is None:
            raise _NotShared(_('[docker] registry_shared_secret is not set'))
        try:
            digest = self._engine.registry_digest(source)
            if digest is None:
                raise _NotShared(_('the registry does not hold it'))
            if self._engine.registry_digest(
                    self._signature(source, digest)) is None:
                LOG.warning('The registry holds %(digest)s as %(ref)s, but '
                            'no compute host pushed it there: ignoring it',
                            {'digest': digest, 'ref': source})
                raise _NotShared(_('no compute host pushed what the '
                                   'registry holds'))
            # By digest: a tag moved since cannot change what comes in.
            pinned = '%s@%s' % (engine.split_reference(source)[0], digest)
            self._engine.pull(pinned)
        except docker_exception.EngineTimeout:
            raise
        except docker_exception.EngineError as e:
            raise _NotShared(e.format_message()) from e
        self._record(self._engine.image(pinned).id, reference)
        self._engine.remove_image(pinned, untag=True)
        LOG.info('Pulled image %(source)s (%(digest)s) from the registry as '
                 '%(ref)s', {'source': source, 'digest': digest,
                             'ref': reference})

    def _load_from_glance(self, context, glance_image, reference,
                          max_bytes):
        image_id = glance_image['id']
        chunks = WholeDownload(image_id, self._glance.download(context,
                                                               image_id))
        try:
            # Nameless: the engine reports the image by its id alone, and
            # no name in the engine moves, whatever the tarball asks for.
            loaded = self._engine.load(prefetched(
                archive.without_names(chunks, max_bytes)))
        except archive.ArchiveTooLarge as e:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason=_("it unpacks to more than %d MiB, the root disk of "
                         "the flavor booting it") % (e.limit // units.Mi)
            ) from e
        except archive.ArchiveRefused as e:
            raise exception.ImageUnacceptable(image_id=image_id,
                                              reason=str(e)) from e
        except docker_exception.EngineTimeout:
            # Not the image's fault: another host may well succeed.
            raise
        except docker_exception.EngineError as e:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason=_("its data is not a Docker image tarball (docker "
                         "save output): %s") % e.format_message()) from e
        if len(loaded) != 1 or not loaded[0].startswith('sha256:'):
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason=_("the engine loaded %s from it, not one image") % (
                    ', '.join(loaded) or _('nothing')))
        self._record(loaded[0], reference)
        LOG.info('Loaded image %(id)s from Glance (%(size)d bytes) as '
                 '%(ref)s', {'id': image_id, 'size': chunks.size,
                             'ref': reference})
        self._pushes.submit(self._share, reference, loaded[0]
                            ).add_done_callback(functools.partial(
                                _log_push_failure, reference))

    def _share(self, reference, image_id):
        """Push an image and its signature; without them, Glance serves."""
        if self._secret is None:
            return
        try:
            signature = self._signature(reference,
                                        self._engine.push(reference))
            self._engine.tag(image_id, signature)
            try:
                self._engine.push(signature)
            finally:
                self._engine.remove_image(signature, untag=True)
        except docker_exception.EngineError as e:
            LOG.warning('Could not push %(ref)s to the registry; other '
                        'hosts will download it from Glance: %(error)s',
                        {'ref': reference, 'error': e.format_message()})

    def _discard(self, name):
        try:
            return self._engine.remove_image(name)
        except docker_exception.EngineError as e:
            # Still in use, or still named otherwise: not ours to remove.
            LOG.debug('Kept image %(name)s: %(error)s',
                      {'name': name, 'error': e.format_message()})
            return False

    def commit_for_move(self, name, instance):
        """Commit stopped container ``name`` of ``instance`` as an image
        any host can create the instance again from: this engine has it,
        the registry has it for the others. Returns its name."""
        reference = self.move_reference(instance)
        image_id = self._engine.commit(name, reference, pause=False)
        self.records.put(reference, image_id)
        self._share(reference, image_id)
        return reference

    def move_reference(self, instance):
        """Where commit_for_move puts ``instance``'s filesystem."""
        return registry_source(self.registry, glance_repository_tag(
            instance.image_ref, MOVE_TAG + instance.uuid))

    def moved(self, reference):
        """The engine image committed by commit_for_move on any host."""
        image = self._trusted(reference)
        if image is None:
            try:
                self._pull_shared(reference, reference)
            except _NotShared as e:
                raise exception.MigrationError(reason=_(
                    "the instance's filesystem %(ref)s is not in this "
                    "host's engine and cannot be pulled: %(why)s") % {
                        'ref': reference, 'why': e}) from e
            image = self._trusted(reference)
        return image

    def commit(self, name, image_id, pause):
        """Commit container ``name`` for the snapshot ``image_id``.

        The only step that needs the instance: the rest (``publish``)
        works on the committed image while the server is the user's again.
        """
        pending = registry_source(self.registry, glance_repository_tag(
            image_id, SNAPSHOT_TAG))
        return Snapshot(name, image_id, pending,
                        self._engine.commit(name, pending, pause=pause))

    def publish(self, context, snapshot, source_instance, uploading):
        """Share a committed snapshot through the registry and Glance.

        The commit is pushed to the registry, so any host can boot the
        snapshot by pulling, while the ``docker save`` of it is streamed
        into Glance, never held whole in memory or on disk: side by side,
        the snapshot takes the longer of the two, not their sum.
        ``uploading`` is called as the upload starts, as nova's task states
        expect; the snapshot ends when both copies are in place.
        """
        try:
            with futures.ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix='nova-docker-snapshot-push') as push:
                # Leaving the block waits for the push, whatever the
                # upload did: the pending name it pushes goes only after.
                # A host booting the snapshot before the push ends loads
                # Glance's copy.
                pushed = push.submit(self._share, snapshot.pending,
                                     snapshot.committed)
                uploading()
                uploaded = self._upload(context, snapshot, source_instance)
                pushed.result()
            # Booting the snapshot here is then a cache hit.
            self._record(snapshot.committed, content_reference(
                self.registry, snapshot.image_id, uploaded.get('checksum')))
        finally:
            self._engine.remove_image(snapshot.pending)
        LOG.info('Snapshot of %(name)s uploaded to Glance image %(id)s',
                 {'name': snapshot.container, 'id': snapshot.image_id})

    def _upload(self, context, snapshot, source_instance):
        """Stream ``docker save`` of the snapshot into its Glance image,
        with the registry pointer any host pulls it by."""
        return self._glance.update(
            context, snapshot.image_id,
            {'container_format': CONTAINER_FORMAT, 'disk_format': 'raw',
             'properties': {
                 REGISTRY_IMAGE_PROPERTY: glance_repository_tag(
                     snapshot.image_id, SNAPSHOT_TAG),
                 SOURCE_INSTANCE_PROPERTY: source_instance}},
            # Read in the uploading thread: a reader thread between the
            # engine and glanceclient (as the load has) made a 256 MiB
            # upload 0.7 s slower here, for the same CPU.
            data=archive.ChunkReader(self._engine.save(snapshot.pending)),
            # nova's own properties (instance_uuid, ...) stay.
            purge_props=False)
