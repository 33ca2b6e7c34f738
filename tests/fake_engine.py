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

"""An in-memory Docker engine with novadocker.engine.Engine's interface.

The one fake the tests share: containers with names, labels and states,
images under names, a registry behind push and pull, and the same errors
the real Engine raises (ContainerNotFound, InstanceExists, EngineError).
``calls`` records every call but the image reads; ``fail_on`` makes one
method raise, to test what the driver does then.
"""

import dataclasses
import hashlib
import itertools

from nova import exception as nova_exception

from novadocker import engine
from novadocker import exception

URL = 'unix:///run/fake-docker.sock'
VERSION = {'Version': '20.10.24+fake', 'ApiVersion': '1.41',
           'MinAPIVersion': '1.12'}
INFO = {'NCPU': 4, 'MemTotal': 8 * 1024 ** 3, 'DockerRootDir': '/',
        'Driver': 'overlay2', 'ServerVersion': '20.10.24+fake'}


def _digest(text):
    return 'sha256:' + hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class FakeContainer:
    id: str
    name: str
    image: str
    labels: dict
    spec: object
    status: str = 'created'
    pid: int = 0
    started_at: str = '0001-01-01T00:00:00Z'
    logs: bytes = b''

    def view(self):
        return engine.Container(
            id=self.id, name=self.name, labels=dict(self.labels),
            status=self.status, pid=self.pid, started_at=self.started_at,
            memory=self.spec.host_config.get('mem_limit', 0) if self.spec
            else 0)


class FakeEngine:

    def __init__(self):
        self.url = URL
        self.containers_by_name = {}
        # reference -> image id; images -> engine.Image fields
        self.tags = {}
        self.image_labels = {}
        # The registry: reference -> image id.
        self.registry = {}
        self.calls = []
        self.exec_result = (0, b'')
        self.quota_refusal = 'overlay over ext4 has no project quotas'
        self._failures = {}
        self._pids = itertools.count(1000)
        self._clock = itertools.count(1)

    # --- test controls --------------------------------------------------

    def fail_on(self, method, error=None):
        """Make ``method`` raise ``error`` (an EngineError by default)."""
        self._failures[method] = error or exception.EngineError(
            operation=method, reason='injected failure')

    def add_image(self, reference, labels=None, healthcheck=None):
        image_id = _digest(reference)
        self.tags[reference] = image_id
        self.image_labels[image_id] = (dict(labels or {}), healthcheck)
        return image_id

    def put_container(self, name, labels, status='running', image='x'):
        """A container as if made earlier (by the driver or by hand)."""
        container = FakeContainer(
            id=_digest(name)[7:], name=name, image=image,
            labels=dict(labels), status=status,
            pid=next(self._pids) if status in ('running', 'paused') else 0,
            spec=None)
        self.containers_by_name[name] = container
        return container

    def container(self, name):
        return self.containers_by_name.get(name)

    def called(self, method):
        """The arguments of each call of ``method``, in order."""
        return [call[1:] for call in self.calls if call[0] == method]

    def _call(self, method, *args):
        self.calls.append((method,) + args)
        if method in self._failures:
            raise self._failures[method]

    def _get(self, name):
        try:
            return self.containers_by_name[name]
        except KeyError:
            raise exception.ContainerNotFound(name=name) from None

    def _time(self):
        return '2026-11-30T10:00:%02d.000000000Z' % (next(self._clock) % 60)

    # --- engine -----------------------------------------------------------

    def connect(self):
        self._call('connect')
        return dict(VERSION)

    def info(self):
        self._call('info')
        return dict(INFO)

    # --- containers -------------------------------------------------------

    def create(self, spec):
        self._call('create', spec.name)
        if spec.name in self.containers_by_name:
            raise nova_exception.InstanceExists(name=spec.name)
        if spec.image not in self.tags and spec.image not in \
                self.tags.values():
            raise exception.EngineError(
                operation='creating container %s' % spec.name,
                reason='No such image: %s' % spec.image)
        container = FakeContainer(id=_digest(spec.name)[7:], name=spec.name,
                                  image=spec.image, labels=dict(spec.labels),
                                  spec=spec)
        self.containers_by_name[spec.name] = container
        return container.id

    def start(self, name):
        self._call('start', name)
        container = self._get(name)
        if container.status != 'running':
            container.status = 'running'
            container.pid = next(self._pids)
            container.started_at = self._time()

    def stop(self, name, timeout):
        self._call('stop', name, timeout)
        container = self._get(name)
        container.status, container.pid = 'exited', 0

    def kill(self, name):
        self._call('kill', name)
        container = self._get(name)
        if container.status in ('running', 'paused'):
            container.status, container.pid = 'exited', 0

    def restart(self, name, timeout):
        self._call('restart', name, timeout)
        container = self._get(name)
        container.pid = next(self._pids)
        container.status, container.started_at = 'running', self._time()

    def rename(self, name, new_name):
        self._call('rename', name, new_name)
        container = self._get(name)
        if new_name in self.containers_by_name:
            raise exception.EngineError(operation='rename',
                                        reason='name in use')
        container.name = new_name
        self.containers_by_name[new_name] = \
            self.containers_by_name.pop(name)

    def pause(self, name):
        self._call('pause', name)
        self._get(name).status = 'paused'

    def unpause(self, name):
        self._call('unpause', name)
        self._get(name).status = 'running'

    def remove(self, name):
        self._call('remove', name)
        return self.containers_by_name.pop(name, None) is not None

    def inspect(self, name):
        self._call('inspect', name)
        return self._get(name).view()

    def layers(self, name):
        self._get(name)
        return engine.Layers(storage_driver='overlay2',
                             data_root='/var/lib/docker',
                             layer='upper-' + name, lowers=('l1', 'l2'))

    def containers(self, label_filter):
        self._call('containers', label_filter)
        key, _, value = label_filter.partition('=')
        return [c.view() for c in self.containers_by_name.values()
                if key in c.labels and (not value or
                                        c.labels[key] == value)]

    def exec_tty(self, name, command):
        self._call('exec_tty', name, tuple(command))
        self._get(name)
        raise NotImplementedError('a terminal needs a real engine')

    def exec_input(self, name, command, data):
        self._call('exec_input', name, tuple(command), data)
        self._get(name)
        return self.exec_result

    def logs_tail(self, name, max_bytes, max_lines):
        return self._get(name).logs[-max_bytes:]

    def stats(self, name):
        self._get(name)
        return engine.Stats(memory_used=3 * 1024 ** 2, cpu_times=(100, 200),
                            nics=(), disk_read=4096, disk_write=512)

    # --- images -----------------------------------------------------------

    def image_exists(self, reference):
        return reference in self.tags

    def image_references(self):
        return list(self.tags)

    def image(self, reference):
        if reference not in self.tags:
            return None
        image_id = self.tags[reference]
        labels, healthcheck = self.image_labels.get(image_id, ({}, None))
        return engine.Image(reference=reference, id=image_id,
                            labels=dict(labels), healthcheck=healthcheck,
                            tagged_at='2026-11-30T10:00:00Z')

    def tag(self, image, reference):
        self._call('tag', image, reference)
        self.tags[reference] = self.tags.get(image, image)

    def remove_image(self, reference, untag=False):
        self._call('remove_image', reference, untag)
        return self.tags.pop(reference, None) is not None

    def pull(self, reference):
        self._call('pull', reference)
        if reference not in self.registry:
            raise exception.EngineError(operation='pulling %s' % reference,
                                        reason='manifest unknown')
        self.tags[reference] = self.registry[reference]

    def push(self, reference):
        """The registry then answers both the tag and its digest."""
        self._call('push', reference)
        image_id = self.tags[reference]
        digest = _digest(image_id)
        self.registry[reference] = image_id
        self.registry['%s@%s' % (engine.split_reference(reference)[0],
                                 digest)] = image_id
        return digest

    def registry_digest(self, reference):
        image_id = self.registry.get(reference)
        return image_id and _digest(image_id)

    def load(self, chunks):
        """Loads one nameless image (the driver strips the names): the
        engine reports it by id."""
        data = b''.join(chunks)
        self._call('load', len(data))
        return ['sha256:' + hashlib.sha256(data).hexdigest()]

    def import_rootfs(self, data, repository, tag, changes):
        self._call('import_rootfs', repository, tag)
        self.add_image('%s:%s' % (repository, tag))

    def storage_quota_refusal(self):
        return self.quota_refusal

    def save(self, reference):
        self._call('save', reference)
        return iter([self.tags[reference].encode()])

    def commit(self, name, reference, pause=True):
        self._call('commit', name, reference, pause)
        self._get(name)
        return self.add_image(reference)
