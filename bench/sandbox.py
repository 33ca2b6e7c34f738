"""The sandbox: time from "up" to the first ACTIVE server, and its memory.

Runs ``nova-docker-sandbox up`` in a fresh state directory (packages
already installed), boots the demo image through the compute API as the
demo user, and reports the time from the command to ACTIVE, the resident
memory of each of the sandbox's processes (with their children) with one
server running, and the time keystone takes to issue a token; then
``down``. For scale, the same run times ``docker run`` of an image of the
same kind. The sandbox's ports must be free.
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

from novadocker_sandbox import config
from novadocker_sandbox import keystone
from novadocker_sandbox import procs
from tests.integration import base

TOKENS = 20


def _sandbox(env, *args):
    subprocess.run([os.path.join(sys.prefix, 'bin', 'nova-docker-sandbox')] +
                   list(args), env=env, check=True, stdout=subprocess.DEVNULL)


def _demo_token(state):
    return keystone.token(config.DEMO, config.passwords(state)[config.DEMO],
                          config.DEMO)[0]


def _first_active(token):
    api = config.url('nova-api') + '/v2.1'
    headers = {'X-Auth-Token': token,
               'OpenStack-API-Version': 'compute latest'}
    flavor = requests.get(api + '/flavors?name=m1.tiny', headers=headers,
                          timeout=30).json()['flavors']
    image = requests.get(config.url('glance-api') + '/v2/images?name=demo',
                         headers=headers, timeout=30).json()['images'][0]
    server = requests.post(api + '/servers', timeout=30, headers=headers,
                           json={'server': {
                               'name': 'bench', 'imageRef': image['id'],
                               'flavorRef': flavor[0]['id'],
                               'networks': 'none'}})
    server.raise_for_status()
    url = api + '/servers/' + server.json()['server']['id']
    while True:
        status = requests.get(url, headers=headers,
                              timeout=30).json()['server']['status']
        if status == 'ACTIVE':
            return
        if status == 'ERROR':
            raise RuntimeError('the benchmark server went to ERROR')
        time.sleep(0.1)


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
        _demo_token(state)
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
    argparse.ArgumentParser(description=__doc__).parse_args()
    with tempfile.TemporaryDirectory() as directory:
        state = os.path.join(directory, 'state')
        env = dict(os.environ, NOVA_DOCKER_SANDBOX_DIR=state,
                   OS_CLIENT_CONFIG_FILE=os.path.join(directory, 'c.yaml'))
        start = time.perf_counter()
        _sandbox(env, 'up')
        try:
            up = time.perf_counter() - start
            command = time.perf_counter()
            _first_active(_demo_token(state))
            active = time.perf_counter() - command
            memory = _memory(state)
            tokens = _token_times(state)
        finally:
            _sandbox(env, 'down')
    raw = _raw_docker_run(docker.APIClient(version='auto'))
    print('sandbox up (fresh state):          %6.1f s' % up)
    print('command to first ACTIVE server:    %6.1f s' % active)
    print('raw docker create + start:         %6.3f s' % raw)
    print('keystone token (%d): median %.3f s, min %.3f s, max %.3f s'
          % (TOKENS, statistics.median(tokens), min(tokens), max(tokens)))
    print('memory with one server (MiB): %s; total %.0f' % (
        ', '.join('%s %.0f' % item for item in memory.items()),
        sum(memory.values())))


if __name__ == '__main__':
    main()
