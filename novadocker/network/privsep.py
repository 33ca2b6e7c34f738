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

"""The privilege the driver's network plumbing runs with (oslo.privsep).

nova-compute starts the helper through its root helper (rootwrap or sudo)
with ``--privsep_context novadocker.network.privsep.net_admin``.
"""

from oslo_privsep import capabilities
from oslo_privsep import priv_context

# Links, addresses, routes and iptables rules (NET_ADMIN; NET_RAW for the
# legacy iptables backend's raw socket); entering a namespace holder's
# network namespace (setns needs SYS_ADMIN). Opening /proc/<pid>/ns/net
# needs no SYS_PTRACE: holders run with no capabilities at all, fewer than
# the daemon's.
CAPABILITIES = (capabilities.CAP_NET_ADMIN, capabilities.CAP_SYS_ADMIN,
                capabilities.CAP_NET_RAW)

net_admin = priv_context.PrivContext(
    'novadocker',
    cfg_section='novadocker_privileged',
    pypath=__name__ + '.net_admin',
    capabilities=list(CAPABILITIES),
)
