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

"""Serial console ports on real loopback sockets, the shell a socket pair.

The clock is fake; what the ports' threads do is awaited on their log
lines or on the sockets themselves, never on a sleep.
tests/integration/test_console.py runs a real shell in a container.
"""

import errno
import logging
import queue
import socket
import threading

import fixtures
from oslo_config import fixture as config_fixture
from oslo_utils import uuidutils
import testtools

import nova.conf
from nova.console import serial as nova_serial

from novadocker import console
from novadocker import spec
from tests import fake_engine

CONF = nova.conf.CONF
ADDRESS = '127.0.0.1'
WAIT = 2


class Engine(fake_engine.FakeEngine):
    """exec_tty answers with one end of a socket pair; ``shells`` gives
    the test the other, the shell's side."""

    def __init__(self):
        super().__init__()
        self.shells = queue.Queue()

    def exec_tty(self, name, command):
        self._call('exec_tty', name, tuple(command))
        self._get(name)
        ours, shell = socket.socketpair()
        self.shells.put(shell)
        return ours


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


class LogLines(logging.Handler):
    """The console's log lines, which its threads write."""

    def __init__(self):
        super().__init__()
        self._lines = []
        self._changed = threading.Condition()

    def emit(self, record):
        with self._changed:
            self._lines.append(record.getMessage())
            self._changed.notify_all()

    def count(self, text):
        with self._changed:
            return sum(text in line for line in self._lines)

    def wait_for(self, text, times=1):
        with self._changed:
            if not self._changed.wait_for(
                    lambda: self.count(text) >= times, WAIT):
                raise AssertionError('%r not logged %d times in %s' % (
                    text, times, self._lines))


def read(sock, size):
    """Exactly ``size`` bytes, or what came before the end."""
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), console.CHUNK))
        if not chunk:
            break
        data += chunk
    return bytes(data)


class SerialConsolesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.logs = LogLines()
        logger = logging.getLogger(console.__name__)
        logger.addHandler(self.logs)
        self.addCleanup(logger.removeHandler, self.logs)
        # An instance of each test's own: the threads of a port a test
        # ended may still log, under its instance's uuid, in the next.
        self.uuid = uuidutils.generate_uuid()
        self.container = spec.container_name(self.uuid)
        self.engine = Engine()
        self.engine.put_container(self.container,
                                  {spec.LABEL_UUID: self.uuid})
        self.clock = Clock()
        self.consoles = console.SerialConsoles(self.engine, ADDRESS,
                                               clock=self.clock)
        self.addCleanup(self.consoles.close, self.uuid)

    def connect(self, port):
        sock = socket.create_connection((ADDRESS, port), timeout=WAIT)
        self.addCleanup(sock.close)
        return sock

    def shell(self):
        """The shell's side of the session exec_tty was asked for."""
        shell = self.engine.shells.get(timeout=WAIT)
        self.addCleanup(shell.close)
        shell.settimeout(WAIT)
        return shell

    def session(self):
        """An armed port, and both ends of the session it bridges."""
        port = self.consoles.arm(self.uuid, self.container)
        return port, self.connect(port), self.shell()

    def assertEnded(self, sock):
        try:
            self.assertEqual(b'', sock.recv(1))
        except ConnectionResetError:
            pass

    def assertRefused(self, port, why):
        self.assertEnded(self.connect(port))
        self.logs.wait_for('Refused a serial console connection from '
                           '127.0.0.1 to %s: %s' % (self.uuid, why))

    def test_the_next_connection_is_bridged_to_a_shell_both_ways(self):
        port, proxy, shell = self.session()
        self.assertEqual(1, self.logs.count(
            'Serial console of %s on 127.0.0.1:%d' % (self.uuid, port)))
        self.assertEqual([(self.container, tuple(console.COMMAND))],
                         self.engine.called('exec_tty'))
        proxy.sendall(b'id -u\n')
        self.assertEqual(b'id -u\n', read(shell, 6))
        shell.sendall(b'0\r\n')
        self.assertEqual(b'0\r\n', read(proxy, 3))

    def test_the_shell_exiting_ends_the_connection(self):
        port, proxy, shell = self.session()
        shell.sendall(b'bye\r\n')
        shell.close()
        self.assertEqual(b'bye\r\n', read(proxy, 100))
        self.logs.wait_for('Serial console session to %s ended' % self.uuid)

    def test_the_proxy_hanging_up_ends_the_shell(self):
        port, proxy, shell = self.session()
        proxy.close()
        self.assertEnded(shell)
        self.logs.wait_for('Serial console session to %s ended' % self.uuid)

    def test_arming_again_keeps_the_port_and_renews_it(self):
        port = self.consoles.arm(self.uuid, self.container)
        self.clock.now = console.ARMED_SECONDS - 1
        self.assertEqual(port, self.consoles.arm(self.uuid, self.container))
        self.clock.now = 2 * console.ARMED_SECONDS - 1
        self.connect(port)
        self.shell()

    def test_an_arm_lasts_its_seconds_and_no_more(self):
        for late, accepted in [(0, True), (0.001, False)]:
            port = self.consoles.arm(self.uuid, self.container)
            self.clock.now += console.ARMED_SECONDS + late
            if accepted:
                proxy = self.connect(port)
                self.shell()
                proxy.close()
                self.logs.wait_for('session to %s ended' % self.uuid)
            else:
                self.assertRefused(port, 'nova asked for no console')
        self.assertEqual(1, len(self.engine.called('exec_tty')))

    def test_each_arm_serves_one_connection_and_one_at_a_time(self):
        port, proxy, shell = self.session()
        self.assertRefused(port, 'a session is open')
        # The open session is not disturbed.
        proxy.sendall(b'still here\n')
        self.assertEqual(b'still here\n', read(shell, 11))
        shell.close()
        self.logs.wait_for('session to %s ended' % self.uuid)
        # That session spent the arm: anyone's next connection is refused.
        self.assertRefused(port, 'nova asked for no console')
        self.assertEqual(1, len(self.engine.called('exec_tty')))

    def test_close_ends_the_session_and_stops_listening(self):
        port, proxy, shell = self.session()
        self.consoles.close(self.uuid)
        self.assertEnded(proxy)
        self.assertEnded(shell)
        self.assertRaises(ConnectionRefusedError, socket.create_connection,
                          (ADDRESS, port))
        self.assertNotIn((ADDRESS, port), nova_serial.ALLOCATED_PORTS)
        # Once is enough: closing again, or an instance with no console.
        self.consoles.close(self.uuid)
        self.consoles.close('another-uuid')
        # The next arm listens anew.
        port = self.consoles.arm(self.uuid, self.container)
        self.connect(port)
        self.shell()

    def test_a_shell_the_engine_refuses_ends_the_connection(self):
        self.engine.fail_on('exec_tty')
        port = self.consoles.arm(self.uuid, self.container)
        self.assertEnded(self.connect(port))
        self.logs.wait_for('No serial console shell in %s: ' % self.uuid)
        self.assertEqual(0, self.logs.count('session to %s ended' % self.uuid))

    def test_a_flood_the_proxy_does_not_read_stalls_the_shell(self):
        port = self.consoles.arm(self.uuid, self.container)
        proxy = socket.socket()
        self.addCleanup(proxy.close)
        proxy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        proxy.settimeout(WAIT)
        proxy.connect((ADDRESS, port))
        shell = self.shell()
        # Kernel buffers, not the console, hold what is not read yet: the
        # shell's writes stop short of this.
        limit = 64 * 1024 * 1024
        block = bytes(range(256)) * 256
        shell.settimeout(0.1)
        sent = 0
        try:
            while sent < limit:
                sent += shell.send(block[sent % len(block):])
        except TimeoutError:
            pass
        self.assertLess(sent, limit)
        # Every byte arrives once the proxy reads, in order.
        data = read(proxy, sent)
        self.assertEqual(sent, len(data))
        self.assertEqual((block * (sent // len(block) + 1))[:sent], data)

    def test_a_failed_accept_leaves_the_port_listening(self):
        accept = socket.socket.accept
        failures = [OSError(errno.EMFILE, 'Too many open files')]

        def failing_once(sock):
            if failures:
                raise failures.pop()
            return accept(sock)

        self.useFixture(fixtures.MockPatchObject(socket.socket, 'accept',
                                                 failing_once))
        self.useFixture(fixtures.MockPatchObject(
            console, 'ACCEPT_RETRY_SECONDS', 0.01))
        port, proxy, shell = self.session()
        self.logs.wait_for('Serial console of %s could not accept a '
                           'connection: [Errno 24] Too many open files'
                           % self.uuid)
        proxy.sendall(b'id -u\n')
        self.assertEqual(b'id -u\n', read(shell, 6))

    def test_a_port_that_cannot_listen_is_given_back(self):
        taken = socket.create_server((ADDRESS, 0))
        self.addCleanup(taken.close)
        number = taken.getsockname()[1]
        self.useFixture(config_fixture.Config(CONF)).config(
            group='serial_console',
            port_range='%d:%d' % (number, number + 1))
        # nova's probe would see the port taken; told it is free, the
        # console's own bind is what fails, as when another process takes
        # the port between the two.
        self.useFixture(fixtures.MockPatch(
            'nova.console.serial._verify_port'))
        self.assertRaises(OSError, self.consoles.arm, self.uuid,
                          self.container)
        self.assertNotIn((ADDRESS, number), nova_serial.ALLOCATED_PORTS)
        # No port was kept for the instance: the next arm tries again.
        self.assertRaises(OSError, self.consoles.arm, self.uuid,
                          self.container)
