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

"""The serial console and the admin password, on the real engine."""

import socket
import time

from nova import exception as nova_exception

from novadocker import console
from novadocker import exception
from novadocker import spec
from tests.integration import base


def read_until(sock, text, seconds=10):
    """What the console said up to ``text``."""
    sock.settimeout(seconds)
    seen = b''
    while text not in seen:
        data = sock.recv(4096)
        if not data:
            break
        seen += data
    return seen


class SerialConsoleTest(base.DriverTestCase):

    def setUp(self):
        super().setUp()
        self.flags.config(port_range='20000:20100', group='serial_console')
        self.instance = self.spawn()
        self.addCleanup(self.driver._consoles.close, self.instance.uuid)

    def connect(self):
        info = self.driver.get_serial_console(self.context, self.instance)
        self.assertEqual('127.0.0.1', info.host)
        return socket.create_connection((info.host, info.port), timeout=10)

    def test_a_session_is_a_shell_in_the_container(self):
        with self.connect() as sock:
            sock.sendall(b'echo "in $(hostname)"; id -u\n')
            said = read_until(sock, b'\n0\r\n')
        self.assertIn(b'in web1', said)
        # The same port each time nova asks: the proxy checks it.
        port = self.driver.get_serial_console(self.context,
                                              self.instance).port
        with self.connect() as sock:
            self.assertEqual(port, sock.getpeername()[1])
            sock.sendall(b'echo second\n')
            self.assertIn(b'second', read_until(sock, b'second\r\n'))

    def test_a_connection_nova_did_not_ask_for_is_refused(self):
        session = self.connect()
        session.sendall(b'echo ready\n')
        read_until(session, b'ready\r\n')
        port = session.getpeername()[1]
        self.assertRefused(port, 'a session is open')
        session.close()
        self.wait_for_log('session to %s ended' % self.instance.uuid)
        # The arm was spent on that session: the next connection, from
        # anyone, is closed unanswered.
        self.assertRefused(port, 'nova asked for no console')

    def assertRefused(self, port, why):
        with socket.create_connection(('127.0.0.1', port)) as sock:
            sock.settimeout(10)
            try:
                self.assertEqual(b'', sock.recv(100))
            except ConnectionResetError:
                pass
        self.wait_for_log(why)

    def wait_for_log(self, text):
        deadline = time.monotonic() + 10
        while text not in self.logger.output:
            self.assertLess(time.monotonic(), deadline, text)
            time.sleep(0.05)

    def test_an_arm_expires(self):
        clock = [0.0]
        consoles = console.SerialConsoles(self.driver._engine, '127.0.0.1',
                                          clock=lambda: clock[0])
        self.addCleanup(consoles.close, self.instance.uuid)
        port = consoles.arm(self.instance.uuid,
                            spec.container_name(self.instance.uuid))
        clock[0] = console.ARMED_SECONDS + 1
        self.assertRefused(port, 'nova asked for no console')

    def test_destroy_closes_the_port_and_the_session(self):
        sock = self.connect()
        port = sock.getpeername()[1]
        self.addCleanup(sock.close)
        sock.sendall(b'echo ready\n')
        read_until(sock, b'ready\r\n')
        self.driver.destroy(self.context, self.instance, [])
        sock.settimeout(10)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        self.assertRaises(ConnectionRefusedError, socket.create_connection,
                          ('127.0.0.1', port))

    def test_a_stopped_instance_has_no_console(self):
        self.driver.power_off(self.instance, timeout=0)
        self.assertRaises(nova_exception.InstanceNotReady,
                          self.driver.get_serial_console, self.context,
                          self.instance)


class AdminPasswordTest(base.DriverTestCase):

    def run_in(self, instance, command):
        exec_id = self.client.exec_create(
            spec.container_name(instance.uuid), command)
        return self.client.exec_start(exec_id)

    def test_set_through_the_images_chpasswd(self):
        instance = self.spawn()
        # Debian's static busybox has no chpasswd: one that keeps what it
        # reads stands in.
        self.run_in(instance, ['/bin/sh', '-c',
                               'printf "#!/bin/sh\\ncat > /got\\n" > '
                               '/bin/chpasswd && chmod +x /bin/chpasswd'])
        self.driver.set_admin_password(instance, 's3cret pass')
        self.assertEqual(b'root:s3cret pass\n',
                         self.run_in(instance, ['cat', '/got']))
        # Nothing of the password on a command line the engine keeps.
        self.assertNotIn('s3cret', str(self.inspect(instance)))

    def test_an_image_without_chpasswd(self):
        instance = self.spawn()
        self.assertRaises(nova_exception.SetAdminPasswdNotSupported,
                          self.driver.set_admin_password, instance, 'x')
        self.assertIn('has no chpasswd', self.logger.output)

    def test_a_chpasswd_that_fails(self):
        instance = self.spawn()
        self.run_in(instance, ['/bin/sh', '-c',
                               'printf "#!/bin/sh\\necho no root\\nexit 1'
                               '\\n" > /bin/chpasswd && '
                               'chmod +x /bin/chpasswd'])
        error = self.assertRaises(exception.PasswordNotSet,
                                  self.driver.set_admin_password,
                                  instance, 'x')
        self.assertIn('chpasswd in the container exited with 1: no root',
                      str(error))
