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

"""The privileged netlink work, on a fake host (``netlink_fakes``)."""

import dataclasses
import errno
import logging
import os
from unittest import mock

import fixtures
from oslo_concurrency import processutils
from oslo_privsep import capabilities
from oslo_utils import importutils
import pyroute2
from pyroute2 import NetlinkError
import testtools

from novadocker.network import checks
from novadocker.network import linux_net
from novadocker.network import privsep
from novadocker import spec
from tests.unit import fakes
from tests.unit import netlink_fakes
from tests.unit.netlink_fakes import Route

PORT = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'
TAP, PEER = 'tap3f2a1b4c-5d', 'ns3f2a1b4c-5d6e'
HOLDER = 4242
INSTANCE = '6d9c1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f'


def interface(**changes):
    """The port as plug_veth gets it: IPv4 and IPv6, and a host route."""
    values = dataclasses.asdict(spec.interfaces([fakes.vif(
        port_id=PORT, mtu=1450,
        subnets=(('10.20.0.0/24', ['10.20.0.5'], '10.20.0.1'),
                 ('fd00:20::/64', ['fd00:20::5'], 'fd00:20::1')),
        routes=(('10.30.0.0/16', '10.20.0.254'),))])[0])
    values.update(changes)
    return values


class LinuxNetTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.host = self.useFixture(netlink_fakes.FakeHost())
        self.holder = self.host.spawn_holder(HOLDER)
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))

    def assertSettled(self):
        self.assertEqual([], self.host.unsettled())


class PlugVethTest(LinuxNetTestCase):

    def test_port_lands_in_the_namespace_as_neutron_describes_it(self):
        self.assertEqual(linux_net.CREATED,
                         linux_net.plug_veth(HOLDER, interface(), 'brq-test'))

        self.assertEqual(['eth0', 'lo'], self.holder.names())
        eth0 = self.holder.find('eth0')
        self.assertEqual(('fa:16:3e:00:00:01', 1450, True),
                         (eth0.address, eth0.mtu, eth0.up))
        # No duplicate address detection for IPv6: Neutron made it unique.
        self.assertEqual([('10.20.0.5', 24, 0),
                          ('fd00:20::5', 64, netlink_fakes.IFA_F_NODAD)],
                         eth0.addresses)
        self.assertEqual([Route('0.0.0.0/0', '10.20.0.1', 0, 'eth0'),
                          Route('10.30.0.0/16', '10.20.0.254', 0, 'eth0'),
                          Route('::/0', 'fd00:20::1', 0, 'eth0')],
                         self.holder.routes)
        self.assertTrue(eth0.tx_checksumming)

        tap, bridge = self.host.host.find(TAP), self.host.host.find(
            'brq-test')
        self.assertIs(eth0, tap.peer)
        self.assertEqual((1450, True, bridge.index),
                         (tap.mtu, tap.up, tap.master))
        self.assertEqual(('bridge', True), (bridge.kind, bridge.up))
        self.assertEqual(['brq-test', 'eth0', 'lo', TAP],
                         self.host.host.names())
        self.assertEqual([('192.0.2.10', 24, 0)],
                         self.host.host.find('eth0').addresses)
        self.assertSettled()

    def test_a_port_already_in_the_namespace_is_left_alone(self):
        linux_net.plug_veth(HOLDER, interface(), 'brq-test')
        del self.host.requests[:]
        self.assertEqual(linux_net.PRESENT,
                         linux_net.plug_veth(HOLDER, interface(), 'brq-test'))
        self.assertEqual([], self.host.requests)
        self.assertSettled()

    def test_second_port_without_mtu_gets_its_metric_and_kernel_mtu(self):
        second = interface(mtu=None, metric=100, name='eth1',
                           routes=[('default', '10.20.0.1')])
        linux_net.plug_veth(HOLDER, second, 'brq-test')
        eth1 = self.holder.find('eth1')
        self.assertEqual((1500, 1500), (eth1.mtu, eth1.peer.mtu))
        self.assertEqual([Route('0.0.0.0/0', '10.20.0.1', 100, 'eth1')],
                         self.holder.routes)
        self.assertNotIn('mtu', str(self.host.requests))

    def test_software_checksums_are_set_inside_only(self):
        linux_net.plug_veth(HOLDER, interface(software_checksums=True), None)
        self.assertEqual([('holder-%d' % HOLDER, 'eth0',
                           netlink_fakes.ETHTOOL_STXCSUM, 0)],
                         self.host.ioctls)
        eth0 = self.holder.find('eth0')
        self.assertEqual((False, True),
                         (eth0.tx_checksumming, eth0.peer.tx_checksumming))
        self.assertSettled()

    def test_without_a_bridge_the_host_end_is_only_up(self):
        linux_net.plug_veth(HOLDER, interface(), None)
        tap = self.host.host.find(TAP)
        self.assertEqual((None, True, 1450), (tap.master, tap.up, tap.mtu))
        self.assertEqual(['eth0', 'lo', TAP], self.host.host.names())

    def test_an_existing_bridge_is_joined_not_made(self):
        bridge = self.host.link('add', ifname='brq-test', kind='bridge')
        linux_net.plug_veth(HOLDER, interface(create_bridge=False),
                            'brq-test')
        self.assertEqual(bridge.index, self.host.host.find(TAP).master)
        self.assertNotIn(('host', 'link', 'add',
                          {'ifname': 'brq-test', 'kind': 'bridge'}),
                         self.host.requests)

    def test_a_bridge_made_meanwhile_by_another_plug_is_joined(self):
        def another_plug_makes_it():
            self.host.link('add', ifname='brq-test', kind='bridge')
        self.host.intercept(another_plug_makes_it, 'netlink', 'link', 'add',
                            kind='bridge')
        linux_net.plug_veth(HOLDER, interface(), 'brq-test')
        bridge = self.host.host.find('brq-test')
        self.assertEqual((bridge.index, True),
                         (self.host.host.find(TAP).master, bridge.up))

    def test_a_stale_host_end_is_replaced(self):
        # Left by an earlier plug that never got its peer moved.
        stale = self.host.link('add', ifname=TAP, kind='veth',
                               peer={'ifname': PEER})
        self.assertEqual(linux_net.CREATED,
                         linux_net.plug_veth(HOLDER, interface(), None))
        self.assertEqual(('host', 'link', 'del', {'index': stale.index}),
                         self.host.requests[0])
        self.assertIs(self.holder.find('eth0'),
                      self.host.host.find(TAP).peer)
        self.assertIsNone(self.host.host.find(PEER))

    def test_a_failing_plug_removes_the_pair_and_raises_its_error(self):
        bridge = self.host.link('add', ifname='brq-test', kind='bridge')
        host_links = self.host.host.names()
        denied = NetlinkError(errno.EPERM)
        # Each step, from making the pair to the checksums inside.
        for error, operation, target, arguments in [
                (NetlinkError(errno.ENOMEM), 'netlink', ('link', 'add'),
                 {'kind': 'veth'}),
                (denied, 'netlink', ('link', 'set'), {'master': bridge.index}),
                (denied, 'netlink', ('link', 'set'), {'net_ns_pid': HOLDER}),
                (denied, 'netlink', ('link', 'set'), {'ifname': 'eth0'}),
                (denied, 'netlink', ('addr', 'add'),
                 {'address': 'fd00:20::5'}),
                (denied, 'netlink', ('route', 'add'), {'dst': '::/0'}),
                (OSError(errno.EOPNOTSUPP, 'Operation not supported'),
                 'ioctl', (), {})]:
            self.host.fail(error, operation, *target, **arguments)
            raised = self.assertRaises(
                type(error), linux_net.plug_veth, HOLDER,
                interface(software_checksums=True), 'brq-test')
            self.assertIs(error, raised, target)
            self.assertEqual(host_links, self.host.host.names(), target)
            self.assertEqual(['lo'], self.holder.names(), target)
            self.assertSettled()

    def test_an_undo_that_fails_keeps_the_plugs_own_error(self):
        self.host.link('add', ifname='brq-test', kind='bridge')
        error = NetlinkError(errno.EPERM)
        self.host.fail(error, 'netlink', 'route', 'add', dst='::/0')
        self.host.fail(NetlinkError(errno.EBUSY), 'netlink', 'link', 'del',
                       ifname=TAP)
        logs = self.useFixture(fixtures.FakeLogger())
        raised = self.assertRaises(NetlinkError, linux_net.plug_veth, HOLDER,
                                   interface(), 'brq-test')
        self.assertIs(error, raised)
        self.assertIn('Could not undo a failed operation: removing %s '
                      'failed' % TAP,
                      logs.output)
        self.assertSettled()

    def test_a_missing_bridge_it_may_not_make_fails_the_plug(self):
        host_links = self.host.host.names()
        error = self.assertRaises(
            ValueError, linux_net.plug_veth, HOLDER,
            interface(create_bridge=False), 'brq-test')
        self.assertEqual('bridge brq-test does not exist', str(error))
        self.assertEqual(host_links, self.host.host.names())
        self.assertEqual(['lo'], self.holder.names())

    def test_a_bridge_that_cannot_be_made_fails_the_plug(self):
        host_links = self.host.host.names()
        error = NetlinkError(errno.EPERM)
        self.host.fail(error, 'netlink', 'link', 'add', kind='bridge')
        self.assertIs(error, self.assertRaises(
            NetlinkError, linux_net.plug_veth, HOLDER, interface(),
            'brq-test'))
        self.assertEqual(host_links, self.host.host.names())

    def test_a_namespace_that_cannot_be_entered_fails_the_plug(self):
        self.host.fail(OSError(errno.EPERM, ''), 'setns',
                       'holder-%d' % HOLDER)
        error = self.assertRaises(OSError, linux_net.plug_veth, HOLDER,
                                  interface(), None)
        self.assertEqual('setns into the network namespace of pid %d: '
                         'Operation not permitted' % HOLDER, error.strerror)
        self.assertEqual([], self.host.requests)
        self.assertSettled()

    def test_the_thread_comes_home_when_the_socket_fails(self):
        error = OSError(errno.EMFILE, 'Too many open files')
        self.host.fail(error, 'socket')
        self.assertIs(error, self.assertRaises(
            OSError, linux_net.plug_veth, HOLDER, interface(), None))
        self.assertSettled()

    def test_a_thread_that_cannot_come_home_aborts_the_process(self):
        self.host.fail(OSError(errno.EPERM, ''), 'setns', 'host')
        self.assertRaises(netlink_fakes.Aborted, linux_net.plug_veth,
                          HOLDER, interface(), None)
        self.assertIn('Aborting: [Errno 1] setns into the network namespace '
                      'of this thread: Operation not permitted',
                      self.logs.output)


class RoutesTest(LinuxNetTestCase):
    """Routes Linux would refuse or misplace: each goes through its own
    port's interface (``oif``), and only one subnet's gateway per IP
    version becomes the default route."""

    # Neutron takes a link-local gateway for an IPv6 subnet (a provider
    # network's router); Linux wants the device for one.
    def test_a_link_local_ipv6_gateway_is_reached_through_the_port(self):
        linux_net.plug_veth(HOLDER, interface(routes=[('default',
                                                       'fe80::1')]), None)
        self.assertEqual([Route('::/0', 'fe80::1', 0, 'eth0')],
                         self.holder.routes)

    # Two ports on one subnet: the second port's routes go through the
    # first's interface, and vanish with it when it is detached.
    def test_each_ports_routes_go_through_its_own_interface(self):
        linux_net.plug_veth(HOLDER, interface(), None)
        second = dataclasses.asdict(spec.attached_interface(fakes.vif(
            port_id='7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f',
            mac='fa:16:3e:00:00:02',
            subnets=(('10.20.0.0/24', ['10.20.0.6'], '10.20.0.1'),)),
            ['lo', 'eth0']))
        linux_net.plug_veth(HOLDER, second, None)
        linux_net.delete_link(TAP)
        self.assertEqual([Route('0.0.0.0/0', '10.20.0.1', 100, 'eth1')],
                         self.holder.routes)

    # A port with addresses on two IPv4 subnets of its network (or a host
    # route to 0.0.0.0/0): two default routes of one metric, and Linux
    # refuses the second ("File exists"): the port cannot be plugged.
    def test_a_port_on_two_ipv4_subnets_gets_one_default_route(self):
        two_subnets = dataclasses.asdict(spec.interfaces([fakes.vif(
            port_id=PORT, subnets=(
                ('10.20.0.0/24', ['10.20.0.5'], '10.20.0.1'),
                ('10.21.0.0/24', ['10.21.0.5'], '10.21.0.1')))])[0])
        linux_net.plug_veth(HOLDER, two_subnets, None)
        self.assertEqual([Route('0.0.0.0/0', '10.20.0.1', 0, 'eth0')],
                         self.holder.routes)


class RefusalTest(LinuxNetTestCase):
    """What a nova-compute taken over could ask; nothing is done."""

    def test_hostile_arguments_are_refused_before_anything_is_done(self):
        # A server's own process in its holder's namespace, and the
        # holder's command run in the host's.
        self.host.spawn(10, ['/bin/sh'], self.host.spawn_holder(9))
        self.host.spawn(11, spec.NETNS_HOLDER_COMMAND, self.host.host)
        for entrypoint, args in [
                (linux_net.plug_veth, (1, interface(), None)),
                (linux_net.plug_veth, (10, interface(), None)),
                (linux_net.plug_veth, (11, interface(), None)),
                (linux_net.plug_veth, (os.getpid(), interface(), None)),
                (linux_net.plug_veth, ('4242', interface(), None)),
                (linux_net.plug_veth, (HOLDER, interface(host_name='eth0'),
                                       None)),
                (linux_net.plug_veth, (HOLDER, interface(name='lo'), None)),
                (linux_net.plug_veth, (HOLDER, interface(
                    routes=[('default', '10.20.0.1; reboot')]), None)),
                (linux_net.plug_veth, (HOLDER, interface(), '-j')),
                (linux_net.plug_veth, (HOLDER, interface(), 'br ex')),
                (linux_net.interface_names, (1,)),
                (linux_net.interface_names, (11,)),
                (linux_net.delete_link, ('eth0',)),
                (linux_net.delete_link, ('brq-test',)),
                (linux_net.delete_link, ('qbr3f2a1b4c-5d',)),
                (linux_net.delete_link, (None,)),
                (linux_net.remove_ovs_ports, ('*',)),
                (linux_net.remove_ovs_ports, (INSTANCE + ' -- del-br x',)),
                (linux_net.allow_bridged_traffic, ('-j',)),
                (linux_net.allow_bridged_traffic, ('br+',)),
                ]:
            self.assertRaises(checks.Refused, entrypoint, *args)
        self.assertEqual(([], []), (self.host.requests, self.host.commands))
        self.assertSettled()


class InterfaceNamesTest(LinuxNetTestCase):

    def test_names_in_the_holders_namespace_not_the_hosts(self):
        linux_net.plug_veth(HOLDER, interface(), None)
        self.assertEqual(['lo', 'eth0'], linux_net.interface_names(HOLDER))
        self.assertSettled()


class DeleteLinkTest(LinuxNetTestCase):

    def test_the_pair_goes(self):
        linux_net.plug_veth(HOLDER, interface(), None)
        self.assertTrue(linux_net.delete_link(TAP))
        self.assertNotIn(TAP, self.host.host.names())
        self.assertEqual(['lo'], self.holder.names())
        self.assertSettled()

    def test_gone_already_is_fine(self):
        self.assertFalse(linux_net.delete_link(TAP))
        self.assertSettled()

    def test_other_errors_are_raised(self):
        linux_net.plug_veth(HOLDER, interface(), None)
        error = NetlinkError(errno.EBUSY)
        self.host.fail(error, 'netlink', 'link', 'del', ifname=TAP)
        self.assertIs(error, self.assertRaises(
            NetlinkError, linux_net.delete_link, TAP))
        self.assertSettled()


class RemoveOvsPortsTest(LinuxNetTestCase):

    def test_the_instances_ovs_ports_and_hybrid_devices_go(self):
        self.host.link('add', ifname='qbr3f2a1b4c-5d', kind='bridge')
        self.host.link('add', ifname='qvb3f2a1b4c-5d', kind='veth',
                       peer={'ifname': 'qvo3f2a1b4c-5d'})
        self.host.link('add', ifname='qbr77aa0000-11', kind='bridge')
        self.host.ovs_ports.update({
            'qvo3f2a1b4c-5d': {'vm-uuid': INSTANCE},
            'tap99bb0000-22': {'vm-uuid': INSTANCE},
            # Another instance's, and its per-port bridge.
            'qvo77aa0000-11': {'vm-uuid': '0' * 8 + INSTANCE[8:]}})
        self.assertEqual(['qvo3f2a1b4c-5d', 'tap99bb0000-22'],
                         linux_net.remove_ovs_ports(INSTANCE))
        self.assertEqual(['qvo77aa0000-11'], list(self.host.ovs_ports))
        self.assertEqual(['eth0', 'lo', 'qbr77aa0000-11'],
                         self.host.host.names())
        self.assertSettled()

    def test_hybrid_devices_gone_already_are_fine(self):
        self.host.ovs_ports['qvo3f2a1b4c-5d'] = {'vm-uuid': INSTANCE}
        self.assertEqual(['qvo3f2a1b4c-5d'],
                         linux_net.remove_ovs_ports(INSTANCE))
        self.assertEqual({}, self.host.ovs_ports)

    def test_nothing_of_the_instance(self):
        self.assertEqual([], linux_net.remove_ovs_ports(INSTANCE))
        self.assertEqual(1, len(self.host.commands))

    def test_open_vswitch_not_answering_is_raised(self):
        error = processutils.ProcessExecutionError(exit_code=1)
        self.host.fail(error, 'execute', 'ovs-vsctl')
        self.assertIs(error, self.assertRaises(
            processutils.ProcessExecutionError, linux_net.remove_ovs_ports,
            INSTANCE))


class AllowBridgedTrafficTest(LinuxNetTestCase):

    RULE = ['FORWARD', '-i', 'brq-test', '-o', 'brq-test', '-j', 'ACCEPT']

    def test_one_rule_per_family_added_once(self):
        linux_net.allow_bridged_traffic('brq-test')
        linux_net.allow_bridged_traffic('brq-test')
        self.assertEqual({'iptables': [self.RULE], 'ip6tables': [self.RULE]},
                         self.host.iptables)
        self.assertEqual(6, len(self.host.commands))
        self.assertEqual(1, self.logs.output.count(
            'iptables: allowed traffic between ports of bridge brq-test'))
        self.assertEqual(1, self.logs.output.count(
            'ip6tables: allowed traffic between ports of bridge brq-test'))

    def test_every_per_port_bridge_in_one_rule(self):
        linux_net.allow_bridged_traffic(checks.HYBRID_BRIDGES)
        self.assertEqual(
            [['FORWARD', '-i', 'qbr+', '-o', 'qbr+', '-j', 'ACCEPT']],
            self.host.iptables['ip6tables'])

    def test_a_rule_that_cannot_be_added_is_raised(self):
        error = processutils.ProcessExecutionError(exit_code=4)
        self.host.fail(error, 'execute', 'ip6tables', '-w', '-A')
        self.assertIs(error, self.assertRaises(
            processutils.ProcessExecutionError,
            linux_net.allow_bridged_traffic, 'brq-test'))


class PrivsepTest(testtools.TestCase):

    ENTRYPOINTS = (linux_net.plug_veth, linux_net.interface_names,
                   linux_net.delete_link, linux_net.remove_ovs_ports,
                   linux_net.allow_bridged_traffic)

    def test_every_entrypoint_runs_in_the_net_admin_daemon(self):
        for entrypoint in self.ENTRYPOINTS:
            self.assertTrue(privsep.net_admin.is_entrypoint(entrypoint),
                            entrypoint)

    def test_the_daemon_finds_its_context_and_gets_only_its_capabilities(
            self):
        # privsep-helper imports the context from its pypath.
        self.assertIs(privsep.net_admin,
                      importutils.import_class(privsep.net_admin.pypath))
        # What the context is made with, not its [novadocker_privileged]
        # option: a config fixture's cleanup in another test of this
        # process clears the default the context set there.
        self.assertEqual({capabilities.CAP_NET_ADMIN,
                          capabilities.CAP_SYS_ADMIN,
                          capabilities.CAP_NET_RAW},
                         set(privsep.CAPABILITIES))

    def test_the_fake_host_starts_no_daemon_and_opens_no_netlink(self):
        self.useFixture(netlink_fakes.FakeHost())
        with mock.patch.object(privsep.net_admin, 'client_mode', True):
            self.assertRaises(AssertionError, linux_net.delete_link, TAP)
        self.assertRaises(AssertionError, pyroute2.IPRoute)
