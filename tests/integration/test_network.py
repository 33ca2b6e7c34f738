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

"""Neutron ports plugged into containers, on real kernel networking.

Each test gets a Linux bridge (or an Open vSwitch bridge with the userspace
datapath: this kernel has no OVS module) of its own; the privsep functions,
ours and os-vif's, run in the test process (it is root). The servers' image
has busybox's ip and ping; ping needs raw sockets, so NET_RAW stays in the
containers here.
"""

import contextlib
import dataclasses
import os
import sys
import time

import os_vif
from oslo_concurrency import processutils
from oslo_utils import uuidutils
from pyroute2 import IPRoute
from vif_plug_ovs import privsep as ovs_privsep

from nova import exception as nova_exception
from nova.virt import fake as fake_virt

from novadocker import exception
from novadocker.network import checks
from novadocker.network import linux_net
from novadocker.network import privsep
from novadocker import spec
from tests.integration import base
from tests.unit import fakes


class SilentNeutron(fake_virt.FakeVirtAPI):
    """nova's side of waiting for network-vif-plugged, when none comes."""

    def __init__(self):
        super().__init__()
        self.awaited = []

    @contextlib.contextmanager
    def wait_for_instance_event(self, instance, event_names, timeout=300,
                                error_callback=None):
        self.awaited.extend(event_names)
        yield
        if event_names:
            raise nova_exception.InstanceEventTimeout()


class NetworkTest(base.DriverTestCase):

    def setUp(self):
        super().setUp()
        privsep.net_admin.set_client_mode(False)
        self.flags.config(cap_drop=['AUDIT_WRITE', 'MKNOD'], group='docker')
        self.bridge = 'brt' + uuidutils.generate_uuid(dashed=False)[:8]
        self.addCleanup(self._remove_bridge)

    def _remove_bridge(self):
        processutils.execute('ip', 'link', 'del', self.bridge,
                             check_exit_code=False)
        for command in ('iptables', 'ip6tables'):
            processutils.execute(
                command, '-w', '-D', 'FORWARD', '-i', self.bridge, '-o',
                self.bridge, '-j', 'ACCEPT', check_exit_code=False)

    def port(self, number, **kwargs):
        kwargs.setdefault('bridge', self.bridge)
        return fakes.vif(
            mac='fa:16:3e:00:77:%02x' % number, mtu=1400, dns=('10.77.0.2',),
            subnets=(('10.77.0.0/24', ['10.77.0.%d' % number], '10.77.0.1'),
                     ('fd00:77::/64', ['fd00:77::%x' % number],
                      'fd00:77::1')), **kwargs)

    def boot(self, *ports, **instance_values):
        instance = fakes.instance(**instance_values)
        self.driver.spawn(self.context, instance, self.glance_image(), [],
                          None, {}, network_info=list(ports))
        # What nova does on delete: removing the containers alone would
        # leave os-vif's devices of hybrid plug behind.
        self.addCleanup(self.driver.destroy, self.context, instance,
                        list(ports))
        return instance

    def run_in(self, instance, *command):
        name = spec.container_name(instance.uuid)
        execution = self.client.exec_create(name, list(command))
        output = self.client.exec_start(execution).decode()
        return self.client.exec_inspect(execution)['ExitCode'], output

    def assertReaches(self, instance, address):
        ping = 'ping6' if ':' in address else 'ping'
        code, output = self.run_in(instance, ping, '-c', '1', '-W', '3',
                                   address)
        self.assertEqual(0, code, output)

    @staticmethod
    def host_links():
        with IPRoute() as ipr:
            return {link.get_attr('IFLA_IFNAME') for link in ipr.get_links()}

    def assertNothingLeft(self, *ports):
        """No instance, namespace holder or host end of ``ports``."""
        self.assertEqual([], self.driver.list_instance_uuids())
        self.assertEqual([], self.client.containers(all=True, filters={
            'label': spec.netns_host_label_filter(self.host)}))
        self.assertEqual(set(), {i.host_name for i in spec.interfaces(ports)}
                         & self.host_links())

    def test_port_inside_matches_neutron_and_servers_talk(self):
        port = self.port(11)
        web = self.boot(port, hostname='web1.example.org')
        db = self.boot(self.port(12))

        self.assertPortInside(web, 11)
        _, routes6 = self.run_in(web, 'ip', '-6', 'route')
        self.assertIn('default via fd00:77::1 dev eth0', routes6)
        _, resolv = self.run_in(web, 'cat', '/etc/resolv.conf')
        self.assertIn('nameserver 10.77.0.2', resolv)
        _, hostname = self.run_in(web, 'hostname')
        self.assertEqual('web1', hostname.strip())

        self.assertReaches(web, '10.77.0.12')
        self.assertReaches(web, 'fd00:77::c')
        self.assertReaches(db, '10.77.0.11')
        # TCP too: checksums must be right, not only ICMP getting through.
        serving = self.client.exec_create(
            spec.container_name(db.uuid),
            ['nc', '-l', '-p', '8080', '-e', '/bin/echo', 'hello over tcp'])
        self.client.exec_start(serving, detach=True)
        code, output = self.run_in(
            web, 'sh', '-c', 'for i in 1 2 3 4 5; do echo | nc -w 3 '
            '10.77.0.12 8080 && exit; sleep 0.2; done; exit 1')
        self.assertEqual((0, 'hello over tcp'), (code, output.strip()))
        self.assertIn(spec.interfaces([port])[0].host_name,
                      self.host_links())

    def test_interfaces_survive_reboots_and_power_cycles(self):
        web = self.boot(self.port(21))
        network_info = [self.port(22)]
        db = self.boot(*network_info)
        self.driver.reboot(None, db, network_info, 'SOFT')
        self.assertPortInside(db, 22)
        self.assertReaches(web, '10.77.0.22')
        self.driver.reboot(None, db, network_info, 'HARD')
        self.assertPortInside(db, 22)
        self.assertReaches(web, 'fd00:77::16')
        self.driver.power_off(db, timeout=0)
        self.driver.power_on(None, db, network_info)
        self.assertPortInside(db, 22)
        self.assertReaches(db, '10.77.0.21')

    def test_resize_reverted_on_this_host_keeps_its_ports(self):
        web = self.boot(self.port(41))
        network_info = [self.port(42)]
        db = self.boot(*network_info, image_ref=uuidutils.generate_uuid())
        self.addCleanup(self.remove_moving_image, db)
        disk_info = self.driver.migrate_disk_and_power_off(
            self.context, db, '127.0.0.1', None, network_info, timeout=5)
        self.driver.finish_migration(self.context, None, db, disk_info,
                                     network_info, self.glance_image(), True,
                                     {})
        self.assertReaches(web, '10.77.0.42')
        # nova: destroy on the destination, revert on the source.
        self.driver.destroy(self.context, db, network_info)
        self.driver.finish_revert_migration(self.context, db, network_info,
                                            None)
        self.assertPortInside(db, 42)
        self.assertReaches(web, '10.77.0.42')

    def assertPortInside(self, instance, number):
        """eth0 of ``instance`` is port ``number`` of self.port()."""
        _, addresses = self.run_in(instance, 'ip', 'addr', 'show', 'eth0')
        for expected in ('mtu 1400', 'fa:16:3e:00:77:%02x' % number,
                         'inet 10.77.0.%d/24' % number,
                         'inet6 fd00:77::%x/64' % number):
            self.assertIn(expected, addresses)
        _, routes = self.run_in(instance, 'ip', 'route')
        self.assertIn('default via 10.77.0.1 dev eth0', routes)

    def test_engine_restart_then_host_boot_resume_plugs_again(self):
        # An engine restart stops every container, the holders included;
        # nova-compute then resumes the guests.
        web = self.boot(self.port(27))
        network_info = [self.port(28)]
        db = self.boot(*network_info)
        for name in (spec.container_name(db.uuid),
                     spec.netns_container_name(db.uuid)):
            self.client.kill(name)
        self.driver.resume_state_on_host_boot(self.context, db, network_info,
                                              None)
        self.assertReaches(db, '10.77.0.27')
        self.assertReaches(web, 'fd00:77::1c')

    def test_plug_vifs_on_a_running_server_changes_nothing(self):
        # What nova-compute does for every instance when it restarts.
        network_info = [self.port(25)]
        web = self.boot(*network_info)
        db = self.boot(self.port(26))
        _, before = self.run_in(web, 'ip', 'addr', 'show', 'eth0')
        self.driver.plug_vifs(web, network_info)
        _, after = self.run_in(web, 'ip', 'addr', 'show', 'eth0')
        # The same interface (index and peer), not a new one; the rest of
        # the output changes on its own (IPv6 link-local DAD finishing).
        self.assertEqual(before.split()[:2], after.split()[:2])
        self.assertIn('inet 10.77.0.25/24', after)
        self.assertReaches(db, '10.77.0.25')

    def test_plug_vifs_after_a_detach_keeps_the_remaining_port(self):
        # nova-compute's restart after eth0 was detached: the port left is
        # eth1 inside, though its network info now numbers it eth0.
        first, second = self.port(33), self.port(34)
        web = self.boot(first, second)
        db = self.boot(self.port(35))
        self.driver.detach_interface(self.context, web, first)
        _, before = self.run_in(web, 'ip', 'addr', 'show', 'eth1')
        self.driver.plug_vifs(web, [second])
        _, after = self.run_in(web, 'ip', 'addr', 'show', 'eth1')
        self.assertEqual(before.split()[:2], after.split()[:2])
        self.assertIn('inet 10.77.0.34/24', after)
        self.assertReaches(db, '10.77.0.34')

    def test_lost_namespace_is_plugged_again_on_power_on(self):
        # What an engine restart does: the holder dies with its namespace.
        web = self.boot(self.port(31))
        network_info = [self.port(32)]
        db = self.boot(*network_info)
        self.driver.power_off(db, timeout=0)
        self.client.kill(spec.netns_container_name(db.uuid))
        self.driver.power_on(None, db, network_info)
        self.assertReaches(db, '10.77.0.31')
        self.assertReaches(web, 'fd00:77::20')

    def test_destroy_leaves_no_device_or_holder_behind(self):
        network_info = [self.port(41), self.port(42)]
        web = self.boot(*network_info)
        host_names = {i.host_name for i in spec.interfaces(network_info)}
        self.assertLessEqual(host_names, self.host_links())
        self.driver.destroy(self.context, web, network_info)
        self.assertEqual(set(), host_names & self.host_links())
        self.assertEqual([], self.client.containers(all=True, filters={
            'label': spec.netns_host_label_filter(self.host)}))

    def holders(self):
        return sorted(c['Labels'][spec.LABEL_NETNS_OF]
                      for c in self.client.containers(all=True, filters={
                          'label': spec.netns_host_label_filter(self.host)}))

    def test_orphan_holders_are_reaped_at_start_and_periodically(self):
        ports = [self.port(n) for n in (85, 86, 87)]
        at_start, periodically, kept = [self.boot(p) for p in ports]
        # Their containers went while nova-compute was not looking.
        self.client.remove_container(
            spec.container_name(at_start.uuid), force=True)
        self.driver = self.make_driver(self.host)
        self.assertEqual(sorted([periodically.uuid, kept.uuid]),
                         self.holders())
        self.client.remove_container(
            spec.container_name(periodically.uuid), force=True)
        self.driver.get_available_resource(self.host)
        self.assertEqual([kept.uuid], self.holders())
        # Their ports go with their namespaces, which the kernel tears
        # down a moment after the holder is gone.
        host_ends = {i.host_name for i in spec.interfaces(ports)}
        kept_end = {spec.interfaces([ports[2]])[0].host_name}
        for _ in range(100):
            if host_ends & self.host_links() == kept_end:
                break
            time.sleep(0.1)
        self.assertEqual(kept_end, host_ends & self.host_links())
        # Nor does the switch keep anything of theirs.
        self.assertEqual({self.switch_port(ports[2])}, self.switch_ports())
        self.assertEqual('running', self.docker_state(kept))

    def switch_port(self, port):
        """The name ``port`` has on the network's switch."""
        return spec.interfaces([port])[0].host_name

    def switch_ports(self):
        return set(os.listdir('/sys/class/net/%s/brif' % self.bridge))

    def test_privileged_side_refuses_what_the_driver_never_asks(self):
        # As a nova-compute taken over would ask the root daemon.
        web = self.boot(self.port(95))
        workload = self.inspect(web)['State']['Pid']
        interface = dataclasses.asdict(spec.interfaces([self.port(96)])[0])
        # Only these: other tests plug and unplug beside this one.
        watched = {'lo', 'docker0', self.bridge, interface['host_name'],
                   interface['peer_name'],
                   spec.interfaces([self.port(95)])[0].host_name}
        links = watched & self.host_links()
        for pid in (1, os.getpid(), workload):
            self.assertRaises(checks.Refused, linux_net.plug_veth, pid,
                              interface, self.bridge)
            self.assertRaises(checks.Refused, linux_net.interface_names, pid)
        for name in ('lo', self.bridge, 'docker0'):
            self.assertRaises(checks.Refused, linux_net.delete_link, name)
        self.assertRaises(checks.Refused, linux_net.allow_bridged_traffic,
                          '-j')
        self.assertEqual(links, watched & self.host_links())

    def test_unsupported_vif_type_fails_before_anything_exists(self):
        port = self.port(51, vif_type='vhostuser')
        error = self.assertRaises(exception.VifTypeNotSupported, self.boot,
                                  port)
        self.assertIn('vhostuser', error.format_message())
        self.assertIn(port['id'], error.format_message())
        self.assertNothingLeft(port)

    def test_failed_plug_leaves_nothing_behind(self):
        # The network says its bridge exists; it does not.
        ports = [self.port(61, bridge='brt-missing',
                           should_create_bridge=False)]
        error = self.assertRaises(exception.VifPlugFailed, self.boot, *ports)
        self.assertIn('brt-missing', error.format_message())
        self.assertNothingLeft(*ports)

    def test_failed_plug_at_compute_start_is_the_instances_alone(self):
        port = self.port(65)
        instance = self.boot(port)
        self.client.kill(spec.netns_container_name(instance.uuid))
        # Its network vanished while nova-compute was down; nova puts the
        # instance in ERROR on this exception and starts the others.
        gone = self.port(65, bridge='brt-missing', should_create_bridge=False)
        error = self.assertRaises(
            nova_exception.VirtualInterfacePlugException,
            self.driver.plug_vifs, instance, [gone])
        self.assertIn('brt-missing', error.format_message())

    def test_unbound_port_at_compute_start_is_the_instances_alone(self):
        instance = self.boot(self.port(66))
        unbound = self.port(66, vif_type='binding_failed')
        error = self.assertRaises(
            nova_exception.VirtualInterfacePlugException,
            self.driver.plug_vifs, instance, [unbound])
        self.assertIn('binding_failed', error.format_message())

    def test_port_neutron_never_reports_plugged_fails_spawn_cleanly(self):
        self.flags.config(vif_plugging_timeout=5, vif_plugging_is_fatal=True)
        self.driver.virtapi = SilentNeutron()
        ports = [self.port(71, active=False), self.port(72)]
        self.assertRaises(nova_exception.VirtualInterfaceCreateException,
                          self.boot, *ports)
        self.assertEqual([('network-vif-plugged', ports[0]['id'])],
                         self.driver.virtapi.awaited)
        self.assertNothingLeft(*ports)

    def test_not_fatal_timeout_boots_anyway(self):
        self.flags.config(vif_plugging_timeout=5, vif_plugging_is_fatal=False)
        self.driver.virtapi = SilentNeutron()
        self.boot(self.port(81, active=False))
        self.assertEqual(1, len(self.driver.list_instance_uuids()))

    def test_attach_then_detach_a_second_port(self):
        web = self.boot(self.port(91))
        db = self.boot(self.port(92))
        extra = self.port(93)
        self.driver.attach_interface(self.context, web, None, extra)
        code, addresses = self.run_in(web, 'ip', 'addr', 'show', 'eth1')
        self.assertEqual(0, code, addresses)
        self.assertIn('fa:16:3e:00:77:5d', addresses)
        self.assertIn('inet 10.77.0.93/24', addresses)
        self.assertReaches(db, '10.77.0.93')

        self.driver.detach_interface(self.context, web, extra)
        code, _ = self.run_in(web, 'ip', 'addr', 'show', 'eth1')
        self.assertNotEqual(0, code)
        self.assertNotIn(spec.interfaces([extra])[0].host_name,
                         self.host_links())
        self.assertReaches(db, '10.77.0.91')

    def test_attach_to_a_server_booted_without_ports_is_refused(self):
        web = self.boot()
        port = self.port(94)
        self.assertRaises(exception.AttachNeedsPorts,
                          self.driver.attach_interface, self.context, web,
                          None, port)
        self.assertNotIn(spec.interfaces([port])[0].host_name,
                         self.host_links())


class OvsNetworkTest(NetworkTest):
    """The same, with ports of VIF type ovs on an OVS integration bridge."""

    hybrid = False

    def setUp(self):
        super().setUp()
        # os-vif reaches ovsdb-server through its socket (tests/__init__).
        os_vif.initialize()
        ovs_privsep.vif_plug.set_client_mode(False)
        self.ovs_bridge = 'brv' + uuidutils.generate_uuid(dashed=False)[:8]
        processutils.execute('ovs-vsctl', 'add-br', self.ovs_bridge, '--',
                             'set', 'bridge', self.ovs_bridge,
                             'datapath_type=netdev')
        self.addCleanup(processutils.execute, 'ovs-vsctl', '--if-exists',
                        'del-br', self.ovs_bridge)

    def port(self, number, **kwargs):
        kwargs.setdefault('vif_type', 'ovs')
        kwargs.setdefault('bridge', self.ovs_bridge)
        kwargs.setdefault('details', {'datapath_type': 'netdev',
                                      'port_filter': self.hybrid,
                                      'ovs_hybrid_plug': self.hybrid})
        return super().port(number, **kwargs)

    @staticmethod
    def ovs(*args):
        return processutils.execute('ovs-vsctl', *args)[0].strip()

    def switch_port(self, port):
        if self.hybrid:
            return 'qvo' + port['id'][:11]
        return super().switch_port(port)

    def switch_ports(self):
        return set(self.ovs('list-ports', self.ovs_bridge).split())

    def test_ovs_port_carries_what_neutron_looks_for(self):
        port = self.port(101)
        web = self.boot(port)
        ports = self.ovs('list-ports', self.ovs_bridge).split()
        self.assertEqual(1, len(ports))
        external_ids = self.ovs('get', 'Interface', ports[0], 'external_ids')
        self.assertIn('iface-id=%s' % port['id'],
                      external_ids.replace('"', ''))
        self.assertIn('attached-mac=fa:16:3e:00:77:65',
                      external_ids.replace('"', ''))
        self.driver.destroy(self.context, web, [port])
        self.assertEqual('', self.ovs('list-ports', self.ovs_bridge))

    # Not for ovs ports: os-vif creates whatever bridge they name.
    test_failed_plug_leaves_nothing_behind = None
    test_failed_plug_at_compute_start_is_the_instances_alone = None


class OvsHybridNetworkTest(OvsNetworkTest):
    """ovs ports with hybrid plug: a Linux bridge per port, linked to OVS."""

    hybrid = True

    def test_ovs_port_carries_what_neutron_looks_for(self):
        port = self.port(111)
        web = self.boot(port)
        qbr = 'qbr' + port['id'][:11]
        self.assertIn(qbr, self.host_links())
        ports = self.ovs('list-ports', self.ovs_bridge).split()
        self.assertEqual(['qvo' + port['id'][:11]], ports)
        self.driver.destroy(self.context, web, [port])
        self.assertNotIn(qbr, self.host_links())
        self.assertEqual('', self.ovs('list-ports', self.ovs_bridge))


class PrivsepDaemonTest(NetworkTest):
    """The plumbing through a real privsep daemon, as nova-compute runs it:
    a root helper process of its own with only the context's capabilities,
    started here from this environment's privsep-helper."""

    def setUp(self):
        super().setUp()
        helper = os.path.join(sys.prefix, 'bin', 'privsep-helper')
        self.flags.config(helper_command=helper,
                          group='novadocker_privileged')
        privsep.net_admin.set_client_mode(True)
        self.addCleanup(privsep.net_admin.set_client_mode, False)
        self.addCleanup(privsep.net_admin.stop)

    @staticmethod
    def daemons():
        """pid -> effective capabilities of each running net_admin daemon
        (it forks away from whoever started it)."""
        found = {}
        for pid in filter(str.isdigit, os.listdir('/proc')):
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    command = f.read().split(b'\0')
                with open('/proc/%s/status' % pid) as f:
                    status = dict(line.split(':\t', 1) for line in f
                                  if ':\t' in line)
            except OSError:
                continue
            if privsep.net_admin.pypath.encode() in command:
                found[pid] = int(status['CapEff'], 16)
        return found

    def test_ports_through_the_daemon_with_its_capabilities_only(self):
        before = self.daemons()
        web = self.boot(self.port(91))
        self.boot(self.port(92))
        self.assertReaches(web, '10.77.0.92')
        ours = {pid: caps for pid, caps in self.daemons().items()
                if pid not in before}
        wanted = sum(1 << cap for cap in privsep.CAPABILITIES)
        self.assertEqual([wanted], list(ours.values()))


# One test of its own; the others run in the test process above.
for _name in dir(NetworkTest):
    if _name.startswith('test_'):
        setattr(PrivsepDaemonTest, _name, None)
