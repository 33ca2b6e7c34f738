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

"""``nova-docker-sandbox``, the sandbox's command, without root, a Docker
engine or any service: its arguments and exit codes, the state directory
it claims, the ports it needs, what "up" checks and undoes, ``status``,
``logs``, ``down``, the compute hosts it adds and removes, Tempest's
configuration and what a first start makes.

The boundaries are faked: processes through procs' pid files (``alive``,
``start_time``, ``stop``), nova's, glance's and neutron's APIs at
``Sandbox.nova``/``glance``/``call``, the Docker SDK's raw client
(``docker.APIClient``), the registry's API and Open vSwitch. Whatever is
left unfaked and would start a process, reach a Docker engine or open a
socket fails the test (``SandboxTestCase.setUp``).
"""

import configparser
import io
import itertools
import os
import shutil
import signal
import socket
import subprocess
import urllib.parse

import docker
import fixtures
import requests
import testtools
import yaml

from novadocker import registry as registry_api
from novadocker_sandbox import backing
from novadocker_sandbox import cli
from novadocker_sandbox import config
from novadocker_sandbox import ovn
from novadocker_sandbox import procs
from novadocker_sandbox import services

SECOND = 'second'
THIRD = 'third'
VENV_OPTIONS = ['--glance-venv', '/venvs/glance', '--neutron-venv',
                '/venvs/neutron', '--horizon-venv', '/venvs/horizon']


def glance_tag(image_id, tag='latest'):
    """How an engine names an image nova brought in from Glance."""
    return '%s/glance/%s:%s' % (cli.REGISTRY, image_id, tag)


class FakeClock:
    """``cli``'s ``time``: sleeping moves the clock, at once."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeProcess:
    def __init__(self, pid):
        self.pid = pid


class FakeProcesses(fixtures.Fixture):
    """The processes procs' pid files name, none of them real: a pid is
    alive while ``started`` has it; ``procs.stop`` ends those it is given
    and records their names in ``events``."""

    def __init__(self, events):
        super().__init__()
        self.events = events

    def _setUp(self):
        self.started = {}
        self.names = {}
        self.stop_timeouts = set()
        # Services start side by side, in threads.
        self._pids = itertools.count(4001)
        for name, fake in (
                ('alive', lambda pid: pid in self.started),
                ('start_time', self.started.get),
                ('tree_rss', lambda pid: 64 * 2 ** 20),
                ('stop', self._stop)):
            self.useFixture(fixtures.MockPatchObject(procs, name, fake))

    def register(self, name, alive=True):
        """A new pid for ``name``; alive unless told otherwise."""
        pid = next(self._pids)
        self.names[pid] = name
        if alive:
            self.started[pid] = str(pid * 10)
        return pid

    def start(self, pid_file, name=None):
        """A running process ``name``, and its pid file as procs writes
        it."""
        name = name or os.path.basename(pid_file)[:-len('.pid')]
        os.makedirs(os.path.dirname(pid_file), exist_ok=True)
        pid = self.register(name)
        procs.write_pid(pid_file, FakeProcess(pid))
        return pid

    def _stop(self, pids, timeout):
        if pids:
            self.stop_timeouts.add(timeout)
            self.events.append(('stop', sorted(self.names[p] for p in pids)))
        for pid in pids:
            self.started.pop(pid, None)


# The shared tests/fake_engine.py models novadocker.engine.Engine, the
# driver's own layer over Docker; the sandbox's command talks to the
# docker SDK's raw docker.APIClient instead, whose calls (containers with
# filters, images with RepoTags, remove_container(v=True)...) that fake
# does not have. These two classes are the little of it "down" and
# "remove-compute" use.
class FakeEngine:
    """One Docker engine: containers with labels, images with tags.

    ``state``: 'up'; 'down' (nothing listens: the SDK's client fails
    while it asks for the API version, as it does with version='auto');
    'sick' (it answers the version but not ``ping``).
    """

    def __init__(self, url, events, state='up'):
        self.url = url
        self.events = events
        self.state = state
        self.containers = {}
        self.images = {}

    def add_container(self, container_id, labels=None, state='running'):
        self.containers[container_id] = {'Id': container_id,
                                         'Labels': labels or {},
                                         'State': state}

    def add_image(self, image_id, *tags):
        self.images[image_id] = list(tags)

    def tags(self):
        return sorted(tag for tags in self.images.values() for tag in tags)


class FakeAPIClient:
    """docker.APIClient, as far as the sandbox calls it."""

    def __init__(self, engine):
        self.engine = engine

    def ping(self):
        if self.engine.state != 'up':
            raise docker.errors.APIError('500 Server Error: _ping')
        return True

    def containers(self, all=False, filters=None):
        wanted = (filters or {}).get('label', [])
        if isinstance(wanted, str):
            wanted = [wanted]
        found = []
        for container in self.engine.containers.values():
            labels = ['%s=%s' % item for item in
                      container['Labels'].items()]
            if not all and container['State'] != 'running':
                continue
            if set(wanted) <= set(labels):
                found.append(dict(container))
        return found

    def remove_container(self, container, force=False, v=False):
        self.engine.events.append(('remove_container', self.engine.url,
                                   container, force, v))
        del self.engine.containers[container]

    def images(self):
        return [{'Id': image_id, 'RepoTags': list(tags) or None}
                for image_id, tags in self.engine.images.items()]

    def remove_image(self, image, force=False):
        self.engine.events.append(('remove_image', self.engine.url, image,
                                   force))
        for tags in self.engine.images.values():
            if image in tags:
                tags.remove(image)
                return
        raise docker.errors.ImageNotFound(image)


class FakeDocker(fixtures.Fixture):
    """Docker engines by URL (None: the machine's own engine), reached
    through a fake docker.APIClient."""

    def __init__(self, events):
        super().__init__()
        self.events = events

    def _setUp(self):
        self.engines = {}
        self.clients = []
        self.useFixture(fixtures.MockPatchObject(docker, 'APIClient',
                                                 self._client))

    def engine(self, url=None, state='up'):
        self.engines[url] = FakeEngine(url, self.events, state)
        return self.engines[url]

    def _client(self, base_url=None, version=None, timeout=None):
        self.clients.append((base_url, version, timeout))
        engine = self.engines.get(base_url)
        if engine is None or engine.state == 'down':
            raise docker.errors.DockerException(
                'Error while fetching server API version: (Connection '
                'aborted., FileNotFoundError(2, No such file or directory))')
        return FakeAPIClient(engine)


class FakeNova:
    """nova's API as ``Sandbox.nova`` calls it: servers, services and
    hypervisors in memory. A deleted server stays listed for ``linger``
    more listings, as nova takes its time; ``error``, if set, is what
    every call raises."""

    def __init__(self, events):
        self.events = events
        self.servers = []
        self.services = []
        self.hypervisors = []
        self.flavors = []
        self.linger = 1
        self.error = None
        self._deleted = {}

    def add_server(self, name, host=config.COMPUTE_HOST, status='ACTIVE'):
        self.servers.append({'id': 'id-' + name, 'name': name,
                             'status': status,
                             'OS-EXT-SRV-ATTR:host': host})

    def add_compute(self, host, state='up'):
        self.services.append({'id': len(self.services) + 1,
                              'binary': 'nova-compute', 'host': host,
                              'state': state})
        self.hypervisors.append({'hypervisor_hostname': host})

    def __call__(self, method, path, **kwargs):
        self.events.append(('nova', method, path))
        if self.error:
            raise self.error
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip('/').split('/')
        if method == 'GET' and parts[0] == 'servers':
            return {'servers': self._list_servers(query)}
        if method == 'DELETE' and parts[0] == 'servers':
            self._deleted[parts[1]] = self.linger
            return None
        if method == 'GET' and parts[0] == 'os-services':
            return {'services': [
                s for s in self.services
                if query.get('binary', s['binary']) == s['binary'] and
                query.get('host', s['host']) == s['host']]}
        if method == 'DELETE' and parts[0] == 'os-services':
            self.services = [s for s in self.services
                             if str(s['id']) != parts[1]]
            return None
        if method == 'GET' and parts[0] == 'os-hypervisors':
            return {'hypervisors': list(self.hypervisors)}
        if method == 'GET' and parts[0] == 'flavors':
            return {'flavors': list(self.flavors)}
        raise AssertionError('nova has no %s %s here' % (method, path))

    def _list_servers(self, query):
        listed = []
        for server in list(self.servers):
            lingering = self._deleted.get(server['id'])
            if lingering is not None:
                if lingering <= 0:
                    self.servers.remove(server)
                    continue
                self._deleted[server['id']] = lingering - 1
            if query.get('host', server['OS-EXT-SRV-ATTR:host']) == server[
                    'OS-EXT-SRV-ATTR:host']:
                listed.append(server)
        return listed


class FakeRegistry:
    """novadocker.registry.Registry at the sandbox's registry."""

    def __init__(self, events, fail_on=()):
        self.events = events
        self.fail_on = fail_on
        self.made = []

    def __call__(self, url, timeout=30):
        self.made.append((url, timeout))
        return self

    def delete(self, repository):
        self.events.append(('registry_delete', repository))
        if repository in self.fail_on:
            raise registry_api.RegistryError('DELETE %s: HTTP 503'
                                             % repository)
        return 1


class SandboxTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())
        self.root = self.useFixture(fixtures.TempDir()).path
        self.dir = os.path.join(self.root, 'state')
        self.clouds_yaml = os.path.join(self.root, 'clouds.yaml')
        # A test that forgets --state-dir still stays in its own directory.
        self.useFixture(fixtures.EnvironmentVariable(
            'NOVA_DOCKER_SANDBOX_DIR', self.dir))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.clouds_yaml))
        self.useFixture(fixtures.EnvironmentVariable(
            'HOME', os.path.join(self.root, 'home')))
        for service in cli.VENV_SERVICES:
            self.useFixture(fixtures.EnvironmentVariable(
                'NOVA_DOCKER_%s_VENV' % service.upper()))
        # Nothing may start a process, reach a Docker engine or a service,
        # or replace the test's process.
        for target, what in (
                ((subprocess, 'Popen'), 'a subprocess'),
                ((os, 'execvp'), 'exec'),
                ((docker, 'APIClient'), 'a Docker engine'),
                ((requests.Session, 'send'), 'an HTTP request'),
                ((socket.socket, 'connect'), 'a socket connection'),
                ((socket.socket, 'connect_ex'), 'a socket connection')):
            self.useFixture(fixtures.MockPatchObject(
                *target, self._forbidden(what)))
        # main() sets the process's umask and SIGTERM handler: the test
        # runner's are left alone.
        self.umasks = []
        self.useFixture(fixtures.MockPatchObject(
            os, 'umask', lambda mask: self.umasks.append(mask) or 0o022))
        self.signals = []
        self.useFixture(fixtures.MockPatchObject(
            signal, 'signal',
            lambda signum, handler: self.signals.append((signum, handler))))
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.stdout))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.events = []
        self.processes = self.useFixture(FakeProcesses(self.events))
        self.clock = FakeClock()
        self.useFixture(fixtures.MockPatchObject(cli, 'time', self.clock))
        self.sandbox = cli.Sandbox(self.dir, clouds_yaml=self.clouds_yaml)

    def _forbidden(self, what):
        def refuse(*args, **kwargs):
            raise AssertionError('the test reached %s: %r %r'
                                 % (what, args, kwargs))
        return refuse

    def main(self, *argv):
        return cli.main(['--state-dir', self.dir] + list(argv))

    def claimed(self):
        """The state directory, made by the sandbox."""
        self.sandbox._claim_dir()
        return self.dir

    def run_process(self, name):
        """The sandbox's process ``name``, running: its pid."""
        return self.processes.start(self.sandbox.path('run', name + '.pid'))

    def add_host(self, host, own_engine=False):
        os.makedirs(config.engine_dir(self.dir, host) if own_engine else
                    os.path.dirname(config.compute_conf(self.dir, host)))

    def fake_nova(self):
        nova = FakeNova(self.events)
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'nova', nova))
        return nova

    def fake_docker(self):
        return self.useFixture(FakeDocker(self.events))

    def fake_popen(self, dies=(), output=b''):
        """subprocess.Popen as the sandbox starts its services: a process
        that runs (or has ended already, if its name is in ``dies``) and
        writes ``output`` to its log."""
        started = []

        def popen(argv, stdout=None, **kwargs):
            stdout.write(output)
            name = os.path.basename(stdout.name)[:-len('.log')]
            started.append((name, argv, kwargs))
            return FakeProcess(self.processes.register(
                name, alive=name not in dies))
        self.useFixture(fixtures.MockPatchObject(subprocess, 'Popen', popen))
        return started

    def fake_commands(self):
        commands = []
        self.useFixture(fixtures.MockPatchObject(
            procs, 'run', lambda argv, what, **kwargs: commands.append(
                argv)))
        return commands


class FakeActions(fixtures.Fixture):
    """The Sandbox's actions, faked: ``calls`` records each as (action,
    sandbox, arguments); each returns ``result``."""

    NAMES = ('up', 'status', 'logs', 'add_compute', 'remove_compute',
             'tempest_conf', 'down')

    def __init__(self, result=None):
        super().__init__()
        self.result = result

    def _setUp(self):
        self.calls = []
        for name in self.NAMES:
            self.useFixture(fixtures.MockPatchObject(
                cli.Sandbox, name, self._action(name)))

    def _action(self, name):
        def action(sandbox, *args):
            self.calls.append((name, sandbox, args))
            return self.result
        return action


class GuardTest(SandboxTestCase):

    def test_real_processes_engines_and_sockets_fail_the_test(self):
        # Each harmless were the guard missing: it would fail otherwise.
        nowhere = os.path.join(self.root, 'nothing.sock')

        def connect(method):
            with socket.socket(socket.AF_UNIX) as s:
                return getattr(s, method)(nowhere)
        for reach in (lambda: subprocess.run(['true']),
                      lambda: docker.APIClient(base_url='unix://' + nowhere,
                                               version='auto'),
                      lambda: requests.get('http://127.0.0.1:9/'),
                      lambda: connect('connect'),
                      lambda: connect('connect_ex')):
            self.assertRaises(AssertionError, reach)


class MainTest(SandboxTestCase):
    """The command line, as a user types it."""

    ACTIONS = (
        # arguments, the Sandbox method they run, its arguments
        (['status'], 'status', ()),
        (['logs'], 'logs', ('nova-compute', False, 50)),
        (['logs', '-f', '-n', '5', 'keystone'], 'logs',
         ('keystone', True, 5)),
        (['logs', '--follow', '--lines', '7', 'mariadb'], 'logs',
         ('mariadb', True, 7)),
        (['add-compute', SECOND], 'add_compute', (SECOND, False)),
        (['add-compute', '--own-engine', THIRD], 'add_compute',
         (THIRD, True)),
        (['remove-compute', SECOND], 'remove_compute', (SECOND,)),
        (['tempest-conf', 'etc/tempest.conf'], 'tempest_conf',
         ('etc/tempest.conf',)),
        (['down'], 'down', (False,)),
        (['down', '--keep'], 'down', (True,)),
        (['up'] + VENV_OPTIONS, 'up', ()),
    )

    def patch_actions(self, result=None):
        return self.useFixture(FakeActions(result)).calls

    def test_each_command_runs_its_action_with_its_arguments(self):
        for argv, method, arguments in self.ACTIONS:
            with FakeActions() as fake:
                self.assertEqual(0, self.main(*argv), argv)
            self.assertEqual([(method, arguments)],
                             [(name, args) for name, _, args in fake.calls])
            self.assertEqual(self.dir, fake.calls[0][1].dir)

    def test_up_takes_the_virtualenvs_and_clouds_yaml(self):
        calls = self.patch_actions()
        elsewhere = os.path.join(self.root, 'elsewhere.yaml')
        self.main('up', '--clouds-yaml', elsewhere, *VENV_OPTIONS)
        sandbox = calls[0][1]
        self.assertEqual(services.Venvs(glance='/venvs/glance',
                                        neutron='/venvs/neutron',
                                        horizon='/venvs/horizon'),
                         sandbox.venvs)
        self.assertEqual(elsewhere, sandbox.clouds_yaml)

    def test_defaults_come_from_the_environment(self):
        for service in cli.VENV_SERVICES:
            self.useFixture(fixtures.EnvironmentVariable(
                'NOVA_DOCKER_%s_VENV' % service.upper(), '/env/' + service))
        calls = self.patch_actions()
        self.assertEqual(0, cli.main(['up']))
        sandbox = calls[0][1]
        self.assertEqual(self.dir, sandbox.dir)
        self.assertEqual(services.Venvs('/env/glance', '/env/neutron',
                                        '/env/horizon'), sandbox.venvs)
        self.assertEqual(self.clouds_yaml, sandbox.clouds_yaml)

    def test_without_the_environment_the_defaults_are_the_systems(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'NOVA_DOCKER_SANDBOX_DIR'))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE'))
        calls = self.patch_actions()
        # The actions are fakes: nothing reaches the system's directory.
        cli.main(['up'] + VENV_OPTIONS)
        sandbox = calls[0][1]
        self.assertEqual('/var/lib/nova-docker/sandbox', sandbox.dir)
        self.assertEqual(os.path.join(self.root, 'home', '.config',
                                      'openstack', 'clouds.yaml'),
                         sandbox.clouds_yaml)

    def test_a_mistyped_command_line_is_refused_with_its_usage(self):
        for argv, message in (
                ([], 'the following arguments are required: command'),
                (['start'], "invalid choice: 'start'"),
                (['logs', '-n', 'ten'],
                 "argument -n/--lines: invalid int value: 'ten'"),
                (['add-compute'], 'the following arguments are required: '
                                  'host'),
                (['remove-compute'], 'the following arguments are '
                                     'required: host'),
                (['tempest-conf'], 'the following arguments are required: '
                                   'path'),
                (['down', '--force'], 'unrecognized arguments: --force'),
                (['up'], 'the following arguments are required: '
                         '--glance-venv, --neutron-venv, --horizon-venv')):
            self.stderr.seek(0)
            self.stderr.truncate()
            with FakeActions() as fake:
                error = self.assertRaises(SystemExit, self.main, *argv)
            self.assertEqual([], fake.calls)
            self.assertEqual(2, error.code, argv)
            self.assertIn('usage: nova-docker-sandbox', self.stderr.getvalue())
            self.assertIn(message, self.stderr.getvalue())
        self.assertEqual('', self.stdout.getvalue())

    def test_data_is_the_users_alone_and_sigterm_interrupts(self):
        # SIGTERM raises KeyboardInterrupt: "up" stops what it started.
        self.patch_actions()
        self.main('status')
        self.assertEqual([0o077], self.umasks)
        self.assertEqual([(signal.SIGTERM, signal.default_int_handler)],
                         self.signals)

    def test_the_exit_code_is_the_actions(self):
        for result, code in ((3, 3), (None, 0), (1, 1)):
            with FakeActions(result):
                self.assertEqual(code, self.main('status'))

    def test_a_sandbox_error_is_printed_without_traceback_and_fails(self):
        for argv in (['add-compute', SECOND], ['remove-compute', SECOND],
                     ['tempest-conf', os.path.join(self.root, 't.conf')]):
            self.stderr.seek(0)
            self.stderr.truncate()
            self.assertEqual(1, self.main(*argv), argv)
            self.assertEqual('nova-docker-sandbox: The sandbox is not '
                             'running: tools/sandbox.sh up\n',
                             self.stderr.getvalue())
        self.assertEqual('', self.stdout.getvalue())
        self.assertFalse(os.path.exists(os.path.join(self.root, 't.conf')))

    def test_other_failures_are_not_hidden(self):
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, 'status', side_effect=KeyError('bug')))
        self.assertRaises(KeyError, self.main, 'status')


class StateDirTest(SandboxTestCase):
    """The state directory: the sandbox's, which "down" removes whole, or
    none it did not make."""

    def write(self, name, text):
        with open(os.path.join(self.dir, name), 'w') as f:
            f.write(text)

    def test_a_missing_directory_is_made_private_and_marked(self):
        self.sandbox._claim_dir()
        self.assertEqual(0o700, os.stat(self.dir).st_mode & 0o777)
        with open(os.path.join(self.dir, cli.MARKER)) as f:
            self.assertEqual(cli.MARKER_TEXT, f.read())
        self.assertEqual(sorted([cli.MARKER, 'logs', 'run']),
                         sorted(os.listdir(self.dir)))
        self.assertTrue(self.sandbox._ours())

    def test_an_empty_directory_is_taken(self):
        os.makedirs(self.dir)
        self.sandbox._claim_dir()
        self.assertTrue(self.sandbox._ours())

    def test_its_own_directory_is_taken_again_with_its_data(self):
        self.claimed()
        self.write('passwords.yaml', 'admin: secret\n')
        self.sandbox._claim_dir()
        self.assertIn('passwords.yaml', os.listdir(self.dir))
        self.assertTrue(self.sandbox._ours())

    def test_a_directory_it_did_not_make_is_refused_and_untouched(self):
        for marker in (None, 'my own notes\n', ''):
            os.makedirs(self.dir)
            self.write('precious', "not the sandbox's")
            if marker is not None:
                self.write(cli.MARKER, marker)
            before = sorted(os.listdir(self.dir))
            error = self.assertRaises(cli.SandboxError,
                                      self.sandbox._claim_dir)
            self.assertEqual(
                '%s exists and was not made by the sandbox; choose another '
                'state directory (NOVA_DOCKER_SANDBOX_DIR)' % self.dir,
                str(error))
            self.assertEqual(before, sorted(os.listdir(self.dir)))
            self.assertFalse(self.sandbox._ours())
            shutil.rmtree(self.dir)

    def test_ours_only_with_a_marker_holding_its_text(self):
        marker = os.path.join(self.dir, cli.MARKER)
        # No directory; no marker; another text; a marker it cannot read.
        self.assertFalse(self.sandbox._ours())
        os.makedirs(self.dir)
        self.assertFalse(self.sandbox._ours())
        self.write(cli.MARKER, cli.MARKER_TEXT.upper())
        self.assertFalse(self.sandbox._ours())
        os.unlink(marker)
        os.mkdir(marker)
        self.assertFalse(self.sandbox._ours())
        os.rmdir(marker)
        self.write(cli.MARKER, cli.MARKER_TEXT)
        self.assertTrue(self.sandbox._ours())

    def test_up_and_down_leave_a_foreign_directory_alone(self):
        os.makedirs(self.dir)
        self.write('precious', "not the sandbox's")
        for argv, message in (
                (['up'] + VENV_OPTIONS,
                 '%s exists and was not made by the sandbox'),
                (['down'], '%s was not made by the sandbox; leaving it '
                           'alone'),
                (['down', '--keep'], '%s was not made by the sandbox; '
                                     'leaving it alone')):
            self.stderr.seek(0)
            self.stderr.truncate()
            self.assertEqual(1, self.main(*argv))
            self.assertIn(message % self.dir, self.stderr.getvalue())
            self.assertEqual(['precious'], os.listdir(self.dir))
        self.assertEqual([], self.events)

    def test_down_without_a_directory_has_nothing_to_do(self):
        self.assertEqual(0, self.main('down'))
        self.assertEqual('The sandbox is not running and keeps no data.\n',
                         self.stdout.getvalue())
        self.assertFalse(os.path.exists(self.dir))


class CheckPortsTest(SandboxTestCase):
    """The sandbox's fixed ports: one taken stops "up" before it starts
    anything, naming who holds it."""

    def listeners(self, owners):
        asked = []

        def port_owner(host, port):
            asked.append((host, port))
            return owners.get(port)
        self.useFixture(fixtures.MockPatchObject(procs, 'port_owner',
                                                 port_owner))
        return asked

    def test_free_ports_pass_each_asked_about_on_loopback(self):
        asked = self.listeners({})
        self.sandbox._check_ports()
        self.assertEqual([(config.HOST, port)
                          for port in sorted(config.PORTS.values())], asked)

    def test_a_taken_port_is_named_with_its_service_and_owner(self):
        self.listeners({9696: 'pid 42 (python3 -m http.server 9696)'})
        error = self.assertRaises(cli.SandboxError,
                                  self.sandbox._check_ports)
        self.assertEqual('Port 9696 (neutron-api) is already in use by pid '
                         '42 (python3 -m http.server 9696): stop it, or the '
                         'sandbox cannot start.', str(error))

    def test_of_several_taken_ports_the_lowest_is_named(self):
        self.listeners({9696: 'pid 42 (a)', 5672: 'another process',
                        8774: 'pid 43 (b)'})
        error = self.assertRaises(cli.SandboxError,
                                  self.sandbox._check_ports)
        self.assertIn('Port 5672 (rabbitmq) is already in use by another '
                      'process', str(error))

    def test_up_refuses_a_taken_port_before_starting_anything(self):
        self.listeners({config.PORTS['keystone']: 'pid 42 (keystone)'})
        self.assertEqual(1, self.main('up', *VENV_OPTIONS))
        self.assertEqual('nova-docker-sandbox: Port 5000 (keystone) is '
                         'already in use by pid 42 (keystone): stop it, or '
                         'the sandbox cannot start.\n',
                         self.stderr.getvalue())
        self.assertEqual([], os.listdir(os.path.join(self.dir, 'run')))
        self.assertEqual([], self.events)


class StatusTest(SandboxTestCase):

    def fake_stages(self, answering):
        """Four processes: two with a ready check (answering if named in
        ``answering``), two without."""
        def check(name):
            return lambda: name in answering
        stages = [[services.Service('mariadb', [], ready=check('mariadb')),
                   services.Service('ovn-northd', [])],
                  [services.Service('nova-api', [], ready=check('nova-api'))],
                  [services.Service('nova-compute', [])]]
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, 'stages', lambda sandbox: stages))

    def lines(self):
        return self.stdout.getvalue().splitlines()

    def test_not_running_says_so_with_exit_code_3(self):
        self.assertEqual(3, self.main('status'))
        self.assertEqual('The sandbox is not running.\n',
                         self.stdout.getvalue())

    def test_stale_pid_files_are_not_running(self):
        pid = self.run_process('nova-api')
        self.processes.started.pop(pid)
        self.assertEqual(3, self.sandbox.status())
        # A pid file from before the start times were written.
        with open(self.sandbox.path('run', 'mariadb.pid'), 'w') as f:
            f.write('%d\n' % pid)
        self.processes.started[pid] = '1'
        self.assertEqual(3, self.sandbox.status())

    def test_running_lists_each_process_endpoint_and_server(self):
        self.fake_stages(answering={'mariadb'})
        pids = {name: self.run_process(name) for name in (
            'mariadb', 'ovn-northd', 'nova-api', 'nova-compute')}
        nova = self.fake_nova()
        nova.add_server('web1')
        nova.add_server('far1', host=SECOND, status='ERROR')
        self.assertEqual(0, self.main('status'))
        self.assertEqual([
            'mariadb            answers       pid %-7d memory   64.0 MiB'
            % pids['mariadb'],
            'ovn-northd         running       pid %-7d memory   64.0 MiB'
            % pids['ovn-northd'],
            'nova-api           NOT ANSWERING pid %-7d memory   64.0 MiB'
            % pids['nova-api'],
            'nova-compute       running       pid %-7d memory   64.0 MiB'
            % pids['nova-compute'],
            'keystone           http://127.0.0.1:5000',
            'nova-api           http://127.0.0.1:8774',
            'placement-api      http://127.0.0.1:8778',
            'glance-api         http://127.0.0.1:9292',
            'neutron-api        http://127.0.0.1:9696',
            'horizon            http://127.0.0.1:8080',
            'servers: web1 (ACTIVE, nova-docker-sandbox), far1 (ERROR, '
            'second)',
        ], self.lines())
        self.assertEqual([('nova', 'GET', '/servers/detail?all_tenants=1')],
                         self.events)

    def test_a_process_not_running_fails_the_status(self):
        self.fake_stages(answering={'mariadb', 'nova-api'})
        for name in ('mariadb', 'ovn-northd', 'nova-api'):
            self.run_process(name)
        self.fake_nova()
        self.assertEqual(1, self.sandbox.status())
        self.assertIn('nova-compute       not running   ', self.lines())
        self.assertIn('servers: none', self.lines())

    def test_nova_api_not_answering_fails_the_status(self):
        self.fake_stages(answering={'mariadb'})
        for name in ('mariadb', 'ovn-northd', 'nova-api', 'nova-compute'):
            self.run_process(name)
        self.fake_nova().error = requests.ConnectionError('refused')
        self.assertEqual(1, self.sandbox.status())
        self.assertEqual('nova-api does not answer: refused',
                         self.lines()[-1])

    def test_names_are_the_processes_in_start_order_added_hosts_last(self):
        self.add_host(THIRD, own_engine=True)
        self.add_host(SECOND)
        names = self.sandbox.names()
        self.assertEqual(['mariadb', 'epmd', 'ovn-nb-db', 'ovn-sb-db'],
                         names[:4])
        self.assertEqual(['nova-compute', 'nova-compute-second',
                          'dockerd-third', 'nova-compute-third'],
                         names[-4:])
        self.assertEqual(len(names), len(set(names)))
        for name in ('keystone', 'rabbitmq', 'glance-api', 'neutron-api',
                     'horizon', 'nova-api', 'nova-conductor',
                     'nova-scheduler'):
            self.assertLess(names.index(name), names.index('nova-compute'))


class LogsTest(SandboxTestCase):

    def test_a_service_log_is_tailed(self):
        execs = []
        self.useFixture(fixtures.MockPatchObject(
            os, 'execvp', lambda file, args: execs.append((file, args))))
        self.claimed()
        log = self.sandbox.log('keystone')
        with open(log, 'w') as f:
            f.write('started\n')
        self.main('logs', 'keystone')
        self.main('logs', '-f', '-n', '200', 'keystone')
        self.assertEqual([('tail', ['tail', '-n', '50', log]),
                          ('tail', ['tail', '-n', '200', '-F', log])],
                         execs)

    def test_an_unknown_service_is_refused_naming_those_it_runs(self):
        self.assertEqual(1, self.main('logs', 'nova-network'))
        self.assertIn('nova-docker-sandbox: No service nova-network; the '
                      'sandbox runs: mariadb, epmd, ', self.stderr.getvalue())
        self.assertIn(', nova-compute\n', self.stderr.getvalue())

    def test_a_service_without_a_log_is_refused(self):
        self.assertEqual(1, self.main('logs'))
        self.assertEqual('nova-docker-sandbox: No log at %s\n'
                         % os.path.join(self.dir, 'logs', 'nova-compute.log'),
                         self.stderr.getvalue())


class CallTest(SandboxTestCase):
    """The services' APIs, as the administrator unless told otherwise."""

    def setUp(self):
        super().setUp()
        self.tokens = []
        self.useFixture(fixtures.MockPatch(
            'novadocker_sandbox.keystone.user_token',
            lambda directory, user: self.tokens.append(user) or 'admin-tok'))
        self.requests = []
        self.answer = b'{"servers": []}'
        self.status = 200

        def request(method, url, headers=None, **kwargs):
            self.requests.append((method, url, headers, kwargs))
            response = requests.Response()
            response.status_code, response._content = self.status, self.answer
            response.url = url
            return response
        self.useFixture(fixtures.MockPatchObject(requests, 'request',
                                                 request))

    def test_each_service_is_reached_at_its_address_and_version(self):
        for call, url in (
                (lambda: self.sandbox.nova('GET', '/servers'),
                 'http://127.0.0.1:8774/v2.1/servers'),
                (lambda: self.sandbox.glance('GET', '/images'),
                 'http://127.0.0.1:9292/v2/images'),
                (lambda: self.sandbox.neutron('GET', '/ports'),
                 'http://127.0.0.1:9696/v2.0/ports')):
            self.assertEqual({'servers': []}, call())
            self.assertEqual(url, self.requests[-1][1])

    def test_the_administrators_token_is_fetched_once(self):
        self.sandbox.nova('GET', '/servers')
        self.sandbox.nova('DELETE', '/servers/1', headers={'X-Other': '1'},
                          timeout=5)
        self.assertEqual([config.ADMIN], self.tokens)
        self.assertEqual(
            [('GET', {'X-Auth-Token': 'admin-tok',
                      'OpenStack-API-Version': 'compute latest'},
              {'timeout': cli.API_TIMEOUT}),
             ('DELETE', {'X-Auth-Token': 'admin-tok', 'X-Other': '1',
                         'OpenStack-API-Version': 'compute latest'},
              {'timeout': 5})],
            [(method, headers, kwargs)
             for method, _, headers, kwargs in self.requests])

    def test_another_users_token_goes_instead(self):
        self.sandbox.neutron('GET', '/routers', token='demo-tok')
        self.assertEqual([], self.tokens)
        self.assertEqual('demo-tok', self.requests[0][2]['X-Auth-Token'])

    def test_an_empty_answer_is_none_and_an_error_raises(self):
        self.answer = b''
        self.assertIsNone(self.sandbox.nova('DELETE', '/servers/1'))
        self.status = 404
        self.assertRaises(requests.HTTPError, self.sandbox.nova, 'GET',
                          '/servers/1')

    def test_a_nova_service_is_up_if_nova_says_one_is(self):
        self.answer = (b'{"services": [{"state": "down"}, '
                       b'{"state": "up"}]}')
        self.assertTrue(self.sandbox._service_up('nova-conductor'))
        self.assertEqual('http://127.0.0.1:8774/v2.1/os-services?'
                         'binary=nova-conductor', self.requests[-1][1])
        self.answer = b'{"services": [{"state": "down"}]}'
        self.assertFalse(self.sandbox._service_up('nova-conductor'))
        self.status = 503
        self.assertFalse(self.sandbox._service_up('nova-conductor'))


class DownTest(SandboxTestCase):
    """"down": servers, containers, processes, images, the registry's
    copies, Open vSwitch, the services the sandbox started, clouds.yaml and
    the state directory, in that order; "down --keep" stops processes
    only."""

    IMAGES = ('img-listed', 'img-stored')

    def setUp(self):
        super().setUp()
        self.claimed()
        self.add_host(SECOND)
        self.add_host(THIRD, own_engine=True)
        self.third_url = config.engine_url(self.dir, THIRD)
        self.pids = {name: self.run_process(name) for name in (
            'mariadb', 'keystone', 'glance-api', 'nova-api', 'nova-compute',
            'nova-compute-second', 'dockerd-third', 'nova-compute-third')}
        for name in ('registry', 'dockerd'):
            self.processes.start(self.sandbox.path('services',
                                                   name + '.pid'))
        with open(self.sandbox.path('services', 'ovs.started'), 'w'):
            pass
        self.nova = self.fake_nova()
        self.nova.add_server('web1')
        self.nova.add_server('far1', host=SECOND)
        # Glance lists one image; the other is only in its file store.
        self.glance_images = [{'id': 'img-listed'}]
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, 'glance', self.fake_glance))
        os.makedirs(self.sandbox.path('glance', 'images'))
        with open(self.sandbox.path('glance', 'images', 'img-stored'), 'w'):
            pass
        self.docker = self.fake_docker()
        engine = self.docker.engine()
        engine.add_container('c-web1', {cli.HOST_LABEL: config.COMPUTE_HOST})
        engine.add_container('c-far1', {cli.HOST_LABEL: SECOND},
                             state='exited')
        engine.add_container('c-theirs', {cli.HOST_LABEL: 'elsewhere'})
        engine.add_container('c-unlabelled')
        engine.add_image('i1', glance_tag('img-listed'),
                         glance_tag('img-listed', 'snap'))
        engine.add_image('i2', glance_tag('img-stored'))
        engine.add_image('i3', 'busybox:latest', glance_tag('img-other'))
        engine.add_image('i4')
        self.engine = engine
        self.third = self.docker.engine(self.third_url)
        self.third.add_container('c-third', {cli.HOST_LABEL: THIRD})
        self.registry = FakeRegistry(self.events)
        self.useFixture(fixtures.MockPatchObject(registry_api, 'Registry',
                                                 self.registry))
        self.useFixture(fixtures.MockPatchObject(
            ovn, 'forget', lambda directory: self.events.append(
                ('ovn.forget', directory))))
        self.useFixture(fixtures.MockPatchObject(
            backing, 'engine_bridge_remove',
            lambda directory, host: self.events.append(
                ('engine_bridge_remove', host))))
        self.useFixture(fixtures.MockPatchObject(
            procs, 'run', lambda argv, what, **kwargs: self.events.append(
                ('run', argv))))
        self.sandbox.clouds_yaml = self.clouds_yaml
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump({'clouds': {'mine': {'auth': {}}}}, f)
        self.sandbox._write_clouds()

    def fake_glance(self, method, path, **kwargs):
        self.events.append(('glance', method, path))
        return {'images': self.glance_images}

    # Processes stop the last started first: the added hosts, then the
    # first compute host, then the controllers and what they need.
    STOPS = [
        ('stop', ['nova-compute-third']),
        ('stop', ['dockerd-third']),
        ('engine_bridge_remove', THIRD),
        ('stop', ['nova-compute-second']),
        ('stop', ['nova-compute']),
        ('stop', ['glance-api', 'nova-api']),
        ('stop', ['keystone']),
        ('stop', ['mariadb']),
    ]

    def test_down_removes_everything_in_order(self):
        self.assertEqual(0, self.main('down'))
        self.assertEqual([
            # The servers, through nova, while it runs.
            ('nova', 'GET', '/servers?all_tenants=1'),
            ('nova', 'DELETE', '/servers/id-web1'),
            ('nova', 'DELETE', '/servers/id-far1'),
            ('nova', 'GET', '/servers?all_tenants=1'),
            ('nova', 'GET', '/servers?all_tenants=1'),
            ('glance', 'GET', '/images?limit=1000'),
            # What nova left of the hosts' containers, each host's in its
            # own engine, while that still runs; stopped ones too.
            ('remove_container', None, 'c-web1', True, True),
            ('remove_container', None, 'c-far1', True, True),
            ('remove_container', self.third_url, 'c-third', True, True),
        ] + self.STOPS + [
            ('remove_image', None, glance_tag('img-listed'), True),
            ('remove_image', None, glance_tag('img-listed', 'snap'), True),
            ('remove_image', None, glance_tag('img-stored'), True),
            ('registry_delete', 'glance/img-listed'),
            ('registry_delete', 'glance/img-stored'),
            ('ovn.forget', self.dir),
            ('stop', ['registry']),
            ('stop', ['dockerd']),
            ('run', [ovn.OVS_CTL, 'stop']),
        ], self.events)
        self.assertEqual({cli.STOP_TIMEOUT}, self.processes.stop_timeouts)
        self.assertEqual([('http://' + cli.REGISTRY, 10)],
                         self.registry.made)
        self.assertFalse(os.path.exists(self.dir))
        # What is not the sandbox's stays.
        self.assertEqual(['c-theirs', 'c-unlabelled'],
                         sorted(self.engine.containers))
        self.assertEqual([glance_tag('img-other'), 'busybox:latest'],
                         self.engine.tags())
        with open(self.clouds_yaml) as f:
            self.assertEqual({'clouds': {'mine': {'auth': {}}}},
                             yaml.safe_load(f))
        out = self.stdout.getvalue()
        for line in ('deleting server web1', 'deleting server far1',
                     'stopping nova-api (pid %d)' % self.pids['nova-api'],
                     'stopping mariadb (pid %d)' % self.pids['mariadb'],
                     'stopping Open vSwitch, which the sandbox started',
                     'Stopped; removed its servers, images and %s.'
                     % self.dir):
            self.assertIn(line + '\n', out)
        self.assertRegex(out, r'stopping registry \(pid \d+\), which the '
                              r'sandbox started')

    def test_down_keep_stops_the_processes_and_keeps_the_rest(self):
        before = sorted(os.listdir(self.dir))
        with open(self.clouds_yaml) as f:
            clouds = f.read()
        self.assertEqual(0, self.main('down', '--keep'))
        self.assertEqual(self.STOPS, self.events)
        self.assertEqual(before, sorted(os.listdir(self.dir)))
        self.assertEqual([], os.listdir(self.sandbox.path('run')))
        self.assertEqual(4, len(self.engine.containers))
        self.assertEqual(['c-third'], list(self.third.containers))
        self.assertEqual(5, len(self.engine.tags()))
        with open(self.clouds_yaml) as f:
            self.assertEqual(clouds, f.read())
        self.assertTrue(self.stdout.getvalue().endswith(
            'Stopped; data kept in %s ("up" resumes it).\n' % self.dir))

    def test_a_failed_clean_up_is_told_and_the_stop_goes_on(self):
        def fail(directory, host):
            raise OSError('ip link delete: Operation not permitted')
        self.useFixture(fixtures.MockPatchObject(
            backing, 'engine_bridge_remove', fail))
        self.assertEqual(0, self.main('down', '--keep'))
        self.assertIn('could not clean up after dockerd-third: ip link '
                      'delete: Operation not permitted\n',
                      self.stdout.getvalue())
        self.assertEqual([('stop', ['mariadb'])], self.events[-1:])

    def test_servers_nova_is_slow_to_delete_are_waited_for(self):
        self.nova.linger = 5
        self.sandbox._delete_servers()
        gets = [e for e in self.events if e[1] == 'GET']
        self.assertEqual(7, len(gets))
        self.assertEqual([], self.nova.servers)

    def test_servers_that_stay_are_given_up_on_after_the_timeout(self):
        self.nova.linger = float('inf')
        started = self.clock.now
        self.sandbox._delete_servers(timeout=120)
        self.assertEqual(started + 120, self.clock.now)
        self.assertEqual(2, len(self.nova.servers))

    def test_without_nova_api_the_containers_are_removed_directly(self):
        self.processes.started.pop(self.pids['nova-api'])
        self.processes.started.pop(self.pids['glance-api'])
        self.assertEqual(0, self.main('down'))
        self.assertEqual([], [e for e in self.events
                              if e[0] in ('nova', 'glance')])
        # The images glance's file store holds are still known.
        self.assertIn(('registry_delete', 'glance/img-stored'), self.events)
        self.assertNotIn(('registry_delete', 'glance/img-listed'),
                         self.events)
        self.assertEqual(['c-theirs', 'c-unlabelled'],
                         sorted(self.engine.containers))

    def test_nova_api_not_answering_is_told_and_down_goes_on(self):
        self.nova.error = requests.ConnectionError('refused')

        def slow(sandbox, *args, **kwargs):
            raise requests.Timeout('slow')
        # A function, not a mock: where nova's test base is loaded (the
        # same stestr worker), oslotest autospecs every mock.patch, and a
        # side_effect mock of this patched method no longer takes self.
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'glance', slow))
        self.assertEqual(0, self.main('down'))
        self.assertIn('nova-api did not answer (refused); removing '
                      'containers directly\n', self.stdout.getvalue())
        self.assertEqual(['c-theirs', 'c-unlabelled'],
                         sorted(self.engine.containers))
        self.assertEqual([('registry_delete', 'glance/img-stored')],
                         [e for e in self.events if e[0].startswith('reg')])
        self.assertFalse(os.path.exists(self.dir))

    def test_engines_that_do_not_answer_are_skipped(self):
        self.engine.state = 'sick'
        self.third.state = 'down'
        self.assertEqual(0, self.main('down'))
        self.assertEqual([], [e for e in self.events
                              if e[0].startswith('remove_')])
        self.assertEqual([(None, 'auto', cli.API_TIMEOUT),
                          (None, 'auto', cli.API_TIMEOUT),
                          (self.third_url, 'auto', cli.API_TIMEOUT),
                          (None, 'auto', cli.API_TIMEOUT)],
                         self.docker.clients)
        self.assertFalse(os.path.exists(self.dir))

    def test_a_registry_that_fails_is_told_and_not_asked_again(self):
        self.registry.fail_on = ('glance/img-listed',)
        self.sandbox._remove_registry_data(list(self.IMAGES))
        self.assertEqual([('registry_delete', 'glance/img-listed')],
                         self.events)
        self.assertEqual("could not remove the registry's copies: DELETE "
                         'glance/img-listed: HTTP 503\n',
                         self.stdout.getvalue())

    def test_image_ids_are_glances_and_its_stores_sorted(self):
        self.glance_images = [{'id': 'b'}, {'id': 'img-stored'}]
        self.assertEqual(['b', 'img-stored'],
                         self.sandbox._glance_image_ids())
        shutil.rmtree(self.sandbox.path('glance'))
        self.processes.started.pop(self.pids['glance-api'])
        self.assertEqual([], self.sandbox._glance_image_ids())


class CloudsTest(SandboxTestCase):
    """The clouds.yaml entries "up" writes and "down" takes back."""

    def setUp(self):
        super().setUp()
        self.claimed()

    def read(self):
        with open(self.clouds_yaml) as f:
            return yaml.safe_load(f)

    def test_both_users_entries_are_written_and_others_kept(self):
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump({'clouds': {'mine': {'region_name': 'X'}}}, f)
        self.sandbox._write_clouds()
        secret = config.passwords(self.dir)
        clouds = self.read()['clouds']
        self.assertEqual(['mine', 'nova-docker', 'nova-docker-demo'],
                         sorted(clouds))
        for cloud, user in (('nova-docker', 'admin'),
                            ('nova-docker-demo', 'demo')):
            self.assertEqual({
                'auth': {'auth_url': 'http://127.0.0.1:5000/v3',
                         'username': user, 'password': secret[user],
                         'project_name': user,
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': 'RegionOne',
                'identity_api_version': '3'}, clouds[cloud])
        with open(self.sandbox.path('clouds-yaml')) as f:
            self.assertEqual(self.clouds_yaml, f.read())

    def test_a_new_clouds_yaml_is_made_and_removed_whole(self):
        self.sandbox.clouds_yaml = os.path.join(self.root, 'new', 'c.yaml')
        self.sandbox._write_clouds()
        self.assertTrue(os.path.exists(self.sandbox.clouds_yaml))
        self.sandbox._remove_clouds()
        self.assertFalse(os.path.exists(self.sandbox.clouds_yaml))

    def test_without_a_record_no_clouds_yaml_is_touched(self):
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump({'clouds': {'nova-docker': {}}}, f)
        self.sandbox._remove_clouds()
        self.assertEqual({'clouds': {'nova-docker': {}}}, self.read())


class ComputeHostsTest(SandboxTestCase):
    """add-compute and remove-compute, on a sandbox whose nova-api runs
    (a fake process and a fake nova)."""

    def setUp(self):
        super().setUp()
        self.claimed()
        self.run_process('nova-api')
        self.nova = self.fake_nova()
        self.nova.services.append({'id': 100, 'binary': 'nova-scheduler',
                                   'host': 'controller', 'state': 'up'})
        self.nova.add_compute(config.COMPUTE_HOST)

    def compute_dirs(self):
        return sorted(os.listdir(self.sandbox.path('compute')))

    def test_a_host_that_exists_is_refused(self):
        self.add_host(SECOND)
        for host in (config.COMPUTE_HOST, SECOND):
            self.assertEqual(1, self.main('add-compute', host))
            self.assertIn('nova-docker-sandbox: compute host %s exists '
                          'already\n' % host, self.stderr.getvalue())
        self.assertEqual([SECOND], self.compute_dirs())

    def test_a_bad_host_name_is_refused_before_anything_is_made(self):
        for host in ('Second', '2nd', '-x', 'a_b', 'a.b', 'a b', '../x',
                     'x/y', '', 'a' * 32, 'second\n'):
            error = self.assertRaises(cli.SandboxError,
                                      self.sandbox.add_compute, host)
            self.assertEqual('a compute host name is a lowercase letter '
                             'then up to 30 letters, digits or dashes',
                             str(error), host)
        self.assertFalse(os.path.exists(self.sandbox.path('compute')))
        self.assertEqual([], self.events)

    def test_a_host_is_started_mapped_and_waited_for(self):
        started = self.fake_popen()
        commands = self.fake_commands()
        # nova sees the host once discover_hosts mapped it.
        original = self.nova.__call__

        def nova(sandbox, method, path, **kwargs):
            if commands and SECOND not in {
                    s['host'] for s in self.nova.services}:
                self.nova.add_compute(SECOND)
            return original(method, path, **kwargs)
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'nova', nova))
        self.assertEqual(0, self.main('add-compute', SECOND))
        conf = config.compute_conf(self.dir, SECOND)
        self.assertEqual([('nova-compute-second', [
            os.path.join(self.sandbox.venv, 'bin', 'nova-compute'),
            '--config-file', conf])], [s[:2] for s in started])
        kwargs = started[0][2]
        self.assertEqual((self.dir, True, subprocess.DEVNULL),
                         (kwargs['cwd'], kwargs['start_new_session'],
                          kwargs['stdin']))
        with open(conf) as f:
            self.assertIn('host = second\n', f.read())
        self.assertEqual([services.nova_command(
            self.sandbox.venv, self.dir, 'nova-manage') +
            ['cell_v2', 'discover_hosts']], commands)
        pid = self.sandbox.pid('nova-compute-second')
        self.assertIsNotNone(pid)
        self.assertEqual('compute host second is up (nova-compute pid %d)\n'
                         % pid, self.stdout.getvalue())

    def test_a_host_with_its_own_engine_starts_the_engine_first(self):
        started = self.fake_popen()
        self.fake_commands()
        self.nova.add_compute(THIRD)
        url = config.engine_url(self.dir, THIRD)
        self.fake_docker().engine(url)
        bridges = []
        self.useFixture(fixtures.MockPatchObject(
            backing, 'engine_bridge_add',
            lambda directory, host: bridges.append(host)))
        self.sandbox.add_compute(THIRD, own_engine=True)
        self.assertEqual(['dockerd-third', 'nova-compute-third'],
                         [s[0] for s in started])
        self.assertEqual([THIRD], bridges)
        self.assertTrue(config.has_own_engine(self.dir, THIRD))
        self.assertIn(', its own Docker engine at %s)' % url,
                      self.stdout.getvalue())

    def test_a_host_that_fails_to_start_is_retired(self):
        self.fake_popen(dies={'nova-compute-second'},
                        output=b'CRITICAL nova: no engine\n')
        self.fake_commands()
        self.assertEqual(1, self.main('add-compute', SECOND))
        self.assertEqual('nova-docker-sandbox: nova-compute-second exited '
                         'while starting; its log ends with:\nCRITICAL nova: '
                         'no engine\n\n', self.stderr.getvalue())
        self.assertEqual([], self.compute_dirs())
        self.assertEqual([config.COMPUTE_HOST], config.compute_hosts(
            self.dir))

    def test_a_host_not_reporting_in_is_retired_after_the_timeout(self):
        self.fake_popen()
        commands = self.fake_commands()
        self.assertEqual(1, self.main('add-compute', SECOND))
        self.assertIn("compute host ['second'] did not report in",
                      self.stderr.getvalue())
        self.assertEqual([('stop', ['nova-compute-second'])],
                         [e for e in self.events if e[0] == 'stop'])
        self.assertEqual([], self.compute_dirs())
        # nova-manage maps it again while nova has no hypervisor of it.
        self.assertGreater(len(commands), 100)

    def test_only_an_added_host_can_be_removed(self):
        for host in (config.COMPUTE_HOST, 'ghost'):
            self.assertEqual(1, self.main('remove-compute', host))
            self.assertIn('nova-docker-sandbox: %s is not a compute host '
                          'added with add-compute\n' % host,
                          self.stderr.getvalue())
        self.assertEqual([], self.events)

    def test_a_host_with_servers_is_not_removed(self):
        self.add_host(SECOND)
        self.run_process('nova-compute-second')
        self.nova.add_compute(SECOND)
        self.nova.add_server('web1')
        self.nova.add_server('far1', host=SECOND)
        self.nova.add_server('far2', host=SECOND)
        self.assertEqual(1, self.main('remove-compute', SECOND))
        self.assertIn('compute host second still has servers: far1, far2; '
                      'migrate them to another host', self.stderr.getvalue())
        self.assertEqual([SECOND], self.compute_dirs())
        self.assertEqual([('nova', 'GET', '/servers/detail?all_tenants=1&'
                           'host=second')], self.events)

    def test_a_host_is_removed_with_its_containers_and_services(self):
        self.add_host(SECOND)
        self.run_process('nova-compute-second')
        self.nova.add_compute(SECOND)
        self.nova.add_server('web1')
        engine = self.fake_docker().engine()
        engine.add_container('c-web1', {cli.HOST_LABEL: config.COMPUTE_HOST})
        engine.add_container('c-gone', {cli.HOST_LABEL: SECOND},
                             state='exited')
        self.assertEqual(0, self.main('remove-compute', SECOND))
        self.assertEqual([
            ('nova', 'GET', '/servers/detail?all_tenants=1&host=second'),
            ('remove_container', None, 'c-gone', True, True),
            ('stop', ['nova-compute-second']),
            ('nova', 'GET', '/os-services?binary=nova-compute&host=second'),
            ('nova', 'DELETE', '/os-services/3'),
        ], self.events)
        self.assertEqual([], self.compute_dirs())
        self.assertEqual(['c-web1'], list(engine.containers))
        self.assertEqual([config.COMPUTE_HOST],
                         [s['host'] for s in self.nova.services
                          if s['binary'] == 'nova-compute'])
        self.assertTrue(self.stdout.getvalue().endswith(
            'compute host second removed\n'))


class RunStageTest(SandboxTestCase):
    """A stage: its services prepared and started side by side, then
    waited for."""

    def setUp(self):
        super().setUp()
        self.claimed()
        self.started = self.fake_popen(dies={'dies'},
                                       output=b'line 1\nthe end\n')
        self.order = []

    def service(self, name, ready=None, prepare=None):
        return services.Service(
            name, ['/bin/' + name], {'X': name}, ready=ready,
            prepare=prepare, then=lambda: self.order.append('then ' + name))

    def test_services_start_then_are_waited_for_then_followed_up(self):
        answers = iter([False, False, True])

        def ready():
            self.order.append('ready?')
            return next(answers)
        self.sandbox._run_stage([self.service('a', ready=ready),
                                 self.service('b')],
                                self.clock.now + 10)
        self.assertEqual(['a', 'b'], sorted(s[0] for s in self.started))
        self.assertEqual(['ready?'] * 3 + ['then a', 'then b'], self.order)
        for name in ('a', 'b'):
            self.assertIsNotNone(self.sandbox.pid(name))
        env = {name: kwargs['env'] for name, _, kwargs in self.started}
        self.assertEqual(('a', 'b'), (env['a']['X'], env['b']['X']))

    def test_a_failed_preparation_names_the_service_and_starts_none(self):
        def prepare():
            raise RuntimeError('db_sync failed: no database')
        error = self.assertRaises(
            cli.SandboxError, self.sandbox._run_stage,
            [self.service('a', prepare=prepare)], self.clock.now + 10)
        self.assertEqual('a could not be prepared: db_sync failed: no '
                         'database', str(error))
        self.assertEqual([], self.started)

    def test_a_service_that_exits_is_named_with_its_log(self):
        error = self.assertRaises(
            cli.SandboxError, self.sandbox._run_stage,
            [self.service('a', ready=lambda: False), self.service('dies')],
            self.clock.now + 10)
        self.assertEqual('dies exited while starting; its log ends with:\n'
                         'line 1\nthe end\n', str(error))

    def test_a_service_that_never_answers_times_out(self):
        error = self.assertRaises(
            cli.SandboxError, self.sandbox._run_stage,
            [self.service('a', ready=lambda: False)], self.clock.now + 10)
        self.assertEqual('a did not answer after %d s; its log ends with:\n'
                         'line 1\nthe end\n' % cli.READY_TIMEOUT, str(error))
        self.assertEqual([], self.order)


class TempestConfTest(SandboxTestCase):

    def setUp(self):
        super().setUp()
        self.claimed()
        self.run_process('nova-api')
        self.calls = []
        self.answers = {
            ('glance-api', '/v2/images?name=demo'): {
                'images': [{'id': 'demo-id'}]},
            ('nova-api', '/v2.1/flavors'): {'flavors': [
                {'name': 'm1.small', 'id': '2'},
                {'name': 'm1.tiny', 'id': '1'},
                {'name': 'm1.medium', 'id': '3'}]},
            ('neutron-api', '/v2.0/extensions'): {'extensions': [
                {'alias': 'router'}, {'alias': 'agent'}]},
        }

        def call(sandbox, service, method, path, **kwargs):
            self.calls.append((service, method, path))
            return self.answers[(service, path)]
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'call', call))
        self.path = os.path.join(self.root, 'etc', 'tempest.conf')
        os.makedirs(os.path.dirname(self.path))

    def read(self):
        conf = configparser.ConfigParser()
        self.assertEqual([self.path], conf.read(self.path))
        return conf

    def test_the_sandboxs_image_flavors_and_extensions_are_written(self):
        self.add_host(SECOND)
        self.assertEqual(0, self.main('tempest-conf', self.path))
        conf = self.read()
        self.assertEqual(('demo-id', 'demo-id', '1', '2', '2'), (
            conf['compute']['image_ref'], conf['compute']['image_ref_alt'],
            conf['compute']['flavor_ref'], conf['compute']['flavor_ref_alt'],
            conf['compute']['min_compute_nodes']))
        self.assertEqual('agent,router', conf['network-feature-enabled'][
            'api_extensions'])
        self.assertEqual(config.passwords(self.dir)[config.ADMIN],
                         conf['auth']['admin_password'])
        self.assertEqual(os.path.dirname(self.path),
                         conf['DEFAULT']['log_dir'])
        self.assertEqual(sorted([
            ('glance-api', 'GET', '/v2/images?name=demo'),
            ('nova-api', 'GET', '/v2.1/flavors'),
            ('neutron-api', 'GET', '/v2.0/extensions')]), sorted(self.calls))

    # Without them (deleted by a user, a first start that did not finish)
    # the user would see an IndexError's or KeyError's traceback.
    def test_a_missing_demo_image_or_flavor_is_a_sandbox_error(self):
        self.answers[('glance-api', '/v2/images?name=demo')] = {'images': []}
        self.assertEqual(1, self.main('tempest-conf', self.path))
        self.assertIn('the image demo is missing', self.stderr.getvalue())
        self.answers[('glance-api', '/v2/images?name=demo')] = {
            'images': [{'id': 'demo-id'}]}
        self.answers[('nova-api', '/v2.1/flavors')] = {'flavors': [
            {'name': 'm1.tiny', 'id': '1'}]}
        self.assertEqual(1, self.main('tempest-conf', self.path))
        self.assertIn('the flavor m1.small is missing',
                      self.stderr.getvalue())
        self.assertFalse(os.path.exists(self.path))


class UpTest(SandboxTestCase):
    """"up" until the services start: what it checks first, and what it
    undoes when a stage fails. Starting the real services is the sandbox
    job's (tests/sandbox)."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(
            procs, 'port_owner', lambda host, port: None))
        self.registry_gets = []

        def get(url, timeout=None):
            self.registry_gets.append(url)
            response = requests.Response()
            response.status_code = 200
            return response
        self.useFixture(fixtures.MockPatchObject(requests, 'get', get))
        self.docker = self.fake_docker()
        self.useFixture(fixtures.MockPatchObject(
            config, 'write', lambda directory: self.events.append(
                ('config.write', directory))))
        self.useFixture(fixtures.MockPatchObject(
            ovn, 'forget', lambda directory: self.events.append(
                ('ovn.forget', directory))))

    def test_a_running_sandbox_is_left_as_it_is(self):
        os.makedirs(self.dir)
        pid = self.run_process('nova-api')
        self.assertEqual(0, self.main('up', *VENV_OPTIONS))
        self.assertEqual('The sandbox is already running (nova-api: pid %d); '
                         'see "nova-docker-sandbox status".\n' % pid,
                         self.stdout.getvalue())
        self.assertFalse(os.path.exists(os.path.join(self.dir, cli.MARKER)))
        self.assertEqual([], self.events)

    def test_an_engine_that_does_not_answer_is_a_sandbox_error(self):
        self.docker.engine(state='sick')
        self.assertEqual(1, self.main('up', *VENV_OPTIONS))
        self.assertIn('nova-docker-sandbox: No Docker engine answers (500 '
                      'Server Error: _ping): run tools/sandbox.sh up, which '
                      'starts one.\n', self.stderr.getvalue())
        self.assertEqual([], self.events)

    # docker.APIClient(version='auto') asks the engine for its API
    # version while it is made: with no engine listening (tools/sandbox.sh
    # not run) the user would see DockerException's traceback.
    def test_no_engine_at_all_is_a_sandbox_error(self):
        self.assertEqual(1, self.main('up', *VENV_OPTIONS))
        self.assertIn('No Docker engine answers', self.stderr.getvalue())

    def test_a_registry_that_does_not_answer_is_a_sandbox_error(self):
        self.docker.engine()
        self.useFixture(fixtures.MockPatchObject(
            requests, 'get', side_effect=requests.ConnectionError('refused')))
        self.assertEqual(1, self.main('up', *VENV_OPTIONS))
        self.assertEqual('nova-docker-sandbox: No image registry answers on '
                         '127.0.0.1:5042 (refused): run tools/sandbox.sh up, '
                         'which starts one.\n', self.stderr.getvalue())

    def test_a_failed_stage_stops_what_started_and_gives_ovs_back(self):
        self.docker.engine()
        stages = []

        def run_stage(sandbox, stage, deadline):
            names = [s.name for s in stage]
            stages.append(names)
            if 'glance-api' in names:
                raise cli.SandboxError('glance-api could not be prepared: '
                                       'no glance')
            for name in names:
                self.run_process(name)
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, '_run_stage',
                                                 run_stage))
        self.assertEqual(1, self.main('up', *VENV_OPTIONS))
        self.assertEqual(['http://127.0.0.1:5042/v2/'], self.registry_gets)
        self.assertEqual(3, len(stages))
        self.assertEqual([
            ('config.write', self.dir),
            ('stop', ['keystone', 'ovn-controller', 'ovn-northd',
                      'rabbitmq']),
            ('stop', ['epmd', 'mariadb', 'ovn-nb-db', 'ovn-sb-db']),
            ('ovn.forget', self.dir),
        ], self.events)
        self.assertEqual('nova-docker-sandbox: glance-api could not be '
                         'prepared: no glance\n', self.stderr.getvalue())
        self.assertIn('starting mariadb, epmd, ovn-nb-db, ovn-sb-db\n',
                      self.stdout.getvalue())
        self.assertEqual([], os.listdir(self.sandbox.path('run')))
        self.assertFalse(os.path.exists(self.clouds_yaml))

    def test_an_interrupted_up_stops_what_started(self):
        self.docker.engine()

        def run_stage(sandbox, stage, deadline):
            self.run_process(stage[0].name)
            raise KeyboardInterrupt()
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, '_run_stage',
                                                 run_stage))
        self.assertRaises(KeyboardInterrupt, self.main, 'up', *VENV_OPTIONS)
        self.assertEqual([('stop', ['mariadb']), ('ovn.forget', self.dir)],
                         self.events[-2:])

    def test_a_started_sandbox_writes_clouds_yaml_and_says_how_to_use_it(
            self):
        self.docker.engine()
        for name in ('_start_services', '_first_start',
                     '_route_to_private'):
            self.useFixture(fixtures.MockPatchObject(
                cli.Sandbox, name,
                lambda *args, name=name: self.events.append((name,))))
        self.assertEqual(0, self.main('up', *VENV_OPTIONS))
        self.assertEqual([('config.write', self.dir), ('_start_services',),
                          ('_first_start',), ('_route_to_private',)],
                         self.events)
        secret = config.passwords(self.dir)
        out = self.stdout.getvalue()
        self.assertIn('The nova-docker sandbox is up (0 s).', out)
        self.assertIn('user demo, password %s\n' % secret['demo'], out)
        self.assertIn('user admin, password %s  (the administrator)\n'
                      % secret['admin'], out)
        self.assertIn('The dashboard: http://127.0.0.1:8080/  (domain '
                      'Default)', out)
        with open(self.clouds_yaml) as f:
            self.assertEqual({'nova-docker', 'nova-docker-demo'},
                             set(yaml.safe_load(f)['clouds']))
        # Once initialized, a later start makes no flavors or images.
        with open(self.sandbox.path(cli.INITIALIZED), 'w'):
            pass
        del self.events[:]
        self.assertEqual(0, self.main('up', *VENV_OPTIONS))
        self.assertNotIn(('_first_start',), self.events)


class FakeNeutron:
    """Neutron's API as ``Sandbox.neutron`` calls it: networks, subnets,
    subnet pools, routers and their ports, found by name."""

    def __init__(self, events):
        self.events = events
        self.made = {}
        self.ports = []
        self._ids = itertools.count(1)

    def __call__(self, method, path, token=None, params=None, json=None,
                 **kwargs):
        self.events.append(('neutron', method, path, token))
        parts = path.strip('/').split('/')
        if method == 'PUT' and parts[-1] == 'add_router_interface':
            self.ports.append({'device_id': parts[1], 'fixed_ips': [
                {'subnet_id': json['subnet_id']}]})
            return {}
        if parts == ['ports']:
            return {'ports': [p for p in self.ports
                              if p['device_id'] == params['device_id']]}
        kinds = parts[0]
        if method == 'GET':
            return {kinds: [r for r in self.made.get(kinds, ())
                            if r['name'] == params['name']]}
        kind = kinds[:-1]
        made = dict(json[kind], id='%s-%d' % (kind, next(self._ids)))
        self.made.setdefault(kinds, []).append(made)
        return {kind: made}


class FirstStartTest(SandboxTestCase):
    """What the first "up" makes once the services run: flavors, the demo
    image and the networks; what an interrupted one made is kept."""

    def setUp(self):
        super().setUp()
        self.claimed()
        self.useFixture(fixtures.MockPatch(
            'novadocker_sandbox.keystone.user_token',
            lambda directory, user: user + '-token'))
        self.neutron = FakeNeutron(self.events)
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'neutron',
                                                 self.neutron))

    def made(self, method=('POST', 'PUT')):
        return [e[2:] for e in self.events
                if e[0] == 'neutron' and e[1] in method]

    def test_networks_are_made_once_each_as_their_owner(self):
        self.sandbox._networks()
        self.assertEqual([
            ('/networks', None), ('/subnets', None), ('/subnetpools', None),
            ('/networks', 'demo-token'), ('/subnets', 'demo-token'),
            ('/subnets', 'demo-token'), ('/routers', 'demo-token'),
            ('/routers/router-7/add_router_interface', 'demo-token'),
            ('/routers/router-7/add_router_interface', 'demo-token'),
        ], self.made())
        networks = {n['name']: n for n in self.neutron.made['networks']}
        self.assertTrue(networks['public']['router:external'])
        self.assertEqual(
            {'private-v4': cli.PRIVATE_CIDR,
             'private-v6': cli.PRIVATE_CIDR_V6,
             'public-v4': ovn.PUBLIC_CIDR},
            {s['name']: s['cidr'] for s in self.neutron.made['subnets']})
        self.assertEqual(networks['public']['id'], self.neutron.made[
            'routers'][0]['external_gateway_info']['network_id'])
        # An interrupted first start is finished, nothing made twice.
        self.neutron.ports.pop()
        del self.events[:]
        self.sandbox._networks()
        self.assertEqual([('/routers/router-7/add_router_interface',
                           'demo-token')], self.made())

    def test_flavors_and_the_demo_image_are_made_if_missing(self):
        nova = self.fake_nova()
        nova.flavors = [{'name': 'm1.small'}]
        posted = []
        original = nova.__call__

        def nova_call(sandbox, method, path, **kwargs):
            if method == 'POST':
                posted.append(kwargs['json']['flavor'])
                return {}
            return original(method, path, **kwargs)
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'nova',
                                                 nova_call))
        demos = [{'id': 'half', 'status': 'queued'}]
        glance = []

        def glance_call(sandbox, method, path, **kwargs):
            glance.append((method, path))
            return {'images': demos}
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'glance',
                                                 glance_call))
        uploads = []
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, '_upload_demo',
            lambda sandbox, client: uploads.append(client)))
        self.sandbox._first_start('client')
        self.assertEqual([
            {'name': 'm1.tiny', 'ram': 512, 'vcpus': 1, 'disk': 1},
            {'name': 'm1.medium', 'ram': 4096, 'vcpus': 2, 'disk': 40}],
            posted)
        # An upload an earlier "up" did not finish is deleted, and done
        # again.
        self.assertEqual([('GET', '/images?name=demo'),
                          ('DELETE', '/images/half')], glance)
        self.assertEqual(['client'], uploads)
        self.assertTrue(os.path.exists(self.sandbox.path(cli.INITIALIZED)))
        demos[:] = [{'id': 'done', 'status': 'active'}]
        self.sandbox._first_start('client')
        self.assertEqual(['client'], uploads)

    def test_the_host_is_routed_to_private_through_the_routers_gateway(
            self):
        routes = []
        self.useFixture(fixtures.MockPatchObject(
            ovn, 'route_through',
            lambda cidr, gateway: routes.append((cidr, gateway))))
        self.neutron.made['routers'] = [{
            'name': cli.ROUTER, 'external_gateway_info': {
                'external_fixed_ips': [{'ip_address': '172.24.4.5'},
                                       {'ip_address': '2001:db8::5'}]}}]
        self.sandbox._route_to_private()
        self.assertEqual([(cli.PRIVATE_CIDR, '172.24.4.5')], routes)
        self.assertEqual([('neutron', 'GET', '/routers', 'demo-token')],
                         self.events)

    def test_a_failed_host_discovery_is_a_sandbox_error(self):
        def fail(argv, what, **kwargs):
            raise RuntimeError('%s failed: no cell' % what)
        self.useFixture(fixtures.MockPatchObject(procs, 'run', fail))
        error = self.assertRaises(cli.SandboxError,
                                  self.sandbox._discover_hosts)
        self.assertEqual('nova-manage cell_v2 discover_hosts failed: no '
                         'cell', str(error))

    def test_the_demo_image_goes_to_glance_and_leaves_the_engine(self):
        calls = []

        class Client:
            def get_image(self, reference):
                calls.append(('get_image', reference))
                return b'tar'

            def remove_image(self, reference):
                calls.append(('remove_image', reference))
        self.useFixture(fixtures.MockPatch(
            'novadocker_sandbox.demo.build', lambda client: 'demo:built'))
        failure = []

        def glance(sandbox, method, path, **kwargs):
            calls.append((method, path, kwargs.get('json'),
                          kwargs.get('data')))
            if failure:
                raise failure[0]
            return {'id': 'demo-id'}
        self.useFixture(fixtures.MockPatchObject(cli.Sandbox, 'glance',
                                                 glance))
        self.sandbox._upload_demo(Client())
        self.assertEqual([
            ('POST', '/images', {'name': 'demo', 'container_format': 'docker',
                                 'disk_format': 'raw',
                                 'visibility': 'public'}, None),
            ('get_image', 'demo:built'),
            ('PUT', '/images/demo-id/file', None, b'tar'),
            ('remove_image', 'demo:built')], calls)
        # A failed upload leaves no built image behind either.
        del calls[:]
        failure.append(requests.HTTPError('413'))
        self.assertRaises(requests.HTTPError, self.sandbox._upload_demo,
                          Client())
        self.assertEqual(('remove_image', 'demo:built'), calls[-1])

    def test_services_start_stage_by_stage_then_hosts_are_awaited(self):
        self.add_host(SECOND)
        stages, waited = [], []
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, '_run_stage', lambda sandbox, stage, deadline:
            stages.append(([s.name for s in stage], deadline))))
        self.useFixture(fixtures.MockPatchObject(
            cli.Sandbox, '_wait_computes', lambda sandbox, hosts, deadline:
            waited.append((hosts, deadline))))
        self.sandbox._start_services()
        deadline = self.clock.now + cli.READY_TIMEOUT
        self.assertEqual(self.sandbox.names(),
                         [name for names, _ in stages for name in names])
        self.assertEqual({deadline}, {d for _, d in stages})
        self.assertEqual([([config.COMPUTE_HOST, SECOND], deadline)], waited)
        self.assertIn('starting nova-compute-second\n',
                      self.stdout.getvalue())
