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

"""The only module that talks to the Docker engine, through the docker SDK.

nova-compute calls the driver from many native threads at once. The SDK's
client is a ``requests`` session, which is not safe to share between
threads, so every thread gets its own client; the API version is
negotiated once and given to each of them, which keeps creating a client
free of network calls.
"""

import collections
import dataclasses
import datetime
import os
import re
import socket
import struct
import threading
import time
import uuid

import docker
from docker import errors as docker_errors
from oslo_log import log as logging
import requests

from nova import exception as nova_exception

from novadocker import exception

LOG = logging.getLogger(__name__)

# Docker 20.10: the oldest engine with everything the driver relies on
# (one-shot stats, cgroup v2, pids limits).
MIN_API_VERSION = '1.41'


# An image with no files, for probing what the engine allows.
PROBE_IMAGE = 'nova-docker/probe:empty'
EMPTY_TAR = bytes(2 * 512)

# Docker reports nanoseconds; datetime keeps microseconds.
_NANOSECONDS = re.compile(r'(\.\d{6})\d*')


def parse_time(value):
    """A timestamp from the engine as an aware datetime."""
    return datetime.datetime.fromisoformat(
        _NANOSECONDS.sub(r'\1', value).replace('Z', '+00:00'))


def _version_tuple(version):
    return tuple(int(part) for part in version.split('.'))


def _status(error):
    """HTTP status of the engine's answer behind one of our errors."""
    if isinstance(error.__cause__, docker_errors.NotFound):
        return 404
    response = getattr(error.__cause__, 'response', None)
    return getattr(response, 'status_code', None)


def _os_error(exc):
    """The OS-level error at the root of a connection failure, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc
        exc = exc.__cause__ or exc.__context__ or (
            exc.args[0] if exc.args and isinstance(exc.args[0],
                                                   BaseException) else None)
    return None


@dataclasses.dataclass(frozen=True)
class Image:
    """What the driver reads of an engine image, read here alone.

    Everything but ``id`` and ``tagged_at`` comes from the image's
    configuration, which whoever built the image chose.
    """
    reference: str
    id: str
    labels: dict
    # The engine's Healthcheck object (Test, Interval, ... in
    # nanoseconds), or None.
    healthcheck: dict
    tagged_at: str

    @classmethod
    def from_inspection(cls, reference, details):
        config = details.get('Config') or {}
        return cls(reference=reference, id=details['Id'],
                   labels=dict(config.get('Labels') or {}),
                   healthcheck=config.get('Healthcheck'),
                   tagged_at=(details.get('Metadata') or {}).get(
                       'LastTagTime'))


@dataclasses.dataclass(frozen=True)
class Container:
    """What the driver reads of a container, read here alone.

    A listing fills ``id``, ``name``, ``labels`` and ``status``; only
    inspection knows ``pid``, ``started_at`` and ``memory`` (None in a
    listing's).
    """
    id: str
    name: str
    labels: dict
    # The engine's word: created, running, paused, restarting, removing,
    # exited or dead.
    status: str
    pid: int = None
    started_at: str = None
    # The memory limit in bytes, 0 for none.
    memory: int = None

    @property
    def running(self):
        """Whether its processes exist: a paused container's do."""
        return self.status in ('running', 'paused', 'restarting')

    @classmethod
    def from_inspection(cls, details):
        state = details.get('State') or {}
        return cls(id=details['Id'], name=details['Name'].lstrip('/'),
                   labels=dict((details.get('Config') or {}).get('Labels')
                               or {}),
                   status=state.get('Status'), pid=state.get('Pid'),
                   started_at=state.get('StartedAt'),
                   memory=(details.get('HostConfig') or {}).get('Memory'))

    @classmethod
    def from_listing(cls, entry):
        # A listing names a container with a slash, once per link to it
        # too ("/other/alias"); its own name comes first.
        names = entry.get('Names') or ['']
        return cls(id=entry['Id'], name=names[0].lstrip('/'),
                   labels=dict(entry.get('Labels') or {}),
                   status=entry.get('State'))


@dataclasses.dataclass(frozen=True)
class Stats:
    """One sample of a container's resource use, read here alone."""
    memory_used: int
    # Nanoseconds per CPU; one total on cgroup v2, which has no split.
    cpu_times: tuple
    # Per interface: rx_bytes, rx_errors, rx_dropped, rx_packets and the
    # same for tx, as the engine names them.
    nics: tuple
    disk_read: int
    disk_write: int

    @classmethod
    def from_sample(cls, sample):
        cpu = (sample.get('cpu_stats') or {}).get('cpu_usage') or {}
        blkio = (sample.get('blkio_stats') or {}).get(
            'io_service_bytes_recursive') or []

        def disk(operation):
            return sum(e.get('value', 0) for e in blkio
                       if e.get('op', '').lower() == operation)
        return cls(
            memory_used=(sample.get('memory_stats') or {}).get('usage', 0),
            cpu_times=tuple(cpu.get('percpu_usage') or
                            (cpu.get('total_usage', 0),)),
            nics=tuple(dict(n) for n in (sample.get('networks') or {})
                       .values()),
            disk_read=disk('read'), disk_write=disk('write'))


@dataclasses.dataclass(frozen=True)
class Layers:
    """Where the engine keeps a container's filesystem, read here alone:
    its storage driver and, for overlay2, its data root, its writable
    layer and its image's layers (topmost first), as layer names."""
    storage_driver: str
    data_root: str = None
    layer: str = None
    lowers: tuple = ()

    @classmethod
    def from_inspection(cls, details):
        graph = details.get('GraphDriver') or {}
        data = graph.get('Data') or {}
        upper = data.get('UpperDir')
        if graph.get('Name') != 'overlay2' or not upper:
            return cls(storage_driver=graph.get('Name'))
        # <data root>/overlay2/<layer>/diff
        layer_dir = os.path.dirname(upper)
        return cls(storage_driver='overlay2',
                   data_root=os.path.dirname(os.path.dirname(layer_dir)),
                   layer=os.path.basename(layer_dir),
                   lowers=tuple(os.path.basename(os.path.dirname(lower))
                                for lower in data.get(
                                    'LowerDir', '').split(':') if lower))


class Engine:
    """A Docker engine, addressed by URL, shared safely between threads."""

    def __init__(self, url, api_version='auto', timeout=60,
                 transfer_timeout=3600):
        self.url = url
        self._wanted_version = api_version
        self._timeout = timeout
        self._transfer_timeout = transfer_timeout
        self._version = None
        self._local = threading.local()

    # --- connection ---------------------------------------------------

    def connect(self):
        """Negotiate the API version; raise EngineUnavailable with the cause.

        Returns the engine's ``/version`` document.
        """
        probe = docker.APIClient(base_url=self.url, version=MIN_API_VERSION,
                                 timeout=self._timeout)
        try:
            version = self._call('version', probe.version)
        finally:
            probe.close()
        self._version = self._choose_version(version)
        self._local = threading.local()
        LOG.info('Using Docker engine %(engine)s at %(url)s with API '
                 '%(api)s', {'engine': version.get('Version'),
                             'url': self.url, 'api': self._version})
        return version

    def _choose_version(self, server):
        newest = server.get('ApiVersion', MIN_API_VERSION)
        oldest = server.get('MinAPIVersion', MIN_API_VERSION)
        if self._wanted_version == 'auto':
            wanted = min(newest, docker.constants.DEFAULT_DOCKER_API_VERSION,
                         key=_version_tuple)
        else:
            wanted = self._wanted_version
        if _version_tuple(wanted) < _version_tuple(MIN_API_VERSION):
            reason = ('API version %s is older than %s, the oldest this '
                      'driver supports' % (wanted, MIN_API_VERSION))
        elif not (_version_tuple(oldest) <= _version_tuple(wanted) <=
                  _version_tuple(newest)):
            reason = ('API version %s is not served by this engine, which '
                      'speaks %s to %s' % (wanted, oldest, newest))
        else:
            return wanted
        raise exception.EngineUnavailable(url=self.url, reason=reason)

    def _client(self):
        client = getattr(self._local, 'client', None)
        if client is None:
            if self._version is None:
                raise exception.EngineUnavailable(
                    url=self.url, reason='not connected yet (init_host)')
            client = docker.APIClient(base_url=self.url,
                                      version=self._version,
                                      timeout=self._timeout)
            self._local.client = client
        return client

    def _call(self, operation, func, *args, **kwargs):
        """Run one SDK call, turning its errors into the driver's."""
        try:
            return func(*args, **kwargs)
        except docker_errors.APIError as e:
            # Callers to whom absence is an answer ask _status for 404.
            raise exception.EngineError(
                operation=operation,
                reason=e.explanation or str(e)) from e
        except requests.exceptions.Timeout as e:
            raise exception.EngineError(
                operation=operation,
                reason='no answer within %s seconds' % self._timeout) from e
        except (requests.exceptions.RequestException,
                docker_errors.DockerException) as e:
            # A connection refused, or broken off in the middle of an
            # answer.
            raise exception.EngineUnavailable(
                url=self.url, reason=self._describe(e)) from e

    def _streamed(self, operation, items):
        """The items of an engine answer read as a stream, with the errors
        of each read turned into the driver's as ``_call`` does."""
        end = object()
        while (item := self._call(operation, next, items, end)) is not end:
            yield item

    def _describe(self, error):
        cause = _os_error(error)
        if isinstance(cause, FileNotFoundError):
            return 'no socket at %s (is dockerd running?)' % (
                cause.filename or self.url)
        if isinstance(cause, PermissionError):
            return ('permission denied: the user nova-compute runs as needs '
                    'read and write access to the engine socket')
        if isinstance(cause, ConnectionRefusedError):
            return 'connection refused (is dockerd running?)'
        if cause is not None:
            return cause.strerror or str(cause)
        return str(error)

    def _unless_absent(self, operation, func, *args, **kwargs):
        """``_call``'s answer, or None where the engine has nothing by
        that name."""
        try:
            return self._call(operation, func, *args, **kwargs)
        except exception.EngineError as e:
            if _status(e) == 404:
                return None
            raise

    def _container_call(self, operation, name, func, *args, **kwargs):
        try:
            return self._call(operation, func, name, *args, **kwargs)
        except exception.EngineError as e:
            if _status(e) == 404:
                raise exception.ContainerNotFound(name=name) from e
            raise

    # --- engine -------------------------------------------------------

    def info(self):
        return self._call('info', self._client().info)

    # --- containers ---------------------------------------------------

    def create(self, spec):
        """Create (not start) the container described by a ContainerSpec."""
        client = self._client()
        operation = 'creating container %s' % spec.name
        # The SDK checks the settings against the API version here.
        host_config = self._call(operation, client.create_host_config,
                                 **spec.host_config)
        try:
            return self._call(
                operation, client.create_container,
                image=spec.image, name=spec.name, hostname=spec.hostname,
                domainname=spec.domainname, labels=spec.labels,
                healthcheck=spec.healthcheck, host_config=host_config,
                environment=list(spec.environment) or None,
                detach=True)['Id']
        except exception.EngineError as e:
            if _status(e) == 409:
                raise nova_exception.InstanceExists(name=spec.name) from e
            raise

    def start(self, name):
        self._container_call('start', name, self._client().start)

    def stop(self, name, timeout):
        self._container_call('stop', name, self._client().stop,
                             timeout=timeout)

    def rename(self, name, new_name):
        self._container_call('rename', name, self._client().rename,
                             new_name)

    def restart(self, name, timeout):
        self._container_call('restart', name, self._client().restart,
                             timeout=timeout)

    def kill(self, name):
        """SIGKILL the container's processes and wait until they are gone.

        Quiet if none are running. The engine answers a kill once the
        signal is sent; starting again before the process has died would
        find the container still running.
        """
        try:
            self._container_call('kill', name, self._client().kill)
        except exception.EngineError as e:
            if _status(e) != 409:
                raise
        # The SDK waits without a deadline unless given one.
        self._container_call('wait', name, self._client().wait,
                             condition='not-running', timeout=self._timeout)

    def pause(self, name):
        self._container_call('pause', name, self._client().pause)
        self._wait_for_paused(name, True)

    def unpause(self, name):
        self._container_call('unpause', name, self._client().unpause)
        self._wait_for_paused(name, False)

    def _wait_for_paused(self, name, paused):
        """Wait until inspection agrees with a pause or unpause.

        The engine records the freezer's new state from an event that can
        arrive after its answer to the call.
        """
        deadline = time.monotonic() + self._timeout
        while (self.inspect(name).status == 'paused') != paused:
            if time.monotonic() > deadline:
                raise exception.EngineError(
                    operation='pause' if paused else 'unpause',
                    reason='the container is still %s after %s seconds' % (
                        'running' if paused else 'paused', self._timeout))
            time.sleep(0.01)

    def remove(self, name):
        """Remove a container and its anonymous volumes; False if absent."""
        try:
            self._container_call('remove', name,
                                 self._client().remove_container,
                                 v=True, force=True)
        except exception.ContainerNotFound:
            return False
        return True

    def _details(self, name):
        return self._container_call('inspect', name,
                                    self._client().inspect_container)

    def inspect(self, name):
        """The Container named ``name``; ContainerNotFound if none."""
        return Container.from_inspection(self._details(name))

    def layers(self, name):
        return Layers.from_inspection(self._details(name))

    def _exec(self, name, command, tty):
        """Start ``command`` in the container, its standard input open;
        (exec id, the socket to its input and output)."""
        client = self._client()
        exec_id = self._container_call(
            'exec', name, client.exec_create, command, stdin=True,
            tty=tty)['Id']
        return exec_id, _own_socket(self._call(
            'exec', client.exec_start, exec_id, tty=tty, socket=True))

    def exec_tty(self, name, command):
        """Run ``command`` in the container on a terminal of its own; the
        socket to that terminal (closing it ends the command's session)."""
        return self._exec(name, command, tty=True)[1]

    def exec_input(self, name, command, data):
        """Run ``command`` in the container with ``data`` on its standard
        input; (exit code, what it wrote)."""
        exec_id, sock = self._exec(name, command, tty=False)
        sock.settimeout(self._timeout)
        with sock:
            sock.sendall(data)
            # End of input: the engine closes the command's standard input.
            sock.shutdown(socket.SHUT_WR)
            output = _demultiplex(sock.makefile('rb'))
        return (self._call('exec', self._client().exec_inspect,
                           exec_id)['ExitCode'], output)

    def containers(self, label_filter):
        """Every container, in any state, carrying ``label_filter``."""
        return [Container.from_listing(entry) for entry in self._call(
            'list containers', self._client().containers, all=True,
            filters={'label': label_filter})]

    def logs_tail(self, name, max_bytes, max_lines):
        """The last ``max_bytes`` of stdout and stderr, holding no more."""
        stream = self._container_call('logs', name, self._client().logs,
                                      stdout=True, stderr=True, stream=True,
                                      follow=False,
                                      tail=max_lines)
        tail = collections.deque()
        size = 0
        for chunk in self._streamed('logs', stream):
            tail.append(chunk)
            size += len(chunk)
            while size - len(tail[0]) >= max_bytes:
                size -= len(tail.popleft())
        return b''.join(tail)[-max_bytes:]

    def stats(self, name):
        return Stats.from_sample(self._container_call(
            'stats', name, self._client().stats, stream=False,
            one_shot=True))

    # --- images -------------------------------------------------------

    def _within_deadline(self, operation, items):
        """``items``, until the image transfer they belong to has taken
        longer than it may. Every read has the API timeout besides: a
        stalled transfer ends then."""
        deadline = time.monotonic() + self._transfer_timeout
        for item in items:
            if time.monotonic() > deadline:
                raise exception.EngineTimeout(
                    operation=operation, seconds=self._transfer_timeout)
            yield item

    def _consume(self, operation, messages):
        """Read an engine progress stream to its end; raise on its errors."""
        def read():
            for message in self._within_deadline(operation, messages):
                if message.get('error'):
                    raise exception.EngineError(operation=operation,
                                                reason=message['error'])
                yield message
        return list(self._call(operation, lambda: list(read())))

    def image_exists(self, reference):
        return self.image(reference) is not None

    def image_references(self):
        """Every ``repository:tag`` naming an image in the engine."""
        return [reference
                for image in self._call('list images', self._client().images)
                for reference in image.get('RepoTags') or ()]

    def image(self, reference):
        """The engine's Image named ``reference``, or None."""
        details = self._unless_absent('inspect image',
                                      self._client().inspect_image, reference)
        return details and Image.from_inspection(reference, details)

    def pull(self, reference):
        repository, tag = split_reference(reference)
        operation = 'pulling %s' % reference
        self._consume(operation, self._call(
            operation, self._client().pull, repository, tag=tag,
            stream=True, decode=True))

    def push(self, reference):
        """Push ``reference``; returns the manifest digest the registry
        now holds under its tag."""
        repository, tag = split_reference(reference)
        operation = 'pushing %s' % reference
        for message in self._consume(operation, self._call(
                operation, self._client().push, repository, tag=tag,
                stream=True, decode=True)):
            digest = (message.get('aux') or {}).get('Digest')
            if digest:
                return digest
        raise exception.EngineError(operation=operation,
                                    reason='the engine reported no digest')

    def registry_digest(self, reference):
        """The manifest digest a registry holds under ``reference``, or
        None when it holds nothing there."""
        found = self._unless_absent(
            'asking the registry for %s' % reference,
            self._client().inspect_distribution, reference)
        return found and found['Descriptor']['digest']

    def tag(self, image, reference):
        repository, tag = split_reference(reference)
        self._call('tagging %s' % reference, self._client().tag, image,
                   repository, tag, force=True)

    def remove_image(self, reference, untag=False):
        """Drop a tag (the image goes with its last one); False if absent.

        With ``untag`` only the name goes, even while containers use the
        image it named (they keep it).
        """
        return self._unless_absent(
            'removing image %s' % reference, self._client().remove_image,
            # The engine answers with what went: a list, never None.
            reference, force=untag, noprune=untag) is not None

    def load(self, chunks):
        """Load a ``docker save`` tarball streamed from ``chunks``.

        Returns what the engine loaded: ``name:tag`` references, or image
        ids for images saved without a name.
        """
        loaded = []
        operation = 'loading an image'
        for message in self._consume(operation, self._call(
                operation, self._client().load_image,
                self._within_deadline(operation, chunks))):
            text = message.get('stream', '').strip()
            for prefix in ('Loaded image ID: ', 'Loaded image: '):
                if text.startswith(prefix):
                    loaded.append(text[len(prefix):])
                    break
        return loaded

    def import_rootfs(self, data, repository, tag, changes):
        """Import a root filesystem tarball as ``repository:tag``."""
        self._call('importing image %s:%s' % (repository, tag),
                   self._client().import_image_from_data, data,
                   repository=repository, tag=tag, changes=changes)

    def storage_quota_refusal(self):
        """Why the storage driver cannot cap a container's writable layer
        (``--storage-opt size``), or None if it can.

        Asked of the engine itself: only it knows whether its data root is,
        say, xfs mounted with project quotas. The probe container, from an
        empty image of its own, is never started.
        """
        if not self.image_exists(PROBE_IMAGE):
            repository, tag = split_reference(PROBE_IMAGE)
            self.import_rootfs(EMPTY_TAR, repository, tag, [])
        client = self._client()
        name = 'nova-docker-probe-%s' % uuid.uuid4().hex[:12]
        operation = 'creating a container with a disk quota'
        try:
            self._call(operation, client.create_container, image=PROBE_IMAGE,
                       command=['none'], name=name,
                       host_config=self._call(
                           operation, client.create_host_config,
                           storage_opt={'size': '1G'}))
        except exception.EngineError as e:
            return e.kwargs['reason']
        self.remove(name)
        return None

    def save(self, reference):
        """A ``docker save`` tarball of one image, as a stream of chunks."""
        operation = 'saving %s' % reference
        return self._streamed(operation, self._within_deadline(
            operation, self._call(operation, self._client().get_image,
                                  reference)))

    def commit(self, name, reference, pause=True):
        """Commit a container's filesystem as image ``reference``."""
        repository, tag = split_reference(reference)
        return self._container_call('commit', name, self._client().commit,
                                    repository=repository, tag=tag,
                                    pause=pause)['Id']


def _own_socket(raw):
    """A socket of its own on a hijacked engine connection.

    The SDK hands out the HTTP response's socket file (a unix engine's) or
    socket; a duplicate outlives the response, which closes its own when
    collected.
    """
    if isinstance(raw, socket.socket):
        # A TLS engine's: the stream is the TLS socket's alone.
        return raw
    own = socket.socket(fileno=os.dup(raw.fileno()))
    raw.close()
    # The SDK's timeout left the shared file non-blocking.
    own.setblocking(True)
    return own


def _demultiplex(stream):
    """The bytes of an exec without a terminal: frames of an 8-byte header
    (stream, 0, 0, 0, big-endian length) and their data."""
    output = []
    while header := stream.read(8):
        output.append(stream.read(struct.unpack('>BxxxL', header)[1]))
    return b''.join(output)


def split_reference(reference):
    """``host:port/repo:tag`` -> (``host:port/repo``, ``tag``); a digest
    (``repo@sha256:...``) stands where the tag would."""
    if '@' in reference:
        return tuple(reference.split('@', 1))
    repository, _, tag = reference.rpartition(':')
    if not repository or '/' in tag:
        return reference, 'latest'
    return repository, tag
