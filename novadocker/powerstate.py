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

"""Power states of a host's containers with one engine call per pass.

nova's power-state sync asks for every instance in turn; one container
listing answers a whole pass. An instance the driver has just acted on is
inspected on its own, so nova never reads a state older than its own last
operation.
"""

import threading
import time

from novadocker import exception
from novadocker import spec


class PowerStateCache:

    def __init__(self, engine, host, max_age=5.0, clock=time.monotonic):
        self._engine = engine
        self._host = host
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._states = {}
        self._listed_at = None
        # uuid -> generation; bumped by every change the driver makes.
        self._changed = {}

    def changed(self, instance_uuid):
        """Record that the driver has just changed this instance."""
        with self._lock:
            self._changed[instance_uuid] = \
                self._changed.get(instance_uuid, 0) + 1

    def state(self, instance_uuid, fresh=False):
        """The container's Docker state, or None if this host has none."""
        with self._lock:
            if not fresh and instance_uuid not in self._changed:
                if (self._listed_at is None or
                        self._clock() - self._listed_at > self._max_age):
                    self._refresh()
                return self._states.get(instance_uuid)
            generation = self._changed.get(instance_uuid)
        state = self._inspect(instance_uuid)
        with self._lock:
            if self._changed.get(instance_uuid) == generation:
                self._changed.pop(instance_uuid, None)
            self._states[instance_uuid] = state
        return state

    def _refresh(self):
        containers = self._engine.containers(spec.host_label_filter(
            self._host))
        self._states = {c.labels[spec.LABEL_UUID]: c.status
                        for c in containers if spec.is_instance_container(c)}
        self._listed_at = self._clock()

    def _inspect(self, instance_uuid):
        try:
            container = self._engine.inspect(
                spec.container_name(instance_uuid))
        except exception.ContainerNotFound:
            return None
        if container.labels.get(spec.LABEL_HOST) != self._host:
            return None
        return container.status
