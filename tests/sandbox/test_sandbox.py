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

"""The main job, as a user runs it: the sandbox up, the stock CLI, down.

Everything is real: ``nova-docker-sandbox`` (the console script), keystone,
RabbitMQ, MariaDB, placement, glance-api and nova's services as separate
processes, the Docker engine and registry, and the ``openstack`` executable
from python-openstackclient with real tokens; Tempest's subset runs on the
same sandbox (one "up" for both). The tests of this module run
one after the other (.stestr.conf groups them): the sandbox's ports are
fixed.
"""

import glob
import json
import os
import re
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
from testtools import content
import websocket
import yaml

from novadocker import spec
from novadocker_sandbox import backing
from novadocker_sandbox import config
from novadocker_sandbox import keystone
from novadocker_sandbox import ovn
from novadocker_sandbox import procs
from tests.integration import base as integration
from tests.sandbox import dashboard

BIN = os.path.join(sys.prefix, 'bin')
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
REGISTRY = 'http://127.0.0.1:5042/v2/'
ADMIN = 'nova-docker'
DEMO = 'nova-docker-demo'
SECOND = 'second'
THIRD = 'third'
HOSTS = (config.COMPUTE_HOST, SECOND, THIRD)


def serial_session(url, typed, awaited, seconds=30):
    """What a user's websocket to ``url`` shows after typing ``typed``,
    up to ``awaited``."""
    ws = websocket.create_connection(
        url, subprotocols=['binary'], timeout=seconds,
        # nova-serialproxy checks the origin against its own address.
        origin='http://%s:%d' % (config.HOST,
                                 config.PORTS['nova-serialproxy']))
    try:
        ws.send_binary(typed)
        seen = b''
        deadline = time.monotonic() + seconds
        while awaited not in seen and time.monotonic() < deadline:
            seen += ws.recv()
        return seen.decode('utf-8', 'replace')
    finally:
        ws.close()


class SandboxTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix='nova-docker-sandbox-test-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.state = os.path.join(self.dir, 'state')
        self.clouds_yaml = os.path.join(self.dir, 'clouds.yaml')
        self.env = dict(os.environ, OS_CLIENT_CONFIG_FILE=self.clouds_yaml,
                        OS_CLOUD=DEMO, NOVA_DOCKER_SANDBOX_DIR=self.state)
        self.docker = docker.APIClient(version='auto')
        self.ovs_before = self._ovs_settings()

    @staticmethod
    def _ovs_settings():
        """The host's Open vSwitch settings and whether it has OVN's
        bridge (other tests add and remove bridges of their own)."""
        return (subprocess.run(['ovs-vsctl', 'get', 'Open_vSwitch', '.',
                                'external_ids'], capture_output=True,
                               text=True).stdout,
                subprocess.run(['ovs-vsctl', 'br-exists',
                                ovn.BRIDGE]).returncode)

    def sandbox(self, *args, check=True):
        result = subprocess.run(
            [os.path.join(BIN, 'nova-docker-sandbox')] + list(args),
            env=self.env, capture_output=True, text=True, timeout=300)
        if check and result.returncode:
            self.fail('nova-docker-sandbox %s failed (%d):\n%s%s' % (
                ' '.join(args), result.returncode, result.stdout,
                result.stderr))
        return result

    def run_openstack(self, *args, cloud=DEMO, stdin=None):
        return subprocess.run(
            [os.path.join(BIN, 'openstack'), '--os-cloud', cloud] +
            list(args), env=self.env, stdin=stdin, capture_output=True,
            text=True, timeout=120)

    def openstack(self, *args, cloud=DEMO, stdin=None):
        result = self.run_openstack(*args, cloud=cloud, stdin=stdin)
        if result.returncode:
            self.fail('openstack --os-cloud %s %s failed (%d):\n%s' % (
                cloud, ' '.join(args), result.returncode, result.stderr))
        return result.stdout.strip()

    def value(self, *args, cloud=DEMO, stdin=None):
        return self.openstack(*(args + ('-f', 'value')), cloud=cloud,
                              stdin=stdin)

    def refused(self, *args, cloud=DEMO):
        """The error output of an openstack command that must fail."""
        result = self.run_openstack(*args, cloud=cloud)
        self.assertNotEqual(0, result.returncode, (args, result.stdout))
        return result.stderr

    def cloud(self, name):
        """The clouds.yaml entry ``up`` wrote for ``name``."""
        with open(self.clouds_yaml) as f:
            return yaml.safe_load(f)['clouds'][name]

    def token(self, cloud=DEMO):
        auth = self.cloud(cloud)['auth']
        return keystone.token(auth['username'], auth['password'],
                              auth['project_name'])[0]

    def wait_status(self, server, status, timeout=60):
        # Polled through the API: the CLI takes a second per call.
        url = '%s/v2.1/servers/%s' % (config.url('nova-api'), server)
        headers = {'X-Auth-Token': self.token()}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = requests.get(url, headers=headers, timeout=10)
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
        return self.docker.inspect_container('nova-' + server_id)

    def state_of(self, server_id):
        return self.container(server_id)['State']

    def registry_tags(self, image_id):
        tags = requests.get(REGISTRY + 'glance/%s/tags/list' % image_id,
                            timeout=10)
        return tags.json().get('tags') or [] if tags.ok else []

    def prune_registry(self, cloud):
        """nova-docker-registry-prune, with ``cloud``'s credentials in the
        OS_* variables an operator's cron job would set."""
        entry = self.cloud(cloud)
        env = dict(self.env, OS_REGION_NAME=entry['region_name'], **{
            'OS_' + key.upper(): value
            for key, value in entry['auth'].items()})
        del env['OS_CLOUD']
        return subprocess.run(
            [os.path.join(BIN, 'nova-docker-registry-prune')], env=env,
            capture_output=True, text=True, timeout=120)

    def test_refuses_a_taken_port_naming_its_owner(self):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', config.PORTS['neutron-api']))
            s.listen()
            result = self.sandbox('up', check=False)
        self.assertEqual(1, result.returncode)
        self.assertIn('Port 9696 (neutron-api) is already in use by '
                      'pid %d' % os.getpid(), result.stderr)
        self.assertEqual([], os.listdir(os.path.join(self.state, 'run')))

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

    def test_an_engine_bridge_it_did_not_make_is_left_alone(self):
        bridge = backing.engine_bridge(THIRD)
        subprocess.run(['ip', 'link', 'add', 'name', bridge, 'type',
                        'bridge'], check=True)
        self.addCleanup(subprocess.run, ['ip', 'link', 'delete', bridge])
        os.makedirs(config.engine_dir(self.dir, THIRD))
        error = self.assertRaises(RuntimeError, backing.engine_bridge_add,
                                  self.dir, THIRD)
        self.assertIn('already has an interface %s that this sandbox did '
                      'not make' % bridge, str(error))
        backing.engine_bridge_remove(self.dir, THIRD)
        self.assertTrue(backing.interface_exists(bridge))

    def test_a_service_that_cannot_start_is_named_and_all_stopped(self):
        # A "glance virtualenv" without glance: glance-api cannot start
        # once MariaDB, RabbitMQ and keystone already run.
        result = self.sandbox('up', '--glance-venv', self.dir, check=False)
        self.assertEqual(1, result.returncode)
        self.assertIn('glance-api could not be prepared', result.stderr)
        self.assertIn('stopping keystone', result.stdout)
        self.assertIn('stopping mariadb', result.stdout)
        self.assertEqual({}, self._pids())
        self.assertIn('not running', self.sandbox(
            'status', check=False).stdout)
        # ovn-controller was prepared before glance-api failed: the host's
        # Open vSwitch is given back too.
        self.assertEqual(self.ovs_before, self._ovs_settings())

    def test_cli_session(self):
        up = self.sandbox('up')
        self.addCleanup(self.sandbox, 'down', check=False)
        # "down" removes the logs with the state: a failure keeps what
        # nova-compute and neutron warned about, and what OVS holds.
        self.addOnException(self._attach_warnings)
        self.assertIn('The nova-docker sandbox is up', up.stdout)
        self.assertIn('The dashboard: http://127.0.0.1:8080/', up.stdout)
        for cloud in (ADMIN, DEMO):
            self.assertIn(self.cloud(cloud)['auth']['password'], up.stdout)
        # The sandbox's own output: no library's warnings.
        self.assertNotIn('Eventlet', up.stdout + up.stderr)
        self.assertIn('already running', self.sandbox('up').stdout)
        self._check_services()
        self._check_identities()
        self._check_dashboard()
        self._check_tempest()
        self._check_lifecycle()
        self._check_networking()
        self._check_isolation()
        self._check_more_hosts()
        self._check_down()

    def _attach_warnings(self, exc_info):
        for service in ('nova-compute', 'neutron-api'):
            path = os.path.join(self.state, 'logs', service + '.log')
            with open(path, errors='replace') as f:
                lines = [line for line in f
                         if re.search(r' (WARNING|ERROR|CRITICAL) ', line)
                         and 'deprecat' not in line.lower()]
            self.addDetail(service + ' warnings', content.text_content(
                ''.join(lines[-200:])))
        self.addDetail('ovs ports', content.text_content(
            subprocess.run(['ovs-vsctl', '--columns=name,external_ids',
                            'list', 'Interface'], capture_output=True,
                           text=True).stdout))

    def _check_services(self):
        """One process per service, each answering, on loopback only."""
        status = self.sandbox('status').stdout
        for name in ('mariadb', 'rabbitmq', 'keystone', 'placement-api',
                     'glance-api', 'neutron-api', 'ovn-nb-db', 'ovn-sb-db',
                     'ovn-northd', 'ovn-controller', 'nova-api',
                     'nova-conductor', 'nova-scheduler', 'nova-serialproxy',
                     'nova-compute', 'horizon'):
            self.assertRegex(status, r'(?m)^%s +(answers|running) +pid '
                             % name)
        pids = self._pids()
        self.assertEqual(len(pids), len(set(pids.values())), pids)
        self.assertIn("Loading compute driver 'docker.DockerDriver'",
                      self.sandbox('logs', 'nova-compute', '-n',
                                   '1000').stdout)
        self.assertLessEqual(self._listening_addresses(
            config.PORTS.values()), {'127.0.0.1', '::1'})
        # The sandbox's state and credentials are its user's alone.
        for path, mode in (
                (self.state, 0o700), (self.clouds_yaml, 0o600),
                (os.path.join(self.state, 'passwords.yaml'), 0o600),
                (os.path.join(self.state, 'logs', 'nova-compute.log'),
                 0o600)):
            self.assertEqual(mode, stat.S_IMODE(os.stat(path).st_mode), path)
        # glance-api fetches no URL a user names.
        methods = requests.get(
            config.url('glance-api') + '/v2/info/import', timeout=10,
            headers={'X-Auth-Token': self.token()}).json()
        self.assertEqual(['glance-direct'], methods['import-methods']['value'])

    def _check_identities(self):
        """Real tokens: a wrong password is refused, roles are enforced."""
        self.assertIn('401', self.refused('--os-password', 'wrong', 'server',
                                          'list'))
        hypervisors = self.value('hypervisor', 'list', '-c',
                                 'Hypervisor Hostname', '-c', 'State',
                                 cloud=ADMIN)
        self.assertEqual(config.COMPUTE_HOST + ' up', hypervisors)
        self.assertIn('docker', self.value(
            'hypervisor', 'show', config.COMPUTE_HOST, '-c',
            'hypervisor_type', cloud=ADMIN))
        # The demo user is a member of its project, not an administrator.
        self.assertIn('403', self.refused('hypervisor', 'list'))
        self.assertEqual(
            {'compute', 'identity', 'image', 'placement', 'network'},
            set(self.value('catalog', 'list', '-c', 'Type').split()))

    def _check_dashboard(self):
        """A person's session in Horizon, in a real browser: every step
        is checked against the engine."""
        browser = dashboard.Dashboard(config.url('horizon'))
        self.addCleanup(browser.close)
        browser.login(config.DEMO, self.cloud(DEMO)['auth']['password'])
        server = browser.launch('dash1', 'demo', 'm1.tiny', 'private')
        browser.wait_instance(server, 'Active', 'Running')
        self.assertTrue(self.state_of(server)['Running'])
        self.assertIn('Hello from nova-docker: dash1',
                      browser.console_log(server))
        for action, status, power_state, running, paused in (
                ('soft_reboot', 'Active', 'Running', True, False),
                ('reboot', 'Active', 'Running', True, False),
                ('stop', 'Shutoff', 'Shut Down', False, False),
                ('start', 'Active', 'Running', True, False),
                ('pause', 'Paused', 'Paused', True, True),
                # "Resume Instance" is the same toggle.
                ('pause', 'Active', 'Running', True, False)):
            before = self.state_of(server)
            browser.act(server, action)
            browser.wait_instance(server, status, power_state)
            after = self.state_of(server)
            self.assertEqual((running, paused),
                             (after['Running'], after['Paused']), action)
            if action.endswith('reboot'):
                self.assertNotEqual(before['StartedAt'], after['StartedAt'])

        self.assertEqual('Snapshot', browser.snapshot(server,
                                                      'dash1-snap')['Type'])
        # An image uploaded from the page as "Docker", and a file that is
        # not an image, uploaded the same way.
        saved = os.path.join(self.dir, 'mine.tar')
        with open(saved, 'wb') as f:
            for chunk in self.docker.get_image(integration.test_image()):
                f.write(chunk)
        browser.create_image('dash-mine', saved)
        junk = os.path.join(self.dir, 'junk.tar')
        with open(junk, 'wb') as f:
            f.write(b'not a Docker image\n' * 100)
        browser.create_image('dash-junk', junk)
        copy = browser.launch('dash2', 'dash1-snap', 'm1.tiny',
                              source='Instance Snapshot')
        mine = browser.launch('dash3', 'dash-mine', 'm1.tiny')
        bad = browser.launch('dash4', 'dash-junk', 'm1.tiny')
        for booted in (copy, mine):
            browser.wait_instance(booted, 'Active', 'Running')
            self.assertTrue(self.state_of(booted)['Running'])
        self.assertEqual(self.docker.inspect_image(integration.test_image())[
            'Config']['Cmd'], self.container(mine)['Config']['Cmd'])
        browser.wait_until(lambda: browser.instance(bad).get(
            'Status') == 'Error', 'dash4 in Error', dashboard.SERVER_TIMEOUT)
        self.assertIn('its data is not a Docker image tarball',
                      browser.fault(bad))

        for gone in (server, copy, mine, bad):
            browser.act(gone, 'delete')
        browser.wait_until(lambda: not browser.instances(),
                           'the deleted instances off the page',
                           dashboard.SERVER_TIMEOUT)
        for gone in (server, copy, mine):
            self.wait_status(gone, 'DELETED')
            self.assertRaises(docker.errors.NotFound, self.container, gone)

        # The images go too: the checks after these count theirs.
        self.openstack('image', 'delete', 'dash1-snap', 'dash-mine',
                       'dash-junk')

        browser.logout()
        browser.login(config.ADMIN, self.cloud(ADMIN)['auth']['password'])
        self.assertEqual([(config.COMPUTE_HOST, 'docker')], [
            (row['Hostname'], row['Type'])
            for row in browser.hypervisors()])

    def _check_tempest(self):
        """Tempest's compute API tests, the README's subset
        (``tools/tempest.sh --subset``), on this same sandbox: the peer's
        own proof, as the original nova-docker's gate ran them against
        devstack. Tempest works in projects of its own and cleans up."""
        result = subprocess.run(
            ['bash', os.path.join(ROOT, 'tools', 'tempest.sh'), '--subset'],
            env=self.env, capture_output=True, text=True, timeout=1800,
            cwd=ROOT)
        totals = re.search(r'(?m)^(\d+) passed, (\d+) failed, (\d+) skipped$',
                           result.stdout)
        self.assertIsNotNone(totals, result.stdout[-3000:] + result.stderr)
        passed, failed, _ = map(int, totals.groups())
        self.assertEqual((0, 0), (failed, result.returncode),
                         result.stdout[-6000:])
        self.assertGreater(passed, 35)

    def _check_lifecycle(self):
        """The demo user's servers, images and snapshots."""
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

        self.web = self.value('server', 'create', '--image', 'mine',
                              '--flavor', 'm1.tiny', '--nic', 'none', 'web1',
                              '-c', 'id')
        web = self.web
        self.wait_status(web, 'ACTIVE')
        self.assertTrue(self.state_of(web)['Running'])
        self.assertIn('web1 ACTIVE', self.value(
            'server', 'list', '-c', 'Name', '-c', 'Status'))
        self.assertIn('started', self.openstack('console', 'log', 'show',
                                                'web1'))
        # A shell in the container, typed into through nova-serialproxy.
        url = self.value('console', 'url', 'show', '--serial', 'web1', '-c',
                         'url')
        self.assertIn('hello from web1', serial_session(
            url, b'echo "hello from $(hostname)"\n', b'hello from web1'))

        # Reboots, stop/start, pause and suspend are the Tempest subset's
        # (through this sandbox's API) and _check_security_group's (with
        # the server's address); the functional tier compares each with
        # the container.

        # Resized where it runs (the sandbox has one host), confirmed.
        self.openstack('server', 'resize', '--flavor', 'm1.small', 'web1')
        self.wait_status(web, 'VERIFY_RESIZE')
        self.openstack('server', 'resize', 'confirm', 'web1')
        self.wait_status(web, 'ACTIVE')
        self.assertEqual(2048 * 1024 ** 2,
                         self.container(web)['HostConfig']['Memory'])

        # Rescued with its own image: its filesystem at /rescue, through
        # nova-compute's own privsep daemon; unrescued to its container.
        original = self.container(web)['Id']
        self.docker.exec_start(self.docker.exec_create(
            original, ['/bin/sh', '-c', 'echo written > /kept']))
        self.openstack('server', 'rescue', 'web1')
        self.wait_status(web, 'RESCUE')
        rescuer = self.container(web)
        self.assertNotEqual(original, rescuer['Id'])
        self.assertEqual(['/rescue'], [m['Destination']
                                       for m in rescuer['Mounts']])
        self.assertEqual(b'written\n', self.docker.exec_start(
            self.docker.exec_create(rescuer['Id'], ['cat', '/rescue/kept'])))
        self.openstack('server', 'unrescue', 'web1')
        self.wait_status(web, 'ACTIVE')
        self.assertEqual(original, self.container(web)['Id'])

        self.openstack('server', 'image', 'create', '--name', 'web1-snap',
                       'web1')
        deadline = time.monotonic() + 120
        while self.value('image', 'show', 'web1-snap', '-c',
                         'status') != 'active':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(1)
        self.wait_status(web, 'ACTIVE')
        # Booting a snapshot and deleting servers: the dashboard's session.
        self.openstack('image', 'delete', 'mine')
        self.assertNotIn('mine', self.value('image', 'list', '-c',
                                            'Name').split())
        # Its registry copies (the image, web1's filesystem committed for
        # the resize, each with the signature the compute host pushed) go
        # when an administrator prunes the registry.
        tags = self.registry_tags(uploaded)
        self.assertIn('moving-' + web, tags)
        self.assertEqual(4, len(tags), tags)
        self.assertIn("needs an administrator's token",
                      self.prune_registry(DEMO).stderr)
        pruned = self.prune_registry(ADMIN)
        self.assertEqual(0, pruned.returncode, pruned.stderr)
        self.assertIn('glance/%s: image %s is not in Glance; removed 4 tags'
                      % (uploaded, uploaded), pruned.stdout)
        self.assertEqual([], self.registry_tags(uploaded))
        snapshot = self.value('image', 'show', 'web1-snap', '-c', 'id')
        self.assertIn('snapshot', self.registry_tags(snapshot))

    def _check_networking(self):
        """Servers booted without --nic get ports on the demo project's
        network through Neutron and OVN, IPv4 and IPv6, and reach each
        other; the host reaches them through the project's router where the
        security group lets it, across reboots; a second network is cut off
        until routed; a port attaches and detaches; deleting the servers
        leaves nothing behind on the host."""
        servers = [self.value('server', 'create', '--image', 'demo',
                              '--flavor', 'm1.tiny', name, '-c', 'id')
                   for name in ('net1', 'net2')]
        for server in servers:
            self.wait_status(server, 'ACTIVE')
        v4, v6 = sorted(self.addresses(servers[0])['private'],
                        key=lambda address: ':' in address)
        self.assertTrue(v4.startswith('10.0.0.'), v4)
        self.assertTrue(v6.startswith('fd4e:6f76:6100:0:'), v6)
        self.assertEqual(['ACTIVE', 'ACTIVE'], self.value(
            'port', 'list', '--device-owner', 'compute:nova', '-c',
            'Status').split())
        net1, net2 = servers
        for address in (v4, v6):
            self.assertIn('Hello from nova-docker: net1',
                          self.http_from(net2, address))
            # The demo's containers have no CAP_NET_RAW ([docker] cap_drop):
            # the host's ping, in net2's network namespace.
            self.assertEqual(0, self.ping_from(net2, address))
        self._check_security_group(net1, v4)
        self._check_routing(net1, v4)
        self._check_port_attachment(net1)

        ports = self.value('port', 'list', '--device-owner',
                           'compute:nova', '-c', 'ID').split()
        self.openstack('server', 'delete', '--wait', *servers)
        self.assertEqual('', self.value('port', 'list', '--device-owner',
                                        'compute:nova', '-c', 'ID'))
        # OVN's own patch port to the public bridge stays on br-int.
        plugged = subprocess.run(['ovs-vsctl', 'list-ports', ovn.BRIDGE],
                                 capture_output=True, text=True).stdout
        self.assertEqual([], [p for p in plugged.split()
                              if not p.startswith('patch-')])
        links = subprocess.run(['ip', '-o', 'link'], capture_output=True,
                               text=True).stdout
        self.assertEqual([], [p for p in ports if p[:11] in links])
        for server in servers:
            self.assertEqual([], self.docker.containers(all=True, filters={
                'label': '%s=%s' % (spec.LABEL_NETNS_OF, server)}))

    def _check_security_group(self, server, address):
        """The default security group keeps the host out until a rule
        opens port 80, and again once the rule is gone; hard reboot and
        stop/start keep the address and the way in."""
        self.assertIsNone(self.http_from_host(address))
        rule = self.value('security', 'group', 'rule', 'create', '--protocol',
                          'tcp', '--dst-port', '80', 'default', '-c', 'id')
        self.assertIn('Hello from nova-docker: net1',
                      self.http_from_host(address, wait=True))
        for action in (('server', 'reboot', '--hard'), ('server', 'stop'),
                       ('server', 'start')):
            self.openstack(*(action + (server,)))
            self.wait_status(server, 'SHUTOFF' if action[1] == 'stop'
                             else 'ACTIVE')
        self.assertIn(address, self.addresses(server)['private'])
        self.assertIn('Hello from nova-docker: net1',
                      self.http_from_host(address, wait=True))
        self.openstack('security', 'group', 'rule', 'delete', rule)
        deadline = time.monotonic() + 30
        while self.http_from_host(address) is not None:
            self.assertLess(time.monotonic(), deadline, 'port 80 stayed open')
            time.sleep(0.5)

    def _check_routing(self, server, address):
        """A server on a second network of the project, booted on a port
        the user made, reaches none on "private" until the router joins
        the two."""
        self.openstack('network', 'create', 'second')
        self.openstack('subnet', 'create', '--network', 'second',
                       '--subnet-range', '10.0.1.0/24', 'second-v4')
        self.openstack('port', 'create', '--network', 'second', '--fixed-ip',
                       'ip-address=10.0.1.50', 'far-port')
        far = self.value('server', 'create', '--image', 'demo', '--flavor',
                         'm1.tiny', '--port', 'far-port', 'net3', '-c', 'id')
        self.wait_status(far, 'ACTIVE')
        self.assertEqual({'second': ['10.0.1.50']}, self.addresses(far))
        self.assertNotIn('Hello', self.http_from(far, address))
        self.openstack('router', 'add', 'subnet', 'router1', 'second-v4')
        self.assertIn('Hello from nova-docker: net1',
                      self.http_from(far, address, wait=True))
        self.openstack('server', 'delete', '--wait', far)
        # The user's port outlives the server, detached.
        self.assertEqual('', self.value('port', 'show', 'far-port', '-c',
                                        'device_id'))
        self.openstack('port', 'delete', 'far-port')
        self.openstack('router', 'remove', 'subnet', 'router1', 'second-v4')

    def _check_port_attachment(self, server):
        """A port made by the user joins a running server and leaves it."""
        port = json.loads(self.openstack(
            'port', 'create', '--network', 'second', 'extra', '-f', 'json'))
        address = port['fixed_ips'][0]['ip_address']
        self.openstack('server', 'add', 'port', server, 'extra')
        deadline = time.monotonic() + 30
        while self.value('port', 'show', 'extra', '-c', 'status') != 'ACTIVE':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(1)
        self.assertIn(address + '/24', self.exec_in(server, ['ip', 'addr']))
        self.openstack('server', 'remove', 'port', server, 'extra')
        deadline = time.monotonic() + 30
        while address in self.exec_in(server, ['ip', 'addr']):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(1)
        self.assertEqual('', self.value('port', 'show', 'extra', '-c',
                                        'device_id'))
        self.openstack('port', 'delete', 'extra')
        self.openstack('network', 'delete', 'second')

    def addresses(self, server):
        return json.loads(self.openstack('server', 'show', server, '-c',
                                         'addresses', '-f', 'json'))[
            'addresses']

    def exec_in(self, server, argv):
        return self.docker.exec_start(self.docker.exec_create(
            'nova-' + server, argv)).decode()

    def http_from(self, server, address, wait=False):
        """What ``address`` serves on port 80, asked from inside
        ``server``; with ``wait``, until it answers."""
        deadline = time.monotonic() + 30
        while True:
            said = self.exec_in(server, [
                '/bin/sh', '-c', 'echo -e "GET / HTTP/1.0\\r\\n\\r" | '
                'nc -w 3 %s 80' % address])
            if not wait or ' 200 OK' in said:
                return said
            self.assertLess(time.monotonic(), deadline, said)
            time.sleep(0.5)

    def http_from_host(self, address, wait=False):
        """What ``address`` serves on port 80, asked from the host; None
        when nothing answers."""
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection((address, 80), timeout=3) as s:
                    s.sendall(b'GET / HTTP/1.0\r\n\r\n')
                    return s.makefile('rb').read().decode()
            except OSError:
                if not wait:
                    return None
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.5)

    def ping_from(self, server, address):
        pid = self.state_of(server)['Pid']
        return subprocess.run(
            ['nsenter', '--net=/proc/%d/ns/net' % pid, 'busybox', 'ping',
             '-c', '1', '-W', '5', address], capture_output=True).returncode

    def _check_isolation(self):
        """The demo user cannot see or touch the administrator's servers
        and private images, nor boot them."""
        image = self.value('image', 'create', '--container-format', 'docker',
                           '--disk-format', 'raw', '--private',
                           'admins-image', '-c', 'id',
                           cloud=ADMIN)
        admins = self.value('server', 'create', '--image', 'demo',
                            '--flavor', 'm1.tiny', '--nic', 'none',
                            'admins-server', '-c', 'id', cloud=ADMIN)
        self.assertNotIn('admins-server', self.value('server', 'list',
                                                     '-c', 'Name'))
        self.assertNotIn('admins-image', self.value('image', 'list',
                                                    '-c', 'Name'))
        for args in (('server', 'show', admins),
                     ('server', 'delete', admins),
                     ('server', 'stop', admins),
                     ('console', 'log', 'show', admins),
                     ('image', 'show', image),
                     ('server', 'create', '--image', image, '--flavor',
                      'm1.tiny', '--nic', 'none', 'stolen')):
            self.refused(*args)
        self.assertIn('web1', self.value('server', 'list', '--all-projects',
                                         '-c', 'Name', cloud=ADMIN))
        self.openstack('server', 'delete', '--wait', admins, cloud=ADMIN)
        self.openstack('image', 'delete', image, cloud=ADMIN)

    def _check_more_hosts(self):
        """Two more compute hosts join, one on an engine of its own; each
        takes a server, and they leave."""
        self.assertIn('compute host %s is up' % SECOND,
                      self.sandbox('add-compute', SECOND).stdout)
        first_bridge = self.docker.inspect_network('bridge')['Options'][
            'com.docker.network.bridge.name']
        self.assertIn('its own Docker engine', self.sandbox(
            'add-compute', '--own-engine', THIRD).stdout)
        # The new engine has a bridge of its own and leaves the first
        # engine's alone.
        self.assertTrue(backing.interface_exists(first_bridge))
        own_bridge = backing.engine_bridge(THIRD)
        self.assertTrue(backing.interface_exists(own_bridge))
        hypervisors = self.value('hypervisor', 'list', '-c',
                                 'Hypervisor Hostname', '-c', 'State',
                                 cloud=ADMIN).splitlines()
        self.assertEqual(sorted(h + ' up' for h in HOSTS),
                         sorted(hypervisors))
        # nova spreads servers by free memory: web1 holds the first host.
        servers = [self.value('server', 'create', '--image', 'demo',
                              '--flavor', 'm1.tiny', '--nic', 'none', name,
                              '-c', 'id') for name in ('far1', 'far2')]
        for server in servers:
            self.wait_status(server, 'ACTIVE')
        placed = {server: self.value('server', 'show', server, '-c',
                                     'OS-EXT-SRV-ATTR:host', cloud=ADMIN)
                  for server in servers}
        self.assertEqual({SECOND, THIRD}, set(placed.values()))
        placed[self.web] = config.COMPUTE_HOST
        for server, host in placed.items():
            engine = self.engine(host)
            labels = engine.inspect_container('nova-' + server)['Config'][
                'Labels']
            self.assertEqual(host, labels[spec.LABEL_HOST])
        # The third host's engine got the demo image from the registry,
        # where the first host that loaded it from Glance put it.
        demo = self.value('image', 'show', 'demo', '-c', 'id')
        self.assertTrue(integration.glance_references(self.engine(THIRD),
                                                      demo))
        on_third = next(s for s, h in placed.items() if h == THIRD)
        self.assertRaises(docker.errors.NotFound,
                          self.docker.inspect_container, 'nova-' + on_third)

        refusal = self.sandbox('remove-compute', SECOND, check=False)
        self.assertIn('compute host %s still has servers: far' % SECOND,
                      refusal.stderr)
        self.openstack('server', 'delete', '--wait', *servers)
        for host in (SECOND, THIRD):
            self.sandbox('remove-compute', host)
        self.assertEqual(config.COMPUTE_HOST, self.value(
            'hypervisor', 'list', '-c', 'Hypervisor Hostname', cloud=ADMIN))
        self.assertFalse(os.path.exists(os.path.join(self.state, 'compute',
                                                     THIRD)))
        self.assertFalse(backing.interface_exists(own_bridge))
        self.assertTrue(backing.interface_exists(first_bridge))

    def engine(self, host):
        if host != THIRD:
            return self.docker
        return docker.APIClient(
            base_url=config.engine_url(self.state, host), version='auto')

    def _check_down(self):
        # "down --keep" stops the services and keeps servers and images;
        # "up" resumes.
        kept = self.sandbox('down', '--keep')
        self.assertIn('data kept', kept.stdout)
        self.assertIn('not running', self.sandbox(
            'status', check=False).stdout)
        self.sandbox('up')
        self.wait_status(self.web, 'ACTIVE')
        self.assertEqual('web1 ACTIVE', self.value(
            'server', 'list', '-c', 'Name', '-c', 'Status'))

        # web1 and the images left are down's to remove.
        image_ids = self.value('image', 'list', '-c', 'ID',
                               cloud=ADMIN).split()
        pids = self._pids()
        down = self.sandbox('down')
        self.assertIn('deleting server web1', down.stdout)
        for host in HOSTS:
            self.assertEqual([], self.docker.containers(
                all=True, filters={'label': spec.host_label_filter(host)}))
        for image_id in image_ids:
            self.assertEqual([], integration.glance_references(
                self.docker, image_id))
            self.assertEqual([], self.registry_tags(image_id))
        for name, pid in pids.items():
            self.assertFalse(procs.alive(pid), '%s (pid %d) still runs'
                             % (name, pid))
        self.assertFalse(os.path.exists(self.state))
        self.assertFalse(os.path.exists(self.clouds_yaml))
        # The host's Open vSwitch as it was before "up".
        self.assertEqual(self.ovs_before, self._ovs_settings())
        self.assertIn('not running', self.sandbox(
            'status', check=False).stdout)

    def _pids(self):
        """The sandbox's processes by name, from its pid files."""
        pids = {}
        for path in glob.glob(os.path.join(self.state, 'run', '*.pid')):
            with open(path) as f:
                pids[os.path.basename(path)[:-4]] = int(f.read().split()[0])
        return pids

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
                        # The kernel prints the address as 32-bit words
                        # in host (little-endian) order.
                        raw = b''.join(
                            bytes.fromhex(address[i:i + 8])[::-1]
                            for i in range(0, len(address), 8))
                        addresses.add(socket.inet_ntop(
                            socket.AF_INET if len(raw) == 4
                            else socket.AF_INET6, raw))
        return addresses
