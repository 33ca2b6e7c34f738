"""``nova-docker-sandbox``: the all-in-one sandbox up, its status, logs, down.

``up`` expects a Docker engine and the registry on 127.0.0.1:5042 to be
running (``tools/sandbox.sh`` installs and starts them on a fresh machine);
it starts glance-api and the ``cloud`` process, waits for nova-compute to
report in, and on first start creates flavors and uploads a demo image.
"""

import argparse
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import docker
import requests
import yaml

from novadocker_sandbox import auth
from novadocker_sandbox import config
from novadocker_sandbox import demo
from novadocker_sandbox import glance
from novadocker_sandbox import procs
from novadocker import spec

CLOUD = 'nova-docker'
REGISTRY = '127.0.0.1:5042'
FLAVORS = (
    # name, MB of memory, vCPUs, GB of disk
    ('m1.tiny', 512, 1, 1),
    ('m1.small', 2048, 1, 20),
    ('m1.medium', 4096, 2, 40),
)
STOP_TIMEOUT = 30
API_TIMEOUT = 30
# What marks a state directory as the sandbox's (tools/sandbox.sh writes
# the same): "down" removes no other.
MARKER = '.nova-docker-sandbox'
MARKER_TEXT = 'nova-docker-sandbox state directory\n'


class SandboxError(Exception):
    """A failure the user can act on; printed without a traceback."""


def say(message):
    print(message, flush=True)


class Sandbox:

    def __init__(self, directory, glance_venv=None, clouds_yaml=None):
        self.dir = os.path.abspath(directory)
        self.glance_venv = glance_venv
        self.clouds_yaml = clouds_yaml

    def path(self, *names):
        return os.path.join(self.dir, *names)

    # --- processes ------------------------------------------------------

    def pid(self, name):
        """The pid of the sandbox's ``name`` process if it runs, else None."""
        return procs.read_pid(self.path(name + '.pid'))

    def _start(self, name, args, log_name, env=None):
        log = open(self.path(log_name), 'ab')
        process = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        procs.write_pid(self.path(name + '.pid'), process)

    # --- HTTP -----------------------------------------------------------

    @staticmethod
    def _call(base, method, path, **kwargs):
        kwargs.setdefault('timeout', API_TIMEOUT)
        response = requests.request(method, base + path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def nova(self, method, path, **kwargs):
        return self._call(config.url('nova-api') + '/v2.1', method, path,
                          headers={'OpenStack-API-Version': 'compute latest',
                                   'X-Auth-Token': auth.TOKEN}, **kwargs)

    def glance(self, method, path, **kwargs):
        return self._call(config.url('glance-api') + '/v2', method, path,
                          **kwargs)

    # --- up -------------------------------------------------------------

    def up(self):
        started = time.monotonic()
        running = self.pid('nova')
        if running:
            say('The sandbox is already running (nova: pid %d); see '
                '"nova-docker-sandbox status".' % running)
            return
        self._claim_dir()
        # What a crashed sandbox left running would hold its ports.
        self._stop_processes()
        self._check_ports()

        say('[1/5] Docker engine and registry')
        client = self._engine()
        self._registry()

        say('[2/5] glance-api on %s' % config.url('glance-api'))
        glance_dir = self.path('glance')
        glance.configure(self.glance_venv, glance_dir)
        address = '%s:%d' % (config.HOST, config.PORTS['glance-api'])
        self._start('glance', glance.command(self.glance_venv, address),
                    'glance.log', env=glance.environment(glance_dir))

        say('[3/5] nova: compute API on %s, placement, conductor, scheduler, '
            'nova-compute (docker.DockerDriver)' % config.url('nova-api'))
        config.write(self.dir)
        # nova.log is nova's own log; the console log catches a crash
        # before logging is set up.
        self._start('nova', [sys.executable, '-m', 'novadocker_sandbox.cloud',
                             self.dir], 'nova-console.log')
        try:
            self._wait_ready()
            say('[4/5] flavors and the demo image')
            self._first_start(client)
            say('[5/5] clouds.yaml entry "%s" in %s'
                % (CLOUD, self.clouds_yaml))
            self._write_cloud()
        except BaseException:
            self._stop_processes()
            raise
        say(USAGE.format(seconds=time.monotonic() - started,
                         clouds_yaml=self.clouds_yaml, cloud=CLOUD,
                         dir=self.dir, activate=os.path.join(
                             sys.prefix, 'bin', 'activate')))

    def _claim_dir(self):
        """Make the state directory, or check an existing one is ours: the
        sandbox writes and later removes everything in it."""
        if not os.path.exists(self.dir):
            os.makedirs(self.dir, mode=0o700)
        if os.listdir(self.dir) and not self._ours():
            raise SandboxError(
                '%s exists and was not made by the sandbox; choose another '
                'state directory (NOVA_DOCKER_SANDBOX_DIR)' % self.dir)
        with open(self.path(MARKER), 'w') as f:
            f.write(MARKER_TEXT)

    def _ours(self):
        try:
            with open(self.path(MARKER)) as f:
                return f.read() == MARKER_TEXT
        except OSError:
            return False

    def _check_ports(self):
        for service, port in sorted(config.PORTS.items(),
                                    key=lambda item: item[1]):
            owner = procs.port_owner(config.HOST, port)
            if owner is not None:
                raise SandboxError(
                    'Port %d (%s) is already in use by %s: stop it, or the '
                    'sandbox cannot start.' % (port, service, owner))

    def _engine(self):
        client = docker.APIClient(version='auto', timeout=API_TIMEOUT)
        try:
            client.ping()
        except (docker.errors.DockerException,
                requests.RequestException) as e:
            raise SandboxError('No Docker engine answers (%s): run '
                               'tools/sandbox.sh up, which starts one.' % e)
        return client

    def _registry(self):
        try:
            requests.get('http://%s/v2/' % REGISTRY,
                         timeout=5).raise_for_status()
        except requests.RequestException as e:
            raise SandboxError('No image registry answers on %s (%s): run '
                               'tools/sandbox.sh up, which starts one.'
                               % (REGISTRY, e))

    def _wait_ready(self, timeout=180):
        """Wait for glance-api, nova's API and an enabled, up compute host."""
        deadline = time.monotonic() + timeout
        waiting_for = None
        while time.monotonic() < deadline:
            for name in ('glance', 'nova'):
                if not self.pid(name):
                    raise SandboxError(
                        '%s exited while starting; its log ends with:\n%s'
                        % (name, procs.tail(self.path(name + '.log')) +
                           procs.tail(self.path(name + '-console.log'))))
            try:
                waiting_for = 'glance-api'
                self.glance('GET', '/images')
                waiting_for = 'nova-compute'
                hypervisors = self.nova('GET', '/os-hypervisors/detail')
                if any(h['state'] == 'up' and h['status'] == 'enabled'
                       for h in hypervisors['hypervisors']):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SandboxError('%s was not ready after %d s; see %s'
                           % (waiting_for, timeout, self.dir))

    def _first_start(self, client):
        existing = {f['name'] for f in self.nova('GET', '/flavors')['flavors']}
        for name, ram, vcpus, disk in FLAVORS:
            if name not in existing:
                self.nova('POST', '/flavors', json={'flavor': {
                    'name': name, 'ram': ram, 'vcpus': vcpus, 'disk': disk}})
        if not self.glance('GET', '/images?name=demo')['images']:
            self._upload_demo(client)

    def _upload_demo(self, client):
        reference = demo.build(client)
        try:
            image = self.glance('POST', '/images', json={
                'name': 'demo', 'container_format': 'docker',
                'disk_format': 'raw', 'visibility': 'public'})
            self.glance('PUT', '/images/%s/file' % image['id'],
                        data=client.get_image(reference),
                        headers={'Content-Type': 'application/octet-stream'},
                        timeout=300)
        finally:
            # From now on the engine gets it from Glance, like any image.
            client.remove_image(reference)

    def _write_cloud(self):
        clouds = {}
        if os.path.exists(self.clouds_yaml):
            with open(self.clouds_yaml) as f:
                clouds = yaml.safe_load(f) or {}
        clouds.setdefault('clouds', {})[CLOUD] = {
            # No keystone: the sandbox's compute API takes every request
            # as its administrator.
            'auth_type': 'none',
            'auth': {'endpoint': config.url('nova-api') + '/v2.1'},
            'identity_api_version': '3',
            'compute_endpoint_override': config.url('nova-api') + '/v2.1',
            'image_endpoint_override': config.url('glance-api'),
            'placement_endpoint_override': config.url('placement-api'),
            'network_endpoint_override': config.url('neutron stand-in'),
        }
        os.makedirs(os.path.dirname(self.clouds_yaml), exist_ok=True)
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump(clouds, f, default_flow_style=False)
        with open(self.path('clouds-yaml'), 'w') as f:
            f.write(self.clouds_yaml)

    # --- status and logs -------------------------------------------------

    def status(self):
        processes = {name: self.pid(name) for name in ('nova', 'glance')}
        if not any(processes.values()):
            say('The sandbox is not running.')
            return 3
        for name, pid in processes.items():
            if pid:
                say('%-7s pid %-7d memory %6.1f MiB' % (
                    name, pid, procs.tree_rss(pid) / 2 ** 20))
            else:
                say('%-7s not running' % name)
        for service in sorted(config.PORTS, key=config.PORTS.get):
            say('%-17s %s' % (service, config.url(service)))
        try:
            servers = self.nova('GET', '/servers/detail')['servers']
            say('servers: %s' % (', '.join(
                '%s (%s)' % (s['name'], s['status']) for s in servers)
                or 'none'))
        except requests.RequestException as e:
            say('nova-api does not answer: %s' % e)
            return 1
        return 0 if all(processes.values()) else 1

    def logs(self, service, follow, lines):
        path = self.path(service + '.log')
        if not os.path.exists(path):
            raise SandboxError('No log at %s' % path)
        os.execvp('tail', ['tail', '-n', str(lines)] +
                  (['-F'] if follow else []) + [path])

    # --- down -----------------------------------------------------------

    def down(self, keep=False):
        if not os.path.isdir(self.dir):
            say('The sandbox is not running and keeps no data.')
            return
        if not self._ours():
            raise SandboxError('%s was not made by the sandbox; leaving it '
                               'alone' % self.dir)
        image_ids = []
        if not keep:
            self._delete_servers()
            image_ids = self._glance_image_ids()
        self._stop_processes()
        if keep:
            say('Stopped; data kept in %s ("up" resumes it).' % self.dir)
            return
        self._remove_engine_leftovers(image_ids)
        self._remove_registry_data(image_ids)
        self._stop_services()
        self._remove_cloud()
        shutil.rmtree(self.dir)
        say('Stopped; removed its servers, images and %s.' % self.dir)

    def _delete_servers(self, timeout=120):
        if not self.pid('nova'):
            return
        try:
            servers = self.nova('GET', '/servers')['servers']
            for server in servers:
                say('deleting server %s' % server['name'])
                self.nova('DELETE', '/servers/' + server['id'])
            deadline = time.monotonic() + timeout
            while servers and time.monotonic() < deadline:
                time.sleep(0.5)
                servers = self.nova('GET', '/servers')['servers']
        except requests.RequestException as e:
            say('nova-api did not answer (%s); removing containers directly'
                % e)

    def _glance_image_ids(self):
        """Every image glance-api holds, read from its database.

        Works whether or not glance-api runs (after "down --keep").
        """
        database = self.path('glance', 'glance.sqlite')
        if not os.path.exists(database):
            return []
        with contextlib.closing(sqlite3.connect(database)) as connection:
            return [row[0] for row in connection.execute(
                'SELECT id FROM images')]

    def _stop_processes(self):
        for name in ('nova', 'glance'):
            pid = self.pid(name)
            if pid:
                say('stopping %s (pid %d)' % (name, pid))
                procs.stop(pid, STOP_TIMEOUT)
            procs.remove_pid(self.path(name + '.pid'))

    def _remove_engine_leftovers(self, image_ids):
        try:
            client = docker.APIClient(version='auto', timeout=API_TIMEOUT)
            client.ping()
        except (docker.errors.DockerException, requests.RequestException):
            return
        for container in client.containers(all=True, filters={
                'label': spec.host_label_filter(config.COMPUTE_HOST)}):
            client.remove_container(container['Id'], force=True, v=True)
        for image in client.images():
            for tag in image['RepoTags'] or ():
                if any('/glance/%s:' % i in tag for i in image_ids):
                    client.remove_image(tag, force=True)

    def _remove_registry_data(self, image_ids):
        accept = {'Accept': ', '.join((
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.oci.image.manifest.v1+json'))}
        for image_id in image_ids:
            base = 'http://%s/v2/glance/%s' % (REGISTRY, image_id)
            try:
                tags = requests.get(base + '/tags/list', timeout=10)
                if not tags.ok:
                    continue
                for tag in tags.json().get('tags') or ():
                    digest = requests.head(
                        base + '/manifests/' + tag, headers=accept,
                        timeout=10).headers.get('Docker-Content-Digest')
                    if digest:
                        requests.delete(base + '/manifests/' + digest,
                                        timeout=10)
            except requests.RequestException:
                return

    def _stop_services(self):
        """Stop the engine and registry if tools/sandbox.sh started them."""
        for name in ('registry', 'dockerd'):
            pid_file = self.path('services', name + '.pid')
            pid = procs.read_pid(pid_file)
            if pid:
                say('stopping %s (pid %d), which the sandbox started'
                    % (name, pid))
                procs.stop(pid, STOP_TIMEOUT)

    def _remove_cloud(self):
        try:
            with open(self.path('clouds-yaml')) as f:
                path = f.read()
            with open(path) as f:
                clouds = yaml.safe_load(f) or {}
        except OSError:
            return
        clouds.get('clouds', {}).pop(CLOUD, None)
        if not any(clouds.values()):
            os.unlink(path)
            return
        with open(path, 'w') as f:
            yaml.safe_dump(clouds, f, default_flow_style=False)


USAGE = """
The nova-docker sandbox is up ({seconds:.0f} s).

  . {activate}    # puts openstack on PATH
  export OS_CLOUD={cloud}    # the entry in {clouds_yaml}
  openstack server create --image demo --flavor m1.tiny --nic none web1
  openstack console log show web1
  openstack server image create --name web1-snap web1
  docker save IMAGE | openstack image create --container-format docker \\
      --disk-format raw NAME

  nova-docker-sandbox status | logs [-f] [nova|glance] | down [--keep]

Logs and data: {dir}
Everything listens on 127.0.0.1 only. There is no keystone: every request
acts as the administrator of project "sandbox". Neutron is not run: boot
servers with --nic none.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='nova-docker-sandbox',
        description='An all-in-one OpenStack compute sandbox: nova with '
                    'docker.DockerDriver, placement and glance-api on '
                    'loopback.')
    parser.add_argument(
        '--state-dir', default=os.environ.get(
            'NOVA_DOCKER_SANDBOX_DIR', '/var/lib/nova-docker/sandbox'),
        help='databases, images, logs and pid files (default: %(default)s)')
    commands = parser.add_subparsers(dest='command', required=True)
    up = commands.add_parser('up', help='start the sandbox')
    up.add_argument(
        '--glance-venv', default=os.environ.get('NOVA_DOCKER_GLANCE_VENV'),
        required='NOVA_DOCKER_GLANCE_VENV' not in os.environ,
        help='virtualenv with glance installed (NOVA_DOCKER_GLANCE_VENV)')
    up.add_argument(
        '--clouds-yaml', default=os.environ.get(
            'OS_CLIENT_CONFIG_FILE',
            os.path.expanduser('~/.config/openstack/clouds.yaml')),
        help='clouds.yaml to add the "%s" entry to (default: %%(default)s)'
             % CLOUD)
    commands.add_parser('status', help='processes, endpoints and servers')
    logs = commands.add_parser('logs', help="print a service's log")
    logs.add_argument('service', nargs='?', default='nova',
                      choices=('nova', 'glance'))
    logs.add_argument('-f', '--follow', action='store_true')
    logs.add_argument('-n', '--lines', type=int, default=50)
    down = commands.add_parser(
        'down', help='stop everything the sandbox started and remove its '
                     'servers, images and data')
    down.add_argument('--keep', action='store_true',
                      help='stop the services but keep servers and data')
    args = parser.parse_args(argv)

    # Databases, logs and clouds.yaml are the user's alone.
    os.umask(0o077)
    sandbox = Sandbox(args.state_dir, getattr(args, 'glance_venv', None),
                      getattr(args, 'clouds_yaml', None))
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if args.command == 'up':
            sandbox.up()
        elif args.command == 'status':
            return sandbox.status()
        elif args.command == 'logs':
            sandbox.logs(args.service, args.follow, args.lines)
        else:
            sandbox.down(args.keep)
    except SandboxError as e:
        print('nova-docker-sandbox: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
