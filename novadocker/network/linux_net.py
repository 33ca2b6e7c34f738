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

"""Root-only netlink work, through pyroute2, run by the privsep daemon.

Every entrypoint takes plain data (interfaces as dicts) because its
arguments cross the privsep channel, and checks it first (``checks``): the
daemon acts only on the driver's own names and namespace holders.
"""

import ctypes
import fcntl
import os
import socket
import struct

from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import excutils
from pyroute2 import IPRoute
from pyroute2.netlink import NETLINK_ROUTE
from pyroute2 import NetlinkError

from novadocker import libc
from novadocker.network import checks
from novadocker.network import privsep
from novadocker import rollback

LOG = logging.getLogger(__name__)

# The kernel's IFA_F_NODAD: Neutron already guarantees a fixed IP is
# unique, and duplicate address detection would hold IPv6 addresses back
# for seconds after boot.
IFA_F_NODAD = 0x02
ENODEV = 19
EEXIST = 17
PRESENT, CREATED = 'present', 'created'
CLONE_NEWNET = 0x40000000
SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17


def _setns(namespace, what):
    libc.call('setns', namespace.fileno(), CLONE_NEWNET,
              what='setns into the network namespace of %s' % what)


def _socket_in(pid, family, kind, proto=0):
    """A socket in the network namespace of process ``pid``.

    A socket keeps the namespace it was made in. So this thread enters the
    namespace just long enough to make one and comes straight back:
    nothing can run in between, not even another green thread, and the
    rest of the process (its iptables calls included) stays where it was.
    pyroute2's own NetNS forks a child for this instead, which is slow and
    unreliable in a busy threaded process.
    """
    with open('/proc/thread-self/ns/net') as own, \
            open('/proc/%d/ns/net' % pid) as target:
        _setns(target, 'pid %d' % pid)
        try:
            return socket.socket(family, kind, proto)
        finally:
            _return_home(own)


def _return_home(own):
    """Back to the host's namespace, or end the process: a root thread
    left in a container's namespace would do the host's next privileged
    work there."""
    try:
        _setns(own, 'this thread')
    except OSError as e:
        LOG.critical('Aborting: %s', e)
        os.abort()


def _netns(pid):
    """An IPRoute working in the network namespace of process ``pid``."""
    made = _socket_in(pid, socket.AF_NETLINK, socket.SOCK_DGRAM,
                      NETLINK_ROUTE)
    # Under eventlet, a green socket dropped right after detach() reports
    # -1: keep it referenced until IPRoute owns the descriptor.
    fileno = made.detach()
    return IPRoute(fileno=fileno)


def _tx_checksum_off(pid, name):
    """Make interface ``name`` in ``pid``'s namespace checksum in software.

    Open vSwitch's userspace datapath reads frames off the veth before any
    checksum offloaded to it is filled in: TCP would never connect.
    """
    value = ctypes.create_string_buffer(struct.pack('II', ETHTOOL_STXCSUM,
                                                    0))
    request = struct.pack('16sP', name.encode(), ctypes.addressof(value))
    with _socket_in(pid, socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock.fileno(), SIOCETHTOOL, request)


def _index(ipr, name):
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def _has_address(ipr, mac):
    return any((link.get_attr('IFLA_ADDRESS') or '').lower() == mac.lower()
               for link in ipr.get_links())


@privsep.net_admin.entrypoint
def plug_veth(pid, interface, bridge):
    """Give the namespace of process ``pid`` the port ``interface``.

    Makes the veth pair, moves its peer into the namespace with the port's
    name, MAC, MTU, addresses and routes, and attaches the host end to
    ``bridge`` if one is given (creating the bridge if
    ``interface['create_bridge']``).
    Idempotent: a port already plugged there is left alone, whatever its
    name inside (after a detach, the ports after it keep theirs). Returns
    PRESENT or CREATED.
    """
    pid, interface = checks.holder_pid(pid), checks.interface(interface)
    if bridge is not None:
        bridge = checks.bridge(bridge)
    with _netns(pid) as ns:
        inside = _has_address(ns, interface['mac'])
    with IPRoute() as ipr:
        host_end = _index(ipr, interface['host_name'])
        # The pair dies whole: the port's MAC inside and its host end
        # outside are the port, plugged.
        if inside and host_end is not None:
            return PRESENT
        if host_end is not None:
            # Left by a namespace that is gone: its peer went with it.
            ipr.link('del', index=host_end)
        ipr.link('add', ifname=interface['host_name'], kind='veth',
                 peer={'ifname': interface['peer_name']})
        try:
            _attach_host_end(ipr, interface, bridge)
            peer = _index(ipr, interface['peer_name'])
            ipr.link('set', index=peer, net_ns_pid=pid)
            _configure_peer(pid, interface)
        except Exception:
            # The plug's own error is the one to report.
            with excutils.save_and_reraise_exception():
                rollback.undo(None, 'removing %s' % interface['host_name'],
                              ipr.link, 'del', ifname=interface['host_name'])
    return CREATED


def _attach_host_end(ipr, interface, bridge):
    host = _index(ipr, interface['host_name'])
    settings = {'state': 'up'}
    if interface['mtu']:
        settings['mtu'] = interface['mtu']
    if bridge is not None:
        settings['master'] = _bridge_index(ipr, bridge,
                                           interface['create_bridge'])
    ipr.link('set', index=host, **settings)


def _bridge_index(ipr, bridge, create):
    bridge_index = _index(ipr, bridge)
    if bridge_index is None:
        if not create:
            raise ValueError('bridge %s does not exist' % bridge)
        try:
            ipr.link('add', ifname=bridge, kind='bridge')
        except NetlinkError as e:
            if e.code != EEXIST:  # another plug made it meanwhile
                raise
        bridge_index = _index(ipr, bridge)
        ipr.link('set', index=bridge_index, state='up')
    return bridge_index


def _configure_peer(pid, interface):
    with _netns(pid) as ns:
        index = _index(ns, interface['peer_name'])
        settings = {'ifname': interface['name'], 'address': interface['mac']}
        if interface['mtu']:
            settings['mtu'] = interface['mtu']
        ns.link('set', index=index, **settings)
        for address, prefix in interface['addresses']:
            ns.addr('add', index=index, address=address, prefixlen=prefix,
                    flags=IFA_F_NODAD if ':' in address else 0)
        ns.link('set', index=index, state='up')
        if interface['software_checksums']:
            _tx_checksum_off(pid, interface['name'])
        for destination, gateway in interface['routes']:
            ipv6 = ':' in gateway
            if destination == 'default':
                destination = '::/0' if ipv6 else '0.0.0.0/0'
            # Through this port's interface: another port on the same
            # subnet must not carry it, and a link-local gateway needs it.
            ns.route('add', dst=destination, gateway=gateway, oif=index,
                     family=socket.AF_INET6 if ipv6 else socket.AF_INET,
                     priority=interface['metric'])


@privsep.net_admin.entrypoint
def interface_names(pid):
    """Names of the interfaces in the network namespace of ``pid``."""
    with _netns(checks.holder_pid(pid)) as ns:
        return [link.get_attr('IFLA_IFNAME') for link in ns.get_links()]


@privsep.net_admin.entrypoint
def delete_link(name):
    """Delete a port's host end (and its peer); gone is fine."""
    return _delete_link(checks.host_end(name))


def _delete_link(name):
    with IPRoute() as ipr:
        try:
            ipr.link('del', ifname=name)
        except NetlinkError as e:
            if e.code != ENODEV:
                raise
            return False
    return True


@privsep.net_admin.entrypoint
def remove_ovs_ports(instance_uuid):
    """Remove what os-vif's ovs plugin made for an instance whose ports
    cannot be unplugged the usual way (their namespace is already gone):
    the OVS ports carrying its ``vm-uuid`` and, with hybrid plug, their
    per-port bridge and veth pair. Returns the OVS ports removed.
    """
    found = processutils.execute(
        'ovs-vsctl', '--timeout=10', '--columns=name', '--format=csv',
        '--data=bare', '--no-headings', 'find', 'Interface',
        'external_ids:vm-uuid=%s' % checks.instance_uuid(instance_uuid))[0]
    names = found.split()
    for name in names:
        processutils.execute('ovs-vsctl', '--timeout=10', '--if-exists',
                             'del-port', name)
        if name.startswith('qvo'):
            for prefix in ('qvb', 'qbr'):
                _delete_link(checks.hybrid_device(prefix + name[3:]))
    return names


@privsep.net_admin.entrypoint
def allow_bridged_traffic(bridge):
    """Let traffic between the ports of ``bridge`` through the host.

    dockerd makes bridged frames pass iptables (br_netfilter) and sets the
    FORWARD policy to DROP. The rule goes at the end of FORWARD, so it only
    decides what nothing before it did: Neutron's security group chains,
    which its agents put at the top, still filter first. It matches only
    frames that enter and leave through ``bridge`` (an iptables interface
    pattern: ``qbr+`` covers every per-port bridge of hybrid plug).
    """
    bridge = checks.bridge(bridge)
    rule = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT']
    for command in ('iptables', 'ip6tables'):
        try:
            processutils.execute(command, '-w', '-C', *rule)
        except processutils.ProcessExecutionError:
            processutils.execute(command, '-w', '-A', *rule)
            LOG.info('%s: allowed traffic between ports of bridge %s',
                     command, bridge)
