"""The main job, as a user runs it: the sandbox up, the stock CLI, down.

Everything is real: ``nova-docker-sandbox`` (the console script), nova's
services in its process, glance-api, the Docker engine and registry, and the
``openstack`` executable from python-openstackclient. The tests of this
module run one after the other (.stestr.conf groups them): the sandbox's
ports are fixed.
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

import docker
import requests
import testtools

from novadocker_sandbox import config
from novadocker_sandbox import procs
from novadocker import spec
from tests.integration import base as integration

BIN = os.path.join(sys.prefix, 'bin')
REGISTRY = 'http://127.0.0.1:5042/v2/'


class SandboxTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix='nova-docker-sandbox-test-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.state = os.path.join(self.dir, 'state')
        self.clouds_yaml = os.path.join(self.dir, 'clouds.yaml')
        self.env = dict(os.environ, OS_CLIENT_CONFIG_FILE=self.clouds_yaml,
                        OS_CLOUD='nova-docker',
                        NOVA_DOCKER_SANDBOX_DIR=self.state)
        self.docker = docker.APIClient(version='auto')

    def sandbox(self, *args, check=True):
        result = subprocess.run(
            [os.path.join(BIN, 'nova-docker-sandbox')] + list(args),
            env=self.env, capture_output=True, text=True, timeout=300)
        if check and result.returncode:
            self.fail('nova-docker-sandbox %s failed (%d):\n%s%s' % (
                ' '.join(args), result.returncode, result.stdout,
                result.stderr))
        return result

    def openstack(self, *args, stdin=None):
        result = subprocess.run(
            [os.path.join(BIN, 'openstack')] + list(args), env=self.env,
            stdin=stdin, capture_output=True, text=True, timeout=120)
        if result.returncode:
            self.fail('openstack %s failed (%d):\n%s' % (
                ' '.join(args), result.returncode, result.stderr))
        return result.stdout.strip()

    def value(self, *args, stdin=None):
        return self.openstack(*(args + ('-f', 'value')), stdin=stdin)

    def status(self, server):
        return self.value('server', 'show', server, '-c', 'status')

    def wait_status(self, server, status, timeout=60):
        # Polled through the API: the CLI takes a second per call.
        url = '%s/v2.1/servers/%s' % (config.url('nova-api'), server)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = requests.get(url, timeout=10)
            if response.status_code == 404 and status == 'DELETED':
                return
            response.raise_for_status()
            current = response.json()['server']
            if current['status'] == status and not current.get(
                    'OS-EXT-STS:task_state'):
                return
            if current['status'] == 'ERROR':
                self.fail('%s went to ERROR: %s' % (server, current))
            time.sleep(0.3)
        self.fail('%s did not reach %s in %d s' % (server, status, timeout))

    def container(self, server_id):
        return self.docker.inspect_container('nova-' + server_id)['State']

    def test_refuses_a_taken_port_naming_its_owner(self):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', config.PORTS['neutron stand-in']))
            s.listen()
            result = self.sandbox('up', check=False)
        self.assertEqual(1, result.returncode)
        self.assertIn('Port 9696 (neutron stand-in) is already in use by '
                      'pid %d' % os.getpid(), result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.state, 'nova.pid')))

    def test_leaves_alone_a_state_dir_it_did_not_make(self):
        os.makedirs(self.state)
        precious = os.path.join(self.state, 'precious')
        with open(precious, 'w') as f:
            f.write('not the sandbox\'s')
        for command, message in (
                ('up', '%s exists and was not made by the sandbox'),
                ('down', '%s was not made by the sandbox; leaving it alone')):
            result = self.sandbox(command, check=False)
            self.assertEqual(1, result.returncode)
            self.assertIn(message % self.state, result.stderr)
        self.assertEqual(['precious'], os.listdir(self.state))

    def test_cli_session(self):
        up = self.sandbox('up')
        self.addCleanup(self.sandbox, 'down', check=False)
        self.assertIn('The nova-docker sandbox is up', up.stdout)
        self.assertIn('already running', self.sandbox('up').stdout)
        self.assertIn('nova-docker sandbox ready',
                      self.sandbox('logs', 'nova', '-n', '1000').stdout)
        self.assertEqual({'127.0.0.1'}, self._listening_addresses(
            config.PORTS.values()))
        # The sandbox's state and credentials are its user's alone.
        for path, mode in ((self.state, 0o700), (self.clouds_yaml, 0o600),
                           (os.path.join(self.state, 'nova.log'), 0o600)):
            self.assertEqual(mode, stat.S_IMODE(os.stat(path).st_mode), path)
        # glance-api fetches no URL a user names.
        methods = requests.get(config.url('glance-api') + '/v2/info/import',
                               timeout=10).json()['import-methods']['value']
        self.assertEqual(['glance-direct'], methods)

        # Images: the demo image is there; one of ours goes in and out.
        self.assertIn('demo', self.value('image', 'list', '-c', 'Name'))
        image = integration.test_image()
        save = subprocess.Popen(['docker', 'save', image],
                                stdout=subprocess.PIPE)
        uploaded = self.value(
            'image', 'create', '--container-format', 'docker',
            '--disk-format', 'raw', 'mine', '-c', 'id', stdin=save.stdout)
        save.wait()
        self.assertEqual('active', self.value('image', 'show', uploaded,
                                              '-c', 'status'))

        hypervisors = self.value('hypervisor', 'list', '-c',
                                 'Hypervisor Hostname', '-c', 'State')
        self.assertEqual(config.COMPUTE_HOST + ' up', hypervisors)
        self.assertIn('docker', self.value(
            'hypervisor', 'show', config.COMPUTE_HOST, '-c',
            'hypervisor_type'))

        web = self.value('server', 'create', '--image', 'mine', '--flavor',
                         'm1.tiny', '--nic', 'none', 'web1', '-c', 'id')
        self.wait_status(web, 'ACTIVE')
        self.assertTrue(self.container(web)['Running'])
        self.assertIn('web1 ACTIVE', self.value(
            'server', 'list', '-c', 'Name', '-c', 'Status'))
        self.assertIn('started', self.openstack('console', 'log', 'show',
                                                'web1'))

        started = self.container(web)['StartedAt']
        self.openstack('server', 'reboot', 'web1')
        self.wait_status(web, 'ACTIVE')
        self.assertNotEqual(started, self.container(web)['StartedAt'])
        started = self.container(web)['StartedAt']
        self.openstack('server', 'reboot', '--hard', 'web1')
        self.wait_status(web, 'ACTIVE')
        self.assertNotEqual(started, self.container(web)['StartedAt'])

        self.openstack('server', 'stop', 'web1')
        self.wait_status(web, 'SHUTOFF')
        self.assertFalse(self.container(web)['Running'])
        self.openstack('server', 'start', 'web1')
        self.wait_status(web, 'ACTIVE')
        self.assertTrue(self.container(web)['Running'])

        for action, status, undo in (('pause', 'PAUSED', 'unpause'),
                                     ('suspend', 'SUSPENDED', 'resume')):
            self.openstack('server', action, 'web1')
            self.wait_status(web, status)
            self.assertEqual(status, self.status('web1'))
            self.assertTrue(self.container(web)['Paused'])
            self.openstack('server', undo, 'web1')
            self.wait_status(web, 'ACTIVE')
            self.assertFalse(self.container(web)['Paused'])

        # A snapshot of web1 boots a second server.
        self.openstack('server', 'image', 'create', '--name', 'web1-snap',
                       'web1')
        deadline = time.monotonic() + 120
        while self.value('image', 'show', 'web1-snap', '-c',
                         'status') != 'active':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(1)
        self.wait_status(web, 'ACTIVE')
        copy = self.value('server', 'create', '--image', 'web1-snap',
                          '--flavor', 'm1.tiny', '--nic', 'none', 'web2',
                          '-c', 'id')
        self.wait_status(copy, 'ACTIVE')
        self.assertTrue(self.container(copy)['Running'])

        self.openstack('server', 'delete', 'web2')
        self.wait_status(copy, 'DELETED')
        self.assertRaises(docker.errors.NotFound, self.container, copy)
        self.openstack('image', 'delete', 'mine')
        self.assertNotIn('mine', self.value('image', 'list', '-c', 'Name'))

        # "down --keep" stops the services and keeps servers and images;
        # "up" resumes.
        kept = self.sandbox('down', '--keep')
        self.assertIn('data kept', kept.stdout)
        self.assertIn('not running', self.sandbox(
            'status', check=False).stdout)
        self.sandbox('up')
        self.wait_status(web, 'ACTIVE')
        self.assertEqual('web1 ACTIVE', self.value(
            'server', 'list', '-c', 'Name', '-c', 'Status'))

        # web1 and the images left are down's to remove.
        image_ids = self.value('image', 'list', '-c', 'ID').split()
        pids = [int(open(os.path.join(self.state, name + '.pid')).read()
                    .split()[0]) for name in ('nova', 'glance')]
        down = self.sandbox('down')
        self.assertIn('deleting server web1', down.stdout)
        self.assertEqual([], self.docker.containers(
            all=True, filters={'label': spec.host_label_filter(
                config.COMPUTE_HOST)}))
        for image_id in image_ids:
            self.assertEqual([], integration.glance_references(
                self.docker, image_id))
            tags = requests.get(REGISTRY + 'glance/%s/tags/list' % image_id,
                                timeout=10)
            self.assertFalse(tags.ok and tags.json().get('tags'), tags.text)
        for pid in pids:
            self.assertFalse(procs.alive(pid), 'pid %d still runs' % pid)
        self.assertFalse(os.path.exists(self.state))
        self.assertFalse(os.path.exists(self.clouds_yaml))
        self.assertIn('not running', self.sandbox(
            'status', check=False).stdout)

    @staticmethod
    def _listening_addresses(ports):
        """The local addresses of the TCP sockets listening on ``ports``."""
        addresses = set()
        for table in ('/proc/net/tcp', '/proc/net/tcp6'):
            with open(table) as f:
                for line in list(f)[1:]:
                    local, state = line.split()[1], line.split()[3]
                    address, port = local.split(':')
                    if state == '0A' and int(port, 16) in ports:
                        addresses.add(socket.inet_ntop(
                            socket.AF_INET if len(address) == 8
                            else socket.AF_INET6,
                            bytes.fromhex(address)[::-1]))
        return addresses
