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

"""Undoing what a failed operation made.

A rollback runs after the operation's own error, which is the one nova
reports: a step of it that fails must neither hide that error nor stop the
other steps, and an operator must learn what it left behind.
"""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def undo(instance, what, func, *args, **kwargs):
    """Run one step of a rollback, ``func(*args, **kwargs)``, described by
    ``what`` (e.g. "removing its container"). A step that fails is logged
    with ``instance`` (None off the compute service's threads, e.g. in the
    privsep daemon) and the caller goes on."""
    try:
        func(*args, **kwargs)
    except Exception as e:
        LOG.error('Could not undo a failed operation: %(what)s failed: '
                  '%(error)s', {'what': what, 'error': e}, instance=instance)
