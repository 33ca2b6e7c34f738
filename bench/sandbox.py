"""The sandbox: time from "up" to the first ACTIVE server, and its memory.

Runs ``nova-docker-sandbox up`` in a fresh state directory (packages
already installed), boots the demo image through the compute API, and
reports the time from the command to ACTIVE and the resident memory of the
sandbox's processes (nova's and glance-api's, with their children) with one
server running; then ``down``. For scale, the same run times ``docker run``
of an image of the same kind. The sandbox's ports must be free.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import docker
import requests

from novadocker_sandbox import config
from novadocker_sandbox import procs
from tests.integration import base


def _sandbox(env, *args):
    subprocess.run([os.path.join(sys.prefix, 'bin', 'nova-docker-sandbox')] +
                   list(args), env=env, check=True, stdout=subprocess.DEVNULL)


def _first_active(api):
    flavor = requests.get(api + '/flavors?name=m1.tiny',
                          timeout=30).json()['flavors']
    image = requests.get(config.url('glance-api') + '/v2/images?name=demo',
                         timeout=30).json()['images'][0]
    server = requests.post(api + '/servers', timeout=30, headers={
        'OpenStack-API-Version': 'compute latest'}, json={'server': {
            'name': 'bench', 'imageRef': image['id'],
            'flavorRef': flavor[0]['id'], 'networks': 'none'}})
    server.raise_for_status()
    url = api + '/servers/' + server.json()['server']['id']
    while True:
        status = requests.get(url, timeout=30).json()['server']['status']
        if status == 'ACTIVE':
            return
        if status == 'ERROR':
            raise RuntimeError('the benchmark server went to ERROR')
        time.sleep(0.1)


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
            _first_active(config.url('nova-api') + '/v2.1')
            active = time.perf_counter() - start
            memory = {}
            for name in ('nova', 'glance'):
                pid = procs.read_pid(os.path.join(state, name + '.pid'))
                memory[name] = procs.tree_rss(pid) / 2 ** 20
        finally:
            _sandbox(env, 'down')
    raw = _raw_docker_run(docker.APIClient(version='auto'))
    print('sandbox up (fresh state):          %6.1f s' % up)
    print('command to first ACTIVE server:    %6.1f s' % active)
    print('raw docker create + start:         %6.3f s' % raw)
    print('memory with one server: nova %.0f MiB, glance-api %.0f MiB, '
          'total %.0f MiB' % (memory['nova'], memory['glance'],
                              sum(memory.values())))


if __name__ == '__main__':
    main()
