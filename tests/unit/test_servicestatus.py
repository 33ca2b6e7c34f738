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

"""The compute service's enabled state following the engine, with nova's
Service lookup faked: no database.

tests/functional/test_hosts.py runs the same against nova's services.
"""

import fixtures
import oslo_messaging
import testtools

from nova import exception
from nova import objects

from novadocker import servicestatus

# nova.objects.Service exists once nova's objects are registered.
objects.register_all()

HOST = 'host-a'
LOST = 'Docker engine at unix:///run/docker.sock is unavailable: no socket'


class FakeService:
    """A compute service record: its state at each ``save``."""

    def __init__(self, disabled=False, disabled_reason=None):
        self.disabled = disabled
        self.disabled_reason = disabled_reason
        self.saved = []

    def save(self):
        self.saved.append((self.disabled, self.disabled_reason))


class ServiceStatusTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.service = FakeService()
        self.lookup = self.useFixture(fixtures.MockPatch(
            'nova.objects.Service.get_by_compute_host',
            side_effect=self._lookup)).mock
        self.unreachable = None
        self.logs = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.status = servicestatus.ServiceStatus(HOST)

    def _lookup(self, context, host):
        self.assertTrue(context.is_admin)
        if self.unreachable:
            raise self.unreachable
        if host != HOST or self.service is None:
            raise exception.ComputeHostNotFound(host=host)
        return self.service

    def test_a_lost_engine_disables_the_service_saying_why(self):
        self.status.engine_lost(LOST)
        self.assertEqual([(True, 'AUTO: ' + LOST)], self.service.saved)
        self.assertIn('Compute service of host-a disabled until the Docker '
                      'engine answers: ' + LOST, self.logs.output)

    def test_a_long_reason_is_cut_to_the_column(self):
        self.status.engine_lost('x' * 300)
        (_, reason), = self.service.saved
        self.assertEqual('AUTO: ' + 'x' * 249, reason)
        self.assertEqual(servicestatus.MAX_REASON, len(reason))

    def test_an_engine_that_answers_again_enables_the_service(self):
        self.status.engine_lost(LOST)
        self.status.engine_answers()
        self.assertEqual([(True, 'AUTO: ' + LOST), (False, None)],
                         self.service.saved)
        self.assertIn('The Docker engine answers again: compute service of '
                      'host-a enabled', self.logs.output)

    def test_a_restart_lifts_its_own_earlier_disable(self):
        self.service = FakeService(True, 'AUTO: ' + LOST)
        self.status.engine_answers()
        self.assertEqual([(False, None)], self.service.saved)

    def test_an_operators_disable_stays(self):
        for reason in ('maintenance', None, 'Auto-disabled due to 10 build '
                       'failures'):
            self.service = FakeService(True, reason)
            status = servicestatus.ServiceStatus(HOST)
            status.engine_lost(LOST)
            status.engine_answers()
            self.assertEqual([], self.service.saved, reason)
            self.assertEqual((True, reason), (self.service.disabled,
                                              self.service.disabled_reason))

    def test_an_enabled_service_whose_engine_answers_is_left_alone(self):
        self.status.engine_answers()
        self.assertEqual([], self.service.saved)
        self.assertEqual('', self.logs.output)

    def test_the_same_state_again_is_not_looked_up_or_saved(self):
        for _ in range(3):
            self.status.engine_lost(LOST)
        self.status.engine_answers()
        self.status.engine_answers()
        self.assertEqual(2, self.lookup.call_count)
        self.assertEqual(2, len(self.service.saved))

    def test_before_the_service_is_registered_nothing_is_said(self):
        # init_host runs before nova-compute creates its service record.
        self.service = None
        self.status.engine_lost(LOST)
        self.assertEqual('', self.logs.output)
        # Not recorded: the next report looks again, and finds it.
        self.service = FakeService()
        self.status.engine_lost(LOST)
        self.assertEqual([(True, 'AUTO: ' + LOST)], self.service.saved)

    def test_an_unreachable_database_is_said_once_and_retried(self):
        self.unreachable = oslo_messaging.MessagingTimeout('no conductor')
        for _ in range(3):
            self.status.engine_lost(LOST)
        self.assertEqual(3, self.lookup.call_count)
        self.assertEqual(
            ['Cannot update the compute service of host-a now that the '
             'Docker engine is lost (will retry): no conductor'],
            self.logs.output.splitlines())
        self.unreachable = None
        self.status.engine_lost(LOST)
        self.assertEqual([(True, 'AUTO: ' + LOST)], self.service.saved)
        # Reachable again: the next failure is news.
        self.unreachable = oslo_messaging.MessagingTimeout('no conductor')
        self.status.engine_answers()
        self.status.engine_answers()
        self.assertEqual(1, self.logs.output.count(
            'now that the Docker engine answers (will retry)'))

    def test_a_new_state_that_cannot_be_saved_is_said_too(self):
        self.unreachable = oslo_messaging.MessagingTimeout('no conductor')
        self.status.engine_lost(LOST)
        self.status.engine_answers()
        self.assertEqual(2, len(self.logs.output.splitlines()))
        self.assertIn('now that the Docker engine answers (will retry)',
                      self.logs.output)

    def test_an_outage_after_a_recovery_is_said_again(self):
        self.status.engine_answers()
        self.unreachable = oslo_messaging.MessagingTimeout('no conductor')
        self.status.engine_lost(LOST)
        # The engine is back before the lost state could be recorded.
        self.status.engine_answers()
        self.status.engine_lost(LOST)
        self.assertEqual(2, self.logs.output.count(
            'now that the Docker engine is lost (will retry)'))
