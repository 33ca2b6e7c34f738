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

"""A Linux host in memory, for the driver's network plumbing.

``FakeHost`` replaces what ``linux_net`` reaches outside Python: pyroute2's
IPRoute (links, addresses and routes, kept per network namespace), the
namespace holders' /proc entries, setns, the ethtool ioctl, iptables and
ovs-vsctl. The module's own logic runs unchanged, in this process: the
privsep context runs its entrypoints in-process and can start no daemon,
and any real pyroute2 socket fails the test, so nothing here needs root.

The fake kernel answers as Linux 6.18 does where the driver depends on
it (checked there): a veth pair goes as a whole, a device moved into a
namespace arrives down and bare, a route needs its gateway on a subnet of
an up device (a link-local one needs the device named) and is bound to
that device, and "File exists" / "No such device" where due.
"""

import ctypes
import dataclasses
import errno
import ipaddress
import itertools
import os
import re
import socket
import struct
import types

import fixtures
from oslo_concurrency import processutils
from pyroute2 import NetlinkError

from novadocker import libc
from novadocker.network import checks
from novadocker.network import privsep
from novadocker import spec

# The kernel's numbers, written out here rather than read from linux_net:
# a wrong constant there has to fail the tests.
CLONE_NEWNET = 0x40000000
SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17
IFA_F_NODAD = 0x02
_MAC = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')


class Aborted(BaseException):
    """os.abort(): no ``except Exception`` of the code may survive it."""


@dataclasses.dataclass(eq=False)
class Link:
    index: int
    ifname: str
    kind: str
    namespace: 'Namespace'
    address: str
    mtu: int = 1500
    up: bool = False
    master: int = None
    peer: 'Link' = None
    # (address, prefix length, flags), in the order they were added.
    addresses: list = dataclasses.field(default_factory=list)
    tx_checksumming: bool = True


@dataclasses.dataclass(frozen=True)
class Route:
    destination: str
    gateway: str
    priority: int
    device: str


class LinkMessage:
    """The little of pyroute2's link message the driver reads."""

    def __init__(self, link):
        self._attrs = {'IFLA_IFNAME': link.ifname,
                       'IFLA_ADDRESS': link.address}

    def get_attr(self, name):
        return self._attrs.get(name)


class Namespace:

    def __init__(self, name, macs):
        self.name = name
        self.links = {}
        self.routes = []
        self._macs = macs
        self.add('lo', 'loopback', up=True, address='00:00:00:00:00:00')

    def __repr__(self):
        return '<namespace %s>' % self.name

    def add(self, ifname, kind, index=None, **values):
        if self.find(ifname) is not None:
            raise NetlinkError(errno.EEXIST)
        if index is None or index in self.links:
            index = max(self.links, default=0) + 1
        values.setdefault('address', next(self._macs))
        link = Link(index=index, ifname=ifname, kind=kind, namespace=self,
                    **values)
        self.links[index] = link
        return link

    def find(self, ifname):
        for link in self.links.values():
            if link.ifname == ifname:
                return link
        return None

    def get(self, index):
        try:
            return self.links[index]
        except (KeyError, TypeError):
            raise NetlinkError(errno.ENODEV)

    def names(self):
        return sorted(link.ifname for link in self.links.values())

    def remove(self, link):
        """The kernel's unregistering of a device from this namespace:
        its routes go, and its bridge ports are set free."""
        del self.links[link.index]
        self.routes = [r for r in self.routes if r.device != link.ifname]
        for other in self.links.values():
            if other.master == link.index:
                other.master = None


class FakeIPRoute:
    """pyroute2's IPRoute, on the fake host: the namespace it works in is
    the one its socket was made in (``fileno``) or else the calling
    thread's."""

    def __init__(self, host, fileno=None):
        self._host = host
        self.namespace = (host.current if fileno is None
                          else host.netlink_namespace(fileno))
        self._fileno = fileno
        host.open_iproutes.add(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._host.open_iproutes.discard(self)
        if self._fileno is not None:
            self._host.fds.pop(self._fileno, None)

    def _check_open(self):
        """A descriptor closed under it fails every request."""
        if self._fileno is not None and self._fileno not in self._host.fds:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def link_lookup(self, ifname):
        self._check_open()
        link = self.namespace.find(ifname)
        return [] if link is None else [link.index]

    def get_links(self):
        self._check_open()
        return [LinkMessage(link) for link in self.namespace.links.values()]

    def link(self, command, **request):
        self._check_open()
        return self._host.request(self.namespace, 'link', command, request)

    def addr(self, command, **request):
        self._check_open()
        return self._host.request(self.namespace, 'addr', command, request)

    def route(self, command, **request):
        self._check_open()
        return self._host.request(self.namespace, 'route', command, request)


class FakeSocket:

    def __init__(self, host, family, kind, proto=0):
        self._host, self._fileno = host, -1
        host.before('socket', family)
        self.namespace, self.family = host.current, family
        self._fileno = host.new_fd(self.namespace, family)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def fileno(self):
        return self._fileno

    def detach(self):
        """The descriptor now belongs to whoever takes it (IPRoute)."""
        fileno, self._fileno = self._fileno, -1
        return fileno

    def close(self):
        self._host.fds.pop(self._fileno, None)

    # As a real socket object does: a descriptor not detached from it
    # closes when it goes.
    __del__ = close


def _module_like(module, **overrides):
    """A copy of ``module`` with ``overrides``, for linux_net's eyes only:
    the real module stays as it is for the rest of the process."""
    copy = types.ModuleType(module.__name__)
    copy.__dict__.update(vars(module))
    copy.__dict__.update(overrides)
    return copy


class FakeHost(fixtures.Fixture):
    """The host's namespace (``host``), with a NIC of its own called eth0
    as a trap for code looking in the wrong namespace; namespace holders
    come with ``spawn_holder``.

    ``requests`` lists every netlink request that may change something
    (lookups and dumps are not listed), as (namespace name, object,
    command, arguments); ``commands`` every command run; ``ioctls`` every
    (namespace name, device, ethtool command, value) done.
    """

    def _setUp(self):
        root = self.useFixture(fixtures.TempDir()).path
        self.proc = os.path.join(root, 'proc')
        self._ns_dir = os.path.join(root, 'ns')
        os.makedirs(os.path.join(self.proc, 'self', 'ns'))
        os.mkdir(self._ns_dir)
        self._macs = ('02:00:00:00:00:%02x' % n for n in itertools.count(1))
        self._by_inode, self._by_pid = {}, {}
        self._hooks = []
        self._fds = itertools.count(1000)
        self.fds, self.open_iproutes = {}, set()
        self.requests, self.commands, self.ioctls = [], [], []
        self.iptables = {'iptables': [], 'ip6tables': []}
        # OVS interface name -> its external_ids.
        self.ovs_ports = {}
        self.host = self._new_namespace('host')
        os.link(self._ns_file(self.host),
                os.path.join(self.proc, 'self', 'ns', 'net'))
        self.current = self.host
        eth0 = self.host.add('eth0', 'physical', up=True)
        eth0.addresses.append(('192.0.2.10', 24, 0))
        self._patch()

    def _patch(self):
        self.useFixture(fixtures.MockPatchObject(
            privsep.net_admin, 'client_mode', False))
        # Belt and braces: client mode back on anywhere would start a root
        # daemon through sudo.
        self.useFixture(fixtures.MockPatchObject(
            privsep.net_admin, 'start',
            side_effect=AssertionError('a privsep daemon was started')))
        self.useFixture(fixtures.MonkeyPatch(
            'pyroute2.netlink.core.AsyncCoreSocket.__init__',
            _no_real_netlink))
        # holder_pid itself runs, on this host's /proc.
        real_holder_pid = checks.holder_pid
        self.useFixture(fixtures.MonkeyPatch(
            'novadocker.network.checks.holder_pid',
            lambda pid: real_holder_pid(pid, proc=self.proc, patience=0)))
        for name, value in [
                ('IPRoute', lambda fileno=None: FakeIPRoute(self, fileno)),
                ('open', self._open),
                ('libc', _module_like(libc, call=self._libc_call)),
                ('socket', _module_like(
                    socket, socket=lambda *args: FakeSocket(self, *args))),
                ('fcntl', types.SimpleNamespace(ioctl=self._ioctl)),
                ('os', _module_like(os, abort=self._abort)),
                ('processutils', _module_like(processutils,
                                              execute=self._execute))]:
            self.useFixture(fixtures.MonkeyPatch(
                'novadocker.network.linux_net.' + name, value))

    # --- namespaces and their holders ---

    def _new_namespace(self, name):
        namespace = Namespace(name, self._macs)
        path = self._ns_file(namespace)
        open(path, 'w').close()
        self._by_inode[os.stat(path).st_ino] = namespace
        return namespace

    def _ns_file(self, namespace):
        return os.path.join(self._ns_dir, namespace.name)

    def spawn(self, pid, command, namespace):
        """Process ``pid`` running ``command`` in ``namespace``."""
        directory = os.path.join(self.proc, str(pid))
        os.makedirs(os.path.join(directory, 'ns'))
        with open(os.path.join(directory, 'cmdline'), 'wb') as f:
            f.write(b''.join(part.encode() + b'\0' for part in command))
        os.link(self._ns_file(namespace),
                os.path.join(directory, 'ns', 'net'))
        self._by_pid[pid] = namespace

    def spawn_holder(self, pid):
        """A namespace holder with a new namespace; returns the latter."""
        namespace = self._new_namespace('holder-%d' % pid)
        self.spawn(pid, spec.NETNS_HOLDER_COMMAND, namespace)
        return namespace

    def kill(self, pid):
        """The holder goes, and its namespace with every device in it: a
        veth pair goes as a whole, its host end included."""
        namespace = self._by_pid.pop(pid)
        for name in ('cmdline', 'ns/net'):
            os.unlink(os.path.join(self.proc, str(pid), name))
        for link in list(namespace.links.values()):
            self._delete(link)

    def link(self, command, **request):
        """A link request on the host's namespace by another than
        linux_net (an earlier plug, os-vif): not listed in ``requests``."""
        getattr(self, '_link_' + command)(self.host, **request)
        return self.host.find(request.get('ifname'))

    # --- what linux_net calls besides IPRoute ---

    def before(self, operation, *target):
        """Run the first hook registered for this operation and target."""
        for hook in self._hooks:
            if hook[0] == operation and hook[1](*target):
                self._hooks.remove(hook)
                hook[2]()
                return

    def intercept(self, action, operation, *target, **arguments):
        """Run ``action`` before the next matching ``operation``; it may
        raise to fail the operation. Operations and their targets:

        - 'netlink', (object, command), e.g. ('link', 'add'): a request
          whose arguments include ``arguments``;
        - 'setns', (namespace name,): entering that namespace;
        - 'execute', (first words of the command,);
        - 'socket' and 'ioctl': the next one.
        """
        def matches(*actual):
            if operation == 'netlink':
                _, what, command, request = actual
                return (what, command) == target and all(
                    key in request and request[key] == value
                    for key, value in arguments.items())
            if operation == 'setns':
                return actual[0].name == target[0]
            if operation == 'execute':
                return actual[0][:len(target)] == target
            return True
        self._hooks.append((operation, matches, action))

    def fail(self, error, operation, *target, **arguments):
        """Make the next matching operation (see ``intercept``) raise
        ``error``."""
        def raise_it():
            raise error
        self.intercept(raise_it, operation, *target, **arguments)

    def unsettled(self):
        """What no finished call may leave behind: open descriptors or
        IPRoutes, or this thread in another namespace than the host's."""
        found = ['fd %d' % fileno for fileno in self.fds]
        found += ['an IPRoute in %s' % ipr.namespace.name
                  for ipr in self.open_iproutes]
        if self.current is not self.host:
            found.append('the thread in %s' % self.current.name)
        return found

    def _open(self, path, *args, **kwargs):
        relative = os.path.relpath(path, '/proc')
        if relative == 'thread-self/ns/net':
            return open(self._ns_file(self.current), *args, **kwargs)
        if relative.startswith('..'):
            raise AssertionError('linux_net opened %s' % path)
        return open(os.path.join(self.proc, relative), *args, **kwargs)

    def _libc_call(self, function, *args, what):
        if function != 'setns':
            raise AssertionError('libc.%s called' % function)
        fileno, nstype = args
        namespace = self._by_inode.get(os.fstat(fileno).st_ino)
        try:
            if nstype != CLONE_NEWNET or namespace is None:
                raise OSError(errno.EINVAL, 'not a network namespace')
            self.before('setns', namespace)
        except OSError as e:
            # As libc.call words it.
            raise OSError(e.errno, '%s: %s' % (what, os.strerror(e.errno)))
        self.current = namespace

    def new_fd(self, namespace, family):
        """A descriptor of a socket: the kernel's, not the socket
        object's, which may go while the descriptor stays open."""
        fileno = next(self._fds)
        self.fds[fileno] = (namespace, family)
        return fileno

    def netlink_namespace(self, fileno):
        namespace, family = self.fds.get(fileno, (None, None))
        if family != socket.AF_NETLINK:
            raise AssertionError('IPRoute given fileno %r' % fileno)
        return namespace

    def _ioctl(self, fileno, request, argument):
        self.before('ioctl', fileno)
        if fileno not in self.fds:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        namespace = self.fds[fileno][0]
        if request != SIOCETHTOOL:
            raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))
        name, pointer = struct.unpack('16sP', argument)
        command, value = struct.unpack('II', ctypes.string_at(pointer, 8))
        link = namespace.find(name.rstrip(b'\0').decode())
        if link is None:
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))
        if command != ETHTOOL_STXCSUM:
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))
        link.tx_checksumming = bool(value)
        self.ioctls.append((namespace.name, link.ifname, command, value))
        return argument

    def _abort(self):
        raise Aborted()

    # --- netlink ---

    def request(self, namespace, what, command, request):
        self.requests.append((namespace.name, what, command, dict(request)))
        self.before('netlink', namespace, what, command, request)
        handler = getattr(self, '_%s_%s' % (what, command), None)
        if handler is None:
            raise AssertionError('the fake kernel has no %s %s'
                                 % (what, command))
        return handler(namespace, **request)

    def _link_add(self, namespace, ifname, kind, peer=None):
        if kind == 'veth':
            if namespace.find(peer['ifname']) is not None:
                raise NetlinkError(errno.EEXIST)
            end = namespace.add(ifname, kind)
            end.peer = namespace.add(peer['ifname'], kind, peer=end)
        elif kind == 'bridge' and peer is None:
            namespace.add(ifname, kind)
        else:
            raise AssertionError('the fake kernel makes no %s' % kind)

    def _link_del(self, namespace, index=None, ifname=None):
        link = (namespace.get(index) if ifname is None
                else namespace.find(ifname))
        if link is None:
            raise NetlinkError(errno.ENODEV)
        self._delete(link)

    def _delete(self, link):
        link.namespace.remove(link)
        if link.peer is not None:
            link.peer.namespace.remove(link.peer)

    def _link_set(self, namespace, index, net_ns_pid=None, address=None,
                  mtu=None, ifname=None, master=None, state=None):
        # In the order the kernel applies them (do_setlink).
        link = namespace.get(index)
        if net_ns_pid is not None:
            self._move(link, net_ns_pid)
        if address is not None:
            if not _MAC.match(address):
                raise NetlinkError(errno.EINVAL)
            link.address = address
        if mtu is not None:
            if not 68 <= mtu <= 65535:
                raise NetlinkError(errno.EINVAL)
            link.mtu = mtu
        if ifname is not None:
            if link.namespace.find(ifname) not in (None, link):
                raise NetlinkError(errno.EEXIST)
            link.ifname = ifname
        if master is not None:
            bridge = link.namespace.get(master)
            if bridge.kind != 'bridge' or bridge is link:
                raise NetlinkError(errno.EOPNOTSUPP)
            link.master = master
        if state is not None:
            link.up = {'up': True, 'down': False}[state]

    def _move(self, link, pid):
        target = self._by_pid.get(pid)
        if target is None:
            raise NetlinkError(errno.ESRCH)
        if target.find(link.ifname) is not None:
            raise NetlinkError(errno.EEXIST)
        # Arrives down, out of its bridge, without addresses or routes;
        # it keeps its index if that is free there.
        link.namespace.remove(link)
        link.up, link.master, link.addresses = False, None, []
        link.index = (link.index if link.index not in target.links
                      else max(target.links) + 1)
        link.namespace = target
        target.links[link.index] = link

    def _addr_add(self, namespace, index, address, prefixlen, flags=0):
        link = namespace.get(index)
        if (address, prefixlen) in [a[:2] for a in link.addresses]:
            raise NetlinkError(errno.EEXIST)
        link.addresses.append((address, prefixlen, flags))

    def _route_add(self, namespace, dst, gateway, family, priority=0,
                   oif=None):
        destination = ipaddress.ip_network(dst)
        via = ipaddress.ip_address(gateway)
        wanted = {4: socket.AF_INET, 6: socket.AF_INET6}[via.version]
        if destination.version != via.version or family != wanted:
            raise NetlinkError(errno.EINVAL)
        if any((r.destination, r.priority) == (str(destination), priority)
               for r in namespace.routes):
            raise NetlinkError(errno.EEXIST)
        # The device is the one asked for, or else the first up one with
        # the gateway on a subnet of its addresses.
        if via.is_link_local and oif is None:
            raise NetlinkError(errno.EINVAL, 'Egress device not specified')
        candidates = [link for link in namespace.links.values()
                      if link.up and (oif is None or link.index == oif)]
        device = next((link for link in candidates
                       if via.is_link_local or any(
                           via in ipaddress.ip_network(
                               '%s/%d' % (address, prefix), strict=False)
                           for address, prefix, _ in link.addresses)), None)
        if device is None:
            raise NetlinkError(errno.EINVAL, 'Nexthop has invalid gateway')
        namespace.routes.append(Route(str(destination), gateway, priority,
                                      device.ifname))

    # --- iptables and ovs-vsctl ---

    def _execute(self, *command, **kwargs):
        self.before('execute', command)
        self.commands.append(command)
        if command[0] in self.iptables and command[1:2] == ('-w',):
            return self._iptables(command[0], command[2], list(command[3:]))
        if command[:2] == ('ovs-vsctl', '--timeout=10'):
            return self._ovs_vsctl(list(command[2:]))
        raise AssertionError('unexpected command %r' % (command,))

    def _iptables(self, program, action, rule):
        rules = self.iptables[program]
        if action == '-A':
            rules.append(rule)
        elif action != '-C' or rule not in rules:
            raise processutils.ProcessExecutionError(
                exit_code=1, cmd=program,
                stderr='Bad rule (does a matching rule exist in that '
                       'chain?).')
        return '', ''

    def _ovs_vsctl(self, args):
        if args[:4] == ['--columns=name', '--format=csv', '--data=bare',
                        '--no-headings'] and args[4:6] == ['find',
                                                           'Interface']:
            key, _, value = args[6].partition('=')
            column, _, field = key.partition(':')
            assert column == 'external_ids' and len(args) == 7, args
            return ''.join(name + '\n' for name, ids in self.ovs_ports.items()
                           if ids.get(field) == value), ''
        if args[:2] == ['--if-exists', 'del-port'] and len(args) == 3:
            self.ovs_ports.pop(args[2], None)
            return '', ''
        raise AssertionError('unexpected ovs-vsctl %r' % (args,))


def _no_real_netlink(*args, **kwargs):
    raise AssertionError('a real netlink socket was opened')
