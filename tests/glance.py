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

"""A real glance-api for tests: sqlite, file store, no keystone.

One server per test process, started on first use from the virtualenv named
by NOVA_DOCKER_GLANCE_VENV (tools/run-tests.sh makes .venv-glance) and
stopped when the process exits.
"""

import atexit
import os
import shutil
import signal
import socket
import tempfile
import threading
import time

import requests

from novadocker_sandbox import glance as glance_api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get('NOVA_DOCKER_GLANCE_VENV',
                      os.path.join(ROOT, '.venv-glance'))

_lock = threading.Lock()
_server = None
# nova's test cases point tempfile at a directory of their own and remove
# it when they end; the server outlives them.
_TMP = tempfile.gettempdir()


class GlanceServer:

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='nova-docker-glance-', dir=_TMP)
        glance_api.configure(VENV, self.dir)
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        self.endpoint = 'http://127.0.0.1:%d' % port
        self._log = open(os.path.join(self.dir, 'api.log'), 'wb')
        self._process = glance_api.start(VENV, self.dir, '127.0.0.1:%d' % port,
                                         self._log)
        self._wait()

    def _wait(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                # The port accepts before the app has loaded.
                requests.get(self.endpoint + '/v2/images', timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError('glance-api did not start; see %s' % self.dir)

    def stop(self):
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(30)
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- a user's view: raw HTTP, as the openstack client would --------

    def create(self, data=None, **fields):
        fields.setdefault('name', 'test image')
        fields.setdefault('container_format', 'docker')
        fields.setdefault('disk_format', 'raw')
        image = self._checked(requests.post(
            self.endpoint + '/v2/images', json=fields, timeout=30)).json()
        if data is not None:
            requests.put(self.endpoint + '/v2/images/%s/file' % image['id'],
                         data=data, timeout=300,
                         headers={'Content-Type': 'application/octet-stream'}
                         ).raise_for_status()
        return self.show(image['id'])

    def _checked(self, response):
        """The response, or an error carrying glance-api's own log."""
        if not response.ok:
            log_path = os.path.join(self.dir, 'api.log')
            with open(log_path, errors='replace') as f:
                log = f.read()[-4000:]
            raise RuntimeError('glance-api answered %s: %s\n%s' % (
                response.status_code, response.text[:500], log))
        return response

    def show(self, image_id):
        response = requests.get(self.endpoint + '/v2/images/' + image_id,
                                timeout=30)
        response.raise_for_status()
        return response.json()

    def list(self):
        response = requests.get(self.endpoint + '/v2/images', timeout=30)
        response.raise_for_status()
        return response.json()['images']

    def delete(self, image_id):
        requests.delete(self.endpoint + '/v2/images/' + image_id, timeout=30)


def server():
    global _server
    with _lock:
        if _server is None:
            _server = GlanceServer()
            atexit.register(_server.stop)
    return _server
