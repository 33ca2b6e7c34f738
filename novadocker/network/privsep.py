"""The privilege the driver's network plumbing runs with (oslo.privsep).

nova-compute starts the helper through its root helper (rootwrap or sudo)
with ``--privsep_context novadocker.network.privsep.net_admin``.
"""

from oslo_privsep import capabilities
from oslo_privsep import priv_context

net_admin = priv_context.PrivContext(
    'novadocker',
    cfg_section='novadocker_privileged',
    pypath=__name__ + '.net_admin',
    # Links and addresses; entering another process's network namespace
    # (setns needs SYS_ADMIN, opening /proc/<pid>/ns/net SYS_PTRACE);
    # iptables.
    capabilities=[capabilities.CAP_NET_ADMIN,
                  capabilities.CAP_SYS_ADMIN,
                  capabilities.CAP_SYS_PTRACE,
                  capabilities.CAP_NET_RAW],
)
