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

"""The compute service's enabled state, following the Docker engine.

While the engine does not answer, every boot scheduled to the host would
fail and be retried elsewhere until nova gives up with "Exceeded maximum
number of retries". Disabling the host's compute service instead tells the
scheduler to skip it and tells operators why (``openstack compute service
list --long``), as nova's libvirt driver does when it loses libvirt.
"""

from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

# nova's convention: a reason with this prefix marks a service the driver
# disabled and may enable again; a service an operator disabled stays so.
AUTO_PREFIX = 'AUTO: '
# The width of nova's services.disabled_reason column.
MAX_REASON = 255


class ServiceStatus:

    def __init__(self, host):
        self._host = host
        # None until known: the first report always reaches the service.
        self._engine_answers = None
        # The state last reported in vain: said once, retried every time.
        self._unrecorded = None

    def engine_answers(self):
        self._report(True, None)

    def engine_lost(self, reason):
        self._report(False, reason)

    def _report(self, answers, reason):
        if answers == self._engine_answers:
            # Back to what the service records: a later change that cannot
            # be recorded is worth a warning again.
            self._unrecorded = None
            return
        try:
            self._apply(objects.Service.get_by_compute_host(
                nova_context.get_admin_context(), self._host),
                answers, reason)
        except exception.ComputeHostNotFound:
            # First start: the service is registered after init_host.
            return
        except Exception as e:
            if self._unrecorded != answers:
                LOG.warning('Cannot update the compute service of %(host)s '
                            'now that the Docker engine %(state)s (will '
                            'retry): %(error)s',
                            {'host': self._host, 'error': e, 'state':
                             'answers' if answers else 'is lost'})
            self._unrecorded = answers
            return
        self._engine_answers, self._unrecorded = answers, None

    def _apply(self, service, answers, reason):
        automatic = (service.disabled_reason or '').startswith(AUTO_PREFIX)
        if answers and service.disabled and automatic:
            service.disabled, service.disabled_reason = False, None
            service.save()
            LOG.info('The Docker engine answers again: compute service of '
                     '%s enabled', self._host)
        elif not answers and not service.disabled:
            service.disabled = True
            service.disabled_reason = (AUTO_PREFIX + reason)[:MAX_REASON]
            service.save()
            LOG.error('Compute service of %(host)s disabled until the '
                      'Docker engine answers: %(reason)s',
                      {'host': self._host, 'reason': reason})
