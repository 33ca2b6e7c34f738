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

"""What the privileged network plumbing accepts, checked on its side.

The privsep daemon runs as root with network administration rights; the
process that talks to it does not. Every entrypoint therefore checks its
arguments as if they came from an attacker who took over nova-compute:
only interface names of the shapes the driver makes, only well-formed
addresses, only namespaces of the driver's own namespace holders.
"""

import ipaddress
import os
import re
import time

from novadocker import spec

# Linux caps interface names at 15 characters; the first character must
# not be a dash, or iptables would read the name as an option.
_IFNAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$')
# The host end of a port: nova's devname (tap + port id prefix).
_HOST_END = re.compile(r'^tap[0-9a-f-]{1,12}$')
# Its peer until renamed inside the namespace: ns + port id prefix.
_PEER = re.compile(r'^ns[0-9a-f-]{1,13}$')
_INSIDE = re.compile(r'^eth[0-9]{1,4}$')
_MAC = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}$')
# What os-vif's ovs plugin makes for a port with hybrid plug.
_HYBRID = re.compile(r'^(qbr|qvb|qvo)[0-9a-f-]{1,11}$')
# iptables' wildcard of os-vif's per-port bridges (hybrid plug).
HYBRID_BRIDGES = 'qbr+'
MAX_METRIC = 2 ** 32 - 1


class Refused(ValueError):
    """An argument the privileged side will not act on."""


def _match(pattern, value, what):
    if not isinstance(value, str) or not pattern.match(value):
        raise Refused('%s %r is not one the driver makes' % (what, value))
    return value


def host_end(name):
    return _match(_HOST_END, name, 'host interface name')


def instance_uuid(value):
    return _match(_UUID, value, 'instance uuid')


def hybrid_device(name):
    return _match(_HYBRID, name, 'hybrid plug device')


def bridge(name):
    """A bridge a port may join or whose traffic may pass."""
    if name == HYBRID_BRIDGES:
        return name
    return _match(_IFNAME, name, 'bridge name')


def _ip(value, what):
    try:
        return str(ipaddress.ip_address(value))
    except (TypeError, ValueError):
        raise Refused('%s %r is not an IP address' % (what, value))


def _route(destination, gateway):
    if destination != 'default':
        try:
            destination = str(ipaddress.ip_network(destination))
        except (TypeError, ValueError):
            raise Refused('route destination %r is not a network'
                          % (destination,))
    return destination, _ip(gateway, 'gateway')


def _address(address, prefix):
    address = _ip(address, 'address')
    limit = 128 if ':' in address else 32
    if not isinstance(prefix, int) or not 0 <= prefix <= limit:
        raise Refused('prefix length %r is out of range' % (prefix,))
    return address, prefix


def _int_in(value, low, high, what):
    if isinstance(value, bool) or not isinstance(value, int) or not (
            low <= value <= high):
        raise Refused('%s %r is out of range' % (what, value))
    return value


def interface(values):
    """A checked copy of a port's interface, with nothing else in it."""
    mtu = values['mtu']
    return {
        'host_name': host_end(values['host_name']),
        'peer_name': _match(_PEER, values['peer_name'], 'peer name'),
        'name': _match(_INSIDE, values['name'], 'interface name'),
        'mac': _match(_MAC, str(values['mac']).lower(), 'MAC address'),
        'mtu': None if mtu is None else _int_in(mtu, 68, 65535, 'MTU'),
        'addresses': [_address(*pair) for pair in values['addresses']],
        'routes': [_route(*pair) for pair in values['routes']],
        'metric': _int_in(values['metric'], 0, MAX_METRIC, 'route metric'),
        'create_bridge': bool(values['create_bridge']),
        'software_checksums': bool(values['software_checksums']),
    }


def holder_pid(pid, proc='/proc', patience=2.0):
    """``pid``, if it is a namespace holder's: the driver's holder command,
    in a network namespace other than this process's own.

    A container's first process runs the runtime's own init until it
    execs the container's command, a moment after the engine says the
    container started: a pid is given ``patience`` seconds to become a
    holder before it is refused.
    """
    _int_in(pid, 2, 2 ** 22, 'pid')
    wanted = [part.encode() for part in spec.NETNS_HOLDER_COMMAND]
    deadline = time.monotonic() + patience
    while True:
        try:
            with open('%s/%d/cmdline' % (proc, pid), 'rb') as f:
                command = f.read().split(b'\0')[:-1]
            theirs = os.stat('%s/%d/ns/net' % (proc, pid)).st_ino
            ours = os.stat('%s/self/ns/net' % proc).st_ino
        except OSError as e:
            raise Refused('process %d cannot be inspected: %s' % (pid, e))
        if command == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if command != wanted:
        raise Refused('process %d is not a namespace holder' % pid)
    if theirs == ours:
        raise Refused('process %d shares this host\'s network namespace'
                      % pid)
    return pid
