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

import testtools

from novadocker import powerstate
from novadocker import spec
from tests import fake_engine


class Engine(fake_engine.FakeEngine):

    def add(self, uuid, state, host='host-a'):
        self.put_container(spec.container_name(uuid), {
            spec.LABEL_UUID: uuid, spec.LABEL_HOST: host}, status=state)

    def reads(self):
        return [call[0] for call in self.calls]


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


class PowerStateCacheTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = Engine()
        self.clock = Clock()
        self.cache = powerstate.PowerStateCache(self.engine, 'host-a',
                                                max_age=5, clock=self.clock)

    def test_a_pass_over_many_instances_lists_once(self):
        for i in range(200):
            self.engine.add('uuid-%d' % i, 'running')
        states = [self.cache.state('uuid-%d' % i) for i in range(200)]
        self.assertEqual(['running'] * 200, states)
        self.assertEqual(['containers'], self.engine.reads())

    def test_old_listing_is_refreshed(self):
        self.engine.add('u1', 'running')
        self.cache.state('u1')
        self.engine.add('u1', 'exited')
        self.clock.now = 6
        self.assertEqual('exited', self.cache.state('u1'))
        self.assertEqual(['containers', 'containers'], self.engine.reads())

    def test_instance_changed_by_driver_is_inspected_once(self):
        self.engine.add('u1', 'running')
        self.cache.state('u1')
        self.engine.add('u1', 'paused')
        self.cache.changed('u1')
        self.assertEqual('paused', self.cache.state('u1'))
        self.assertEqual('paused', self.cache.state('u1'))
        self.assertEqual(['containers', 'inspect'], self.engine.reads())

    def test_other_hosts_containers_are_invisible(self):
        self.engine.add('theirs', 'running', host='host-b')
        self.assertIsNone(self.cache.state('theirs'))
        self.assertIsNone(self.cache.state('theirs', fresh=True))

    def test_missing_container(self):
        self.assertIsNone(self.cache.state('gone', fresh=True))
