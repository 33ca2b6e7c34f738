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

"""Ports plugged by VIF type: linux_net on a fake host (``netlink_fakes``),
os-vif faked at ``os_vif.plug`` and ``os_vif.unplug``."""

import errno
import logging

import fixtures
from os_vif import exception as os_vif_exception
from os_vif import objects as os_vif_objects
from pyroute2 import NetlinkError
import testtools

from novadocker import exception
from novadocker.network import vifs
from tests.unit import fakes
from tests.unit import netlink_fakes
from tests.unit.netlink_fakes import Route

# nova's conversions build os-vif objects: the driver registers them when
# it initializes os-vif, which loads the real plugins; these tests do not.
os_vif_objects.register_all()

PORT_A = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'
PORT_B = '7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f'
TAP_A, TAP_B = 'tap3f2a1b4c-5d', 'tap7c8d9e0f-1a'
QBR_A, QVO_A = 'qbr3f2a1b4c-5d', 'qvo3f2a1b4c-5d'
HOLDER = 4242


def bridge_port(port_id=PORT_A, **kwargs):
    return fakes.vif(port_id=port_id, **kwargs)


def port_b(**kwargs):
    """A second port, on a subnet of its own."""
    return fakes.vif(port_id=PORT_B, mac='fa:16:3e:00:00:02', subnets=(
        ('10.40.0.0/24', ['10.40.0.7'], '10.40.0.1'),), **kwargs)


def plugged(port_id, name='eth0', host_name=TAP_A, vif_type='bridge'):
    """The line a port plugged is logged with."""
    return ('Plugged port %s as %s (host side %s, VIF type %s)'
            % (port_id, name, host_name, vif_type))


def ovs_port(port_id=PORT_A, hybrid=False, datapath='system',
             details_extra=None, **kwargs):
    return fakes.vif(port_id=port_id, vif_type='ovs', bridge='br-int',
                     details=dict({'port_filter': hybrid,
                                   'ovs_hybrid_plug': hybrid,
                                   'datapath_type': datapath},
                                  **(details_extra or {})), **kwargs)


class FakeOsVif(fixtures.Fixture):
    """os-vif with its ovs plugin, on the fake host: every call with the
    objects it was given, and the devices and OVS ports the plugin makes
    (with hybrid plug: the per-port bridge, and the veth pair linking it
    to OVS). ``fail(action, error)`` fails the next such call."""

    def __init__(self, host):
        super().__init__()
        self.host = host

    def _setUp(self):
        self.calls = []
        self._failures = {}
        # False: a plugin that does not do its job, to show what the
        # driver relies on it for.
        self.makes_devices = True
        self.useFixture(fixtures.MockPatch('os_vif.plug', self.plug))
        self.useFixture(fixtures.MockPatch('os_vif.unplug', self.unplug))

    def fail(self, action, error):
        self._failures[action] = error

    def _called(self, action, vif, instance_info):
        self.calls.append((action, vif, instance_info))
        if action in self._failures:
            raise self._failures.pop(action)

    def plug(self, vif, instance_info):
        self._called('plug', vif, instance_info)
        if not self.makes_devices:
            return
        host = self.host.host
        if isinstance(vif, os_vif_objects.vif.VIFBridge):
            qvb, port = 'qvb' + vif.id[:11], 'qvo' + vif.id[:11]
            bridge = host.find(vif.bridge_name)
            if bridge is None:
                bridge = self.host.link('add', ifname=vif.bridge_name,
                                        kind='bridge')
                self.host.link('set', index=bridge.index, state='up')
            if host.find(port) is None:
                link = self.host.link('add', ifname=qvb, kind='veth',
                                      peer={'ifname': port})
                self.host.link('set', index=link.index, master=bridge.index)
        else:
            # Open vSwitch would take a port on a missing device, and it
            # would never pass traffic.
            port = vif.vif_name
            if host.find(port) is None:
                raise os_vif_exception.PlugException(
                    vif=vif, err='no device %s' % port)
        self.host.ovs_ports[port] = {
            'iface-id': vif.port_profile.interface_id,
            'attached-mac': str(vif.address), 'vm-uuid': instance_info.uuid}

    def unplug(self, vif, instance_info):
        self._called('unplug', vif, instance_info)
        if isinstance(vif, os_vif_objects.vif.VIFBridge):
            for name in (vif.bridge_name, 'qvb' + vif.id[:11]):
                if self.host.host.find(name) is not None:
                    self.host.link('del', ifname=name)
            self.host.ovs_ports.pop('qvo' + vif.id[:11], None)
        else:
            profile = vif.port_profile
            if 'create_tap' in profile and profile.create_tap:
                # The plugin deletes a tap it was asked to make before the
                # OVS port; the driver's veth, which goes with the
                # namespace holder, can vanish between its check and its
                # delete. That race, every time: the unplug ends here.
                raise os_vif_exception.NetworkInterfaceNotFound(
                    interface=vif.vif_name)
            self.host.ovs_ports.pop(vif.vif_name, None)


class VifsTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.host = self.useFixture(netlink_fakes.FakeHost())
        self.holder = self.host.spawn_holder(HOLDER)
        self.os_vif = self.useFixture(FakeOsVif(self.host))
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.instance = fakes.instance()

    def assertNothingLeft(self):
        """Neither end of a port, nor an OVS port, nor os-vif's bridge;
        the network's bridge stays, for the network's other ports."""
        self.assertEqual(['lo'], self.holder.names())
        self.assertEqual(['eth0', 'lo'], [
            name for name in self.host.host.names()
            if not name.startswith('brq')])
        self.assertEqual({}, self.host.ovs_ports)


class CheckSupportedTest(testtools.TestCase):

    def test_bridge_and_ovs_ports_pass(self):
        vifs.check_supported([bridge_port(), ovs_port(PORT_B),
                              ovs_port(hybrid=True)])
        vifs.check_supported([])

    def test_other_types_are_refused_naming_port_and_type(self):
        for vif_type in ('vhostuser', 'binding_failed', 'unbound', 'tap',
                         'hw_veb', None):
            network_info = [bridge_port(),
                            port_b(vif_type=vif_type)]
            error = self.assertRaises(exception.VifTypeNotSupported,
                                      vifs.check_supported, network_info)
            self.assertEqual(
                'Port %s has VIF type %s, which the Docker driver cannot '
                'plug; it plugs: bridge, ovs.' % (PORT_B, vif_type),
                error.format_message())


class PlugBridgeTest(VifsTestCase):

    def test_the_port_joins_the_networks_linux_bridge(self):
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        tap = self.host.host.find(TAP_A)
        self.assertIs(self.holder.find('eth0'), tap.peer)
        self.assertEqual(self.host.host.find('brq-test').index, tap.master)
        rule = ['FORWARD', '-i', 'brq-test', '-o', 'brq-test', '-j', 'ACCEPT']
        self.assertEqual({'iptables': [rule], 'ip6tables': [rule]},
                         self.host.iptables)
        self.assertEqual([], self.os_vif.calls)
        self.assertIn(plugged(PORT_A), self.logs.output)
        self.assertEqual([], self.host.unsettled())

    def test_ports_become_eth0_eth1_in_order_first_default_route_wins(self):
        vifs.plug(HOLDER, [bridge_port(), port_b()], self.instance)
        self.assertIs(self.holder.find('eth1'),
                      self.host.host.find(TAP_B).peer)
        self.assertEqual([Route('0.0.0.0/0', '10.20.0.1', 0, 'eth0'),
                          Route('0.0.0.0/0', '10.40.0.1', 100, 'eth1')],
                         self.holder.routes)
        self.assertIn(plugged(PORT_B, 'eth1', TAP_B), self.logs.output)

    def test_plugging_a_running_server_again_changes_nothing(self):
        # What nova-compute does for every instance when it starts.
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        del self.host.requests[:]
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        self.assertEqual([], self.host.requests)
        self.assertEqual(1, self.logs.output.count(plugged(PORT_A)))

    # After eth0 is detached, nova-compute's start names the other port
    # eth0: taking its live host end for a stale one would cut the
    # server's connections.
    def test_a_restart_after_a_detach_leaves_the_other_port_alone(self):
        vifs.plug(HOLDER, [bridge_port(), port_b()], self.instance)
        eth1 = self.holder.find('eth1')
        vifs.unplug([bridge_port()], self.instance)
        vifs.plug(HOLDER, [port_b()], self.instance)
        self.assertIs(eth1, self.holder.find('eth1'))

    def test_a_bridge_that_should_exist_but_does_not_fails_the_plug(self):
        error = self.assertRaises(
            exception.VifPlugFailed, vifs.plug, HOLDER,
            [bridge_port(should_create_bridge=False)], self.instance)
        self.assertEqual('Could not plug port %s into bridge brq-test: '
                         'bridge brq-test does not exist' % PORT_A,
                         error.format_message())
        self.assertIsInstance(error.__cause__, ValueError)
        self.assertNothingLeft()
        self.assertNotIn('brq-test', self.host.host.names())

    def test_a_failure_names_the_failing_port(self):
        self.host.fail(NetlinkError(errno.EPERM), 'netlink', 'link', 'add',
                       ifname=TAP_B)
        error = self.assertRaises(exception.VifPlugFailed, vifs.plug,
                                  HOLDER, [bridge_port(), port_b()],
                                  self.instance)
        self.assertIn(PORT_B, error.format_message())
        self.assertEqual(['eth0', 'lo'], self.holder.names())


class PlugOvsTest(VifsTestCase):

    def test_os_vif_makes_the_host_end_an_ovs_port(self):
        vifs.plug(HOLDER, [ovs_port()], self.instance)
        (action, vif, info), = self.os_vif.calls
        self.assertEqual('plug', action)
        self.assertIsInstance(vif, os_vif_objects.vif.VIFOpenVSwitch)
        # No libvirt here to make the OVS port: os-vif must.
        self.assertTrue(vif.port_profile.create_port)
        self.assertEqual((PORT_A, PORT_A, TAP_A, 'br-int', 1450,
                          'fa:16:3e:00:00:01'),
                         (vif.id, vif.port_profile.interface_id,
                          vif.vif_name, vif.network.bridge, vif.network.mtu,
                          str(vif.address)))
        self.assertEqual((self.instance.uuid, self.instance.name),
                         (info.uuid, info.name))
        self.assertEqual(['eth0', 'lo'], self.holder.names())
        tap = self.host.host.find(TAP_A)
        self.assertEqual((None, True, 1450), (tap.master, tap.up, tap.mtu))
        self.assertEqual({'iface-id': PORT_A,
                          'attached-mac': 'fa:16:3e:00:00:01',
                          'vm-uuid': self.instance.uuid},
                         self.host.ovs_ports[TAP_A])
        self.assertEqual({'iptables': [], 'ip6tables': []},
                         self.host.iptables)
        self.assertIn(plugged(PORT_A, vif_type='ovs'), self.logs.output)

    def test_userspace_datapath_gets_software_checksums(self):
        vifs.plug(HOLDER, [ovs_port(datapath='netdev')], self.instance)
        self.assertFalse(self.holder.find('eth0').tx_checksumming)

    def test_an_os_vif_failure_fails_the_plug(self):
        failure = os_vif_exception.PlugException(vif=PORT_A, err='no OVS')
        self.os_vif.fail('plug', failure)
        error = self.assertRaises(exception.VifPlugFailed, vifs.plug,
                                  HOLDER, [ovs_port()], self.instance)
        self.assertIs(failure, error.__cause__)
        self.assertIn(PORT_A, error.format_message())
        self.assertIn('no OVS', error.format_message())

    # A veth pair left when os-vif failed would pass for a plugged port:
    # the next plug (nova-compute's start, a power on) would find eth0 and
    # never ask os-vif again, the port off the switch for good.
    def test_a_port_os_vif_failed_to_plug_is_plugged_on_the_next_try(self):
        self.os_vif.fail('plug', os_vif_exception.PlugException(
            vif=PORT_A, err='ovsdb-server not answering'))
        self.assertRaises(exception.VifPlugFailed, vifs.plug, HOLDER,
                          [ovs_port()], self.instance)
        vifs.plug(HOLDER, [ovs_port()], self.instance)
        self.assertIn(TAP_A, self.host.ovs_ports)

    # The same through nova's attach: nova deallocates the port and asks
    # the driver for nothing more; a left eth1 would keep the MAC of a
    # port the server no longer has.
    def test_a_failed_attach_leaves_no_interface_in_the_server(self):
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        self.os_vif.fail('plug', os_vif_exception.PlugException(
            vif=PORT_B, err='ovsdb-server not answering'))
        self.assertRaises(exception.VifPlugFailed, vifs.attach, HOLDER,
                          ovs_port(PORT_B), self.instance)
        self.assertEqual(['eth0', 'lo'], self.holder.names())
        self.assertNotIn(TAP_B, self.host.host.names())
        self.assertIn('Could not plug port %s' % PORT_B, self.logs.output)

    # The operator learns what the undo left; nova still gets the plug's
    # own error.
    def test_an_undo_that_fails_is_logged_under_the_plugs_error(self):
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        self.os_vif.fail('plug', os_vif_exception.PlugException(
            vif=PORT_B, err='ovsdb-server not answering'))
        self.host.fail(NetlinkError(errno.EBUSY), 'netlink', 'link', 'del',
                       ifname=TAP_B)
        error = self.assertRaises(exception.VifPlugFailed, vifs.attach,
                                  HOLDER, ovs_port(PORT_B), self.instance)
        self.assertIn('ovsdb-server not answering', error.format_message())
        self.assertIn('Could not undo a failed operation: removing port %s '
                      'failed' % PORT_B, self.logs.output)
        self.assertIn(TAP_B, self.host.host.names())

    # Neutron may ask for a tap (ovs_create_tap); the host end is the
    # driver's veth all the same, and os-vif must not remove it.
    def test_a_binding_asking_for_a_tap_leaves_no_ovs_port(self):
        port = ovs_port(details_extra={'ovs_create_tap': True})
        vifs.plug(HOLDER, [port], self.instance)
        self.host.kill(HOLDER)
        vifs.unplug([port], self.instance)
        self.assertEqual([False, False], [vif.port_profile.create_tap
                                          for _, vif, _ in self.os_vif.calls])
        self.assertEqual({}, self.host.ovs_ports)
        self.assertNotIn(TAP_A, self.host.host.names())


class PlugHybridTest(VifsTestCase):

    def test_the_host_end_joins_the_per_port_bridge_os_vif_made(self):
        vifs.plug(HOLDER, [ovs_port(hybrid=True)], self.instance)
        (action, vif, info), = self.os_vif.calls
        self.assertIsInstance(vif, os_vif_objects.vif.VIFBridge)
        self.assertEqual(('plug', QBR_A, 'br-int', 1450, self.instance.uuid),
                         (action, vif.bridge_name, vif.network.bridge,
                          vif.network.mtu, info.uuid))
        self.assertEqual(self.host.host.find(QBR_A).index,
                         self.host.host.find(TAP_A).master)
        self.assertIn(QVO_A, self.host.ovs_ports)
        # One rule covers every per-port bridge.
        rule = ['FORWARD', '-i', 'qbr+', '-o', 'qbr+', '-j', 'ACCEPT']
        self.assertEqual({'iptables': [rule], 'ip6tables': [rule]},
                         self.host.iptables)
        self.assertIn(plugged(PORT_A, vif_type='ovs'), self.logs.output)

    def test_the_driver_never_makes_the_per_port_bridge_itself(self):
        self.os_vif.makes_devices = False
        error = self.assertRaises(exception.VifPlugFailed, vifs.plug,
                                  HOLDER, [ovs_port(hybrid=True)],
                                  self.instance)
        self.assertIn('bridge %s does not exist' % QBR_A,
                      error.format_message())
        self.assertNotIn(QBR_A, self.host.host.names())

    # The per-port bridge os-vif made goes when the veth pair then fails:
    # nothing but a destroy would remove it.
    def test_os_vifs_bridge_is_undone_when_the_veth_fails(self):
        self.host.fail(NetlinkError(errno.ENOMEM), 'netlink', 'link', 'add',
                       kind='veth', ifname=TAP_A)
        self.assertRaises(exception.VifPlugFailed, vifs.plug, HOLDER,
                          [ovs_port(hybrid=True)], self.instance)
        self.assertEqual(['plug', 'unplug'],
                         [call[0] for call in self.os_vif.calls])
        self.assertNothingLeft()
        self.assertIn('Could not plug port %s' % PORT_A, self.logs.output)


class UnplugTest(VifsTestCase):

    def test_bridge_port_pair_goes_once(self):
        vifs.plug(HOLDER, [bridge_port()], self.instance)
        vifs.unplug([bridge_port()], self.instance)
        vifs.unplug([bridge_port()], self.instance)
        self.assertNothingLeft()
        self.assertEqual([], self.os_vif.calls)
        self.assertEqual(1, self.logs.output.count(
            'Unplugged port %s (%s)' % (PORT_A, TAP_A)))

    def test_os_vif_removes_ovs_ports_then_the_pair_goes(self):
        for port, kind in [
                (ovs_port(), os_vif_objects.vif.VIFOpenVSwitch),
                (ovs_port(hybrid=True), os_vif_objects.vif.VIFBridge)]:
            vifs.plug(HOLDER, [port], self.instance)
            del self.os_vif.calls[:]
            vifs.unplug([port], self.instance)
            (action, vif, info), = self.os_vif.calls
            self.assertEqual(('unplug', PORT_A, TAP_A, self.instance.uuid),
                             (action, vif.id, vif.vif_name, info.uuid))
            self.assertIsInstance(vif, kind)
            self.assertNothingLeft()

    def test_an_os_vif_failure_is_logged_and_the_pair_goes_anyway(self):
        vifs.plug(HOLDER, [ovs_port(), port_b()], self.instance)
        self.os_vif.fail('unplug', os_vif_exception.UnplugException(
            vif=PORT_A, err='ovsdb-server not answering'))
        vifs.unplug([ovs_port(), port_b()], self.instance)
        self.assertIn('os-vif could not unplug port %s: Failed to unplug '
                      'VIF %s. Got error: ovsdb-server not answering'
                      % (PORT_A, PORT_A), self.logs.output)
        self.assertEqual(['lo'], self.holder.names())
        self.assertNotIn(TAP_A, self.host.host.names())


class PlugAgainTest(VifsTestCase):

    def test_ports_of_a_namespace_gone_are_plugged_into_the_new_one(self):
        vifs.plug(HOLDER, [ovs_port()], self.instance)
        # An engine restart: the holder and its namespace go, the veth
        # pair with them; Open vSwitch keeps its port on the dead device.
        self.host.kill(HOLDER)
        del self.os_vif.calls[:]
        holder = self.host.spawn_holder(4343)
        vifs.plug(4343, [ovs_port()], self.instance, again=True)
        self.assertEqual(['unplug', 'plug'],
                         [call[0] for call in self.os_vif.calls])
        self.assertIs(holder.find('eth0'), self.host.host.find(TAP_A).peer)
        self.assertIn(TAP_A, self.host.ovs_ports)


class AttachTest(VifsTestCase):

    def test_a_port_attached_takes_the_first_free_name(self):
        vifs.plug(HOLDER, [bridge_port(), port_b()], self.instance)
        vifs.attach(HOLDER, ovs_port(
            '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', mac='fa:16:3e:00:00:03',
            subnets=(('10.50.0.0/24', ['10.50.0.9'], '10.50.0.1'),)),
            self.instance)
        vifs.unplug([bridge_port()], self.instance)
        vifs.attach(HOLDER, bridge_port(), self.instance)
        self.assertEqual(['eth0', 'eth1', 'eth2', 'lo'], self.holder.names())
        self.assertIs(self.holder.find('eth0'),
                      self.host.host.find(TAP_A).peer)
        self.assertIn(plugged(PORT_A), self.logs.output)
        self.assertEqual([Route('0.0.0.0/0', '10.40.0.1', 100, 'eth1'),
                          Route('0.0.0.0/0', '10.50.0.1', 200, 'eth2'),
                          Route('0.0.0.0/0', '10.20.0.1', 0, 'eth0')],
                         self.holder.routes)

    def test_a_port_attached_gets_the_metric_of_its_name(self):
        vifs.plug(HOLDER, [port_b()], self.instance)
        vifs.attach(HOLDER, bridge_port(), self.instance)
        self.assertEqual([Route('0.0.0.0/0', '10.40.0.1', 0, 'eth0'),
                          Route('0.0.0.0/0', '10.20.0.1', 100, 'eth1')],
                         self.holder.routes)


class RemoveLeftoversTest(VifsTestCase):

    def test_the_instances_ovs_ports_go_and_are_logged(self):
        self.host.ovs_ports.update({QVO_A: {'vm-uuid': self.instance.uuid},
                                    TAP_B: {'vm-uuid': self.instance.uuid},
                                    'tap00000000-00': {'vm-uuid': 'other'}})
        vifs.remove_leftovers(self.instance.uuid)
        self.assertEqual(['tap00000000-00'], list(self.host.ovs_ports))
        self.assertIn('Removed OVS ports %s, %s of instance %s'
                      % (QVO_A, TAP_B, self.instance.uuid), self.logs.output)

    def test_nothing_to_remove_says_nothing(self):
        vifs.remove_leftovers(self.instance.uuid)
        self.assertNotIn('Removed', self.logs.output)

    def test_no_open_vswitch_is_no_error(self):
        self.host.fail(FileNotFoundError(errno.ENOENT, 'ovs-vsctl'),
                       'execute', 'ovs-vsctl')
        vifs.remove_leftovers(self.instance.uuid)
        self.assertIn('No OVS ports of instance %s removed: [Errno 2] '
                      'ovs-vsctl' % self.instance.uuid, self.logs.output)
