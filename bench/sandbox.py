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

"""The sandbox: time from "up" to the first ACTIVE server, the cost of a
port, and its memory.

Runs ``nova-docker-sandbox up`` in a fresh state directory (packages
already installed), boots the demo image through the compute API as the
demo user, and reports the time from the command to ACTIVE; then boots
servers with a port on ``private`` and without one (``networks: none``),
interleaved, each deleted before the next, and reports the ratio run by
run: what Neutron's port flow (port creation, binding, OVN, the plug and
network-vif-plugged) costs a boot. Then the resident memory of each of
the sandbox's processes (with their children) with one server running,
and the time keystone takes to issue a token; then ``down``. For scale,
the same run times ``docker run`` of an image of the same kind. The
sandbox's ports must be free.
"""

import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import docker
import requests

from bench import common
from novadocker_sandbox import config
from novadocker_sandbox import keystone
from novadocker_sandbox import procs
from tests.integration import base

TOKENS = 20


def _sandbox(env, *args):
    subprocess.run([os.path.join(sys.prefix, 'bin', 'nova-docker-sandbox')] +
                   list(args), env=env, check=True, stdout=subprocess.DEVNULL)


class _Compute:
    """The compute API as the demo user."""

    def __init__(self, token):
        self.api = config.url('nova-api') + '/v2.1'
        self.headers = {'X-Auth-Token': token,
                        'OpenStack-API-Version': 'compute latest'}
        self.flavor = self._get('/flavors?name=m1.tiny')['flavors'][0]['id']
        images = requests.get(
            config.url('glance-api') + '/v2/images?name=demo',
            headers=self.headers, timeout=30)
        images.raise_for_status()
        if not images.json()['images']:
            raise RuntimeError('the sandbox has no "demo" image in Glance')
        self.image = images.json()['images'][0]['id']

    def _get(self, path):
        response = requests.get(self.api + path, headers=self.headers,
                                timeout=30)
        response.raise_for_status()
        return response.json()

    def active(self, networks):
        """Seconds from the request to ACTIVE of a server with
        ``networks`` ('none', or 'auto': a port on the project's
        network); the server's id."""
        start = time.perf_counter()
        server = requests.post(self.api + '/servers', timeout=30,
                               headers=self.headers, json={'server': {
                                   'name': 'bench', 'imageRef': self.image,
                                   'flavorRef': self.flavor,
                                   'networks': networks}})
        server.raise_for_status()
        server = server.json()['server']['id']
        while True:
            status = self._get('/servers/' + server)['server']['status']
            if status == 'ACTIVE':
                return time.perf_counter() - start, server
            if status == 'ERROR':
                raise RuntimeError('the benchmark server went to ERROR')
            time.sleep(0.1)

    def delete(self, server):
        requests.delete(self.api + '/servers/' + server,
                        headers=self.headers, timeout=30).raise_for_status()
        while requests.get(self.api + '/servers/' + server,
                           headers=self.headers,
                           timeout=30).status_code != 404:
            time.sleep(0.2)

    def boot_time(self, networks):
        elapsed, server = self.active(networks)
        self.delete(server)
        return elapsed


def _memory(state):
    """MiB of resident memory of each sandbox process, by name."""
    memory = {}
    for path in sorted(glob.glob(os.path.join(state, 'run', '*.pid'))):
        pid = procs.read_pid(path)
        if pid:
            memory[os.path.basename(path)[:-4]] = procs.tree_rss(pid) / 2**20
    return memory


def _token_times(state):
    times = []
    for _ in range(TOKENS):
        start = time.perf_counter()
        keystone.user_token(state, config.DEMO)
        times.append(time.perf_counter() - start)
    return times


def _raw_docker_run(client):
    start = time.perf_counter()
    container = client.create_container(
        base.test_image(), host_config=client.create_host_config(
            network_mode='none'))
    client.start(container['Id'])
    elapsed = time.perf_counter() - start
    client.remove_container(container['Id'], force=True)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--runs', type=int, default=5,
                        help='boots with and without a port (default: 5)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        state = os.path.join(directory, 'state')
        env = dict(os.environ, NOVA_DOCKER_SANDBOX_DIR=state,
                   OS_CLIENT_CONFIG_FILE=os.path.join(directory, 'c.yaml'))
        start = time.perf_counter()
        _sandbox(env, 'up')
        try:
            up = time.perf_counter() - start
            compute = _Compute(keystone.user_token(state, config.DEMO))
            active, first = compute.active('none')
            boots = {'auto': [], 'none': []}
            for _ in range(args.runs):
                for networks, times in boots.items():
                    times.append(compute.boot_time(networks))
            memory = _memory(state)
            compute.delete(first)
            tokens = _token_times(state)
        finally:
            _sandbox(env, 'down')
    raw = _raw_docker_run(docker.APIClient(version='auto'))
    print('sandbox up (fresh state):          %6.1f s' % up)
    print('command to first ACTIVE server:    %6.1f s' % active)
    print('raw docker create + start:         %6.3f s' % raw)
    print('boot to ACTIVE, %d interleaved runs: with a port %s, without '
          '%s; ratio %s' % (
              args.runs, common.spread(boots['auto'], ' s'),
              common.spread(boots['none'], ' s'),
              common.ratios(boots['auto'], boots['none'])))
    print('keystone token (%d): median %.3f s, min %.3f s, max %.3f s'
          % (TOKENS, statistics.median(tokens), min(tokens), max(tokens)))
    print('memory with one server (MiB): %s; total %.0f' % (
        ', '.join('%s %.0f' % item for item in memory.items()),
        sum(memory.values())))


if __name__ == '__main__':
    main()
