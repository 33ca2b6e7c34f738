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

"""The privileged side's checks of what it is asked to do."""

import os
import threading

import fixtures
import testtools

from novadocker.network import checks
from novadocker import spec
from tests.unit import fakes

PORT = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'


def interface(**changes):
    values = dict(spec.interfaces([fakes.vif(
        port_id=PORT, routes=(('10.30.0.0/16', '10.20.0.254'),))])[0]
        .__dict__)
    values.update(changes)
    return values


class InterfaceTest(testtools.TestCase):

    def test_a_port_as_the_driver_makes_it(self):
        checked = checks.interface(interface())
        self.assertEqual({
            'host_name': 'tap3f2a1b4c-5d', 'peer_name': 'ns3f2a1b4c-5d6e',
            'name': 'eth0', 'mac': 'fa:16:3e:00:00:01', 'mtu': 1450,
            'addresses': [('10.20.0.5', 24)],
            'routes': [('default', '10.20.0.1'),
                       ('10.30.0.0/16', '10.20.0.254')],
            'metric': 0, 'create_bridge': True, 'software_checksums': False},
            checked)

    def test_anything_else_is_refused(self):
        for changes in [
                {'host_name': 'eth0'}, {'host_name': 'lo'},
                {'host_name': 'tap-x; rm'}, {'host_name': 'docker0'},
                {'peer_name': 'eth0'}, {'name': 'lo'}, {'name': 'eth0 '},
                {'mac': 'fa:16:3e:00:00'}, {'mac': None},
                {'mtu': 20}, {'mtu': '1500'}, {'mtu': True},
                {'addresses': [('10.0.0.300', 24)]},
                {'addresses': [('10.0.0.3', 33)]},
                {'addresses': [('fd00::3', 129)]},
                {'routes': [('10.0.0.1/8', '10.0.0.1')]},
                {'routes': [('default', 'gateway')]},
                {'metric': -1}, {'metric': 2 ** 32}]:
            self.assertRaises(checks.Refused, checks.interface,
                              interface(**changes))

    def test_bridges(self):
        for name in ('brq3f2a1b4c-5d', 'br-ex', 'qbr+', 'brt_1.2'):
            self.assertEqual(name, checks.bridge(name))
        for name in ('-j', '', 'a' * 16, 'br ex', 'br+', None, 'br/x'):
            self.assertRaises(checks.Refused, checks.bridge, name)

    def test_host_ends(self):
        self.assertEqual('tap3f2a1b4c-5d', checks.host_end('tap3f2a1b4c-5d'))
        for name in ('eth0', 'br-int', 'tap', 'qvo3f2a1b4c-5d', 'tapX'):
            self.assertRaises(checks.Refused, checks.host_end, name)


class HolderPidTest(testtools.TestCase):
    """Against a fake /proc: a holder, the host, anything else."""

    def setUp(self):
        super().setUp()
        self.proc = self.useFixture(fixtures.TempDir()).path
        self.process('self', b'nova-compute\0', 'host-netns')

    def process(self, pid, cmdline, netns):
        os.makedirs(os.path.join(self.proc, str(pid), 'ns'))
        with open(os.path.join(self.proc, str(pid), 'cmdline'), 'wb') as f:
            f.write(cmdline)
        # A file of its own stands for each namespace (its inode).
        target = os.path.join(self.proc, netns)
        if not os.path.exists(target):
            open(target, 'w').close()
        os.link(target, os.path.join(self.proc, str(pid), 'ns', 'net'))

    def test_holder_in_a_namespace_of_its_own(self):
        self.process(4242, b'/bin/sleep\x002147483647\x00', 'holder-netns')
        self.assertEqual(4242, checks.holder_pid(4242, proc=self.proc))

    def test_a_holder_still_starting_is_waited_for(self):
        self.process(4243, b'runc\0init\0', 'holder-netns')
        cmdline = os.path.join(self.proc, '4243', 'cmdline')

        def exec_the_holder():
            with open(cmdline, 'wb') as f:
                f.write(b'/bin/sleep\x002147483647\x00')

        threading.Timer(0.2, exec_the_holder).start()
        self.assertEqual(4243, checks.holder_pid(4243, proc=self.proc))

    def test_anything_else_is_refused(self):
        self.process(10, b'/bin/sh\0-c\0sleep 2147483647\0', 'netns-a')
        self.process(11, b'/bin/sleep\x002147483647\x00', 'host-netns')
        for pid, text in ((10, 'not a namespace holder'),
                          (11, "shares this host's network namespace"),
                          (12, 'cannot be inspected'),
                          (1, 'out of range'), ('10', 'out of range')):
            error = self.assertRaises(checks.Refused, checks.holder_pid,
                                      pid, proc=self.proc, patience=0.1)
            self.assertIn(text, str(error))
