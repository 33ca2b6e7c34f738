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

"""Interactive serial consoles: a shell in the container on a TCP port.

nova's serial console proxy connects to the host and port a driver gives
it and relays bytes between that connection and the user's websocket, as
for a virtual machine's serial port that QEMU serves on TCP. A container
has no serial port: each connection here gets a shell (``COMMAND``) run
in the container on a terminal of its own, for as long as the connection
lasts.

The port takes connections only when nova has just asked for the console
(``arm``): nova asks once when it makes the URL and again when the proxy
checks the port before connecting. Any other connection, from whoever can
reach the address, is closed unanswered and logged: a shell in a container
must not be one TCP connect away. One connection at a time, as QEMU's.
"""

import socket
import threading
import time

from oslo_log import log as logging

from nova.console import serial as nova_serial

LOG = logging.getLogger(__name__)

COMMAND = ['/bin/sh']
# How long a port stays armed after nova asked for the console.
ARMED_SECONDS = 60
CHUNK = 64 * 1024
# A listener whose accept fails tries again after this long, not at once:
# a failure that lasts (no file descriptors) would spin and flood the log.
ACCEPT_RETRY_SECONDS = 1


class SerialConsoles:
    """Every instance's console port on this host."""

    def __init__(self, engine, address, clock=time.monotonic):
        self._engine = engine
        self._address = address
        self._clock = clock
        self._lock = threading.Lock()
        self._ports = {}

    def arm(self, instance_uuid, container):
        """The port of the instance's console, listening (again) for the
        next connection nova's proxy makes."""
        with self._lock:
            port = self._ports.get(instance_uuid)
            if port is None:
                port = _Port(self._engine, self._address, container,
                             instance_uuid, self._clock)
                self._ports[instance_uuid] = port
            port.arm()
            return port.number

    def close(self, instance_uuid):
        """Stop listening for the instance and end its session."""
        with self._lock:
            port = self._ports.pop(instance_uuid, None)
        if port:
            port.close()


class _Port:

    def __init__(self, engine, address, container, instance_uuid, clock):
        self._engine = engine
        self._container = container
        self._uuid = instance_uuid
        self._clock = clock
        self._lock = threading.Lock()
        self._armed_until = None
        # The open session's sockets (the proxy's, the shell's); None
        # once the port is closed.
        self._session = []
        self.number = nova_serial.acquire_port(address)
        self._address = address
        try:
            self._listener = socket.create_server((address, self.number))
        except OSError:
            nova_serial.release_port(address, self.number)
            raise
        threading.Thread(target=self._serve, daemon=True,
                         name='console-' + instance_uuid).start()
        LOG.info('Serial console of %(uuid)s on %(address)s:%(port)d', {
            'uuid': instance_uuid, 'address': address, 'port': self.number})

    def arm(self):
        with self._lock:
            self._armed_until = self._clock() + ARMED_SECONDS

    def close(self):
        with self._lock:
            session, self._session = self._session or [], None
        # shutdown wakes the thread blocked in accept; close alone does not.
        for sock in [self._listener] + session:
            _shut(sock)
        nova_serial.release_port(self._address, self.number)

    def _serve(self):
        while True:
            try:
                connection, peer = self._listener.accept()
            except OSError as e:
                with self._lock:
                    if self._session is None:
                        return
                # Out of file descriptors, a connection reset before it
                # was taken: the port must outlive it, or the next arm
                # would hand nova a port nobody answers.
                LOG.warning('Serial console of %(uuid)s could not accept a '
                            'connection: %(error)s', {'uuid': self._uuid,
                                                      'error': e})
                time.sleep(ACCEPT_RETRY_SECONDS)
                continue
            refusal = self._take(connection)
            if refusal:
                LOG.warning('Refused a serial console connection from '
                            '%(peer)s to %(uuid)s: %(why)s', {
                                'peer': peer[0], 'uuid': self._uuid,
                                'why': refusal})
                _shut(connection)
                continue
            threading.Thread(target=self._relay, args=(connection, peer),
                             daemon=True).start()

    def _take(self, connection):
        """Why ``connection`` is refused, or None once it is the session:
        a port serves one connection for each time nova asked."""
        with self._lock:
            if self._session is None:
                return 'the console is closed'
            if self._session:
                return 'a session is open'
            armed, self._armed_until = self._armed_until, None
            if armed is None or self._clock() > armed:
                return 'nova asked for no console'
            self._session.append(connection)
        return None

    def _relay(self, connection, peer):
        LOG.info('Serial console session from %(peer)s to %(uuid)s', {
            'peer': peer[0], 'uuid': self._uuid})
        try:
            shell = self._engine.exec_tty(self._container, COMMAND)
        except Exception as e:
            LOG.warning('No serial console shell in %(uuid)s: %(error)s', {
                'uuid': self._uuid, 'error': e})
            self._end([connection])
            return
        with self._lock:
            if self._session is not None:
                self._session.append(shell)
        threading.Thread(target=_pump, args=(connection, shell),
                         daemon=True).start()
        _pump(shell, connection)
        self._end([connection, shell])
        LOG.info('Serial console session to %s ended', self._uuid)

    def _end(self, sockets):
        for sock in sockets:
            _shut(sock)
        with self._lock:
            if self._session is not None:
                self._session.clear()


def _pump(source, sink):
    """Copy until either side ends; then end both, so the other pump
    ends too."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    _shut(source)
    _shut(sink)


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
