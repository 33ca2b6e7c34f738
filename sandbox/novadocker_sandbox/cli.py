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

"""``nova-docker-sandbox``: a small OpenStack cloud on loopback.

``up`` expects a Docker engine and the registry on 127.0.0.1:5042 to be
running (``tools/sandbox.sh`` installs and starts them on a fresh machine);
it starts MariaDB, RabbitMQ, keystone, placement, glance-api, nova's API,
conductor and scheduler and a nova-compute, one process each, waits for
the compute host to report in, and on first start creates flavors and
uploads a demo image. ``add-compute`` / ``remove-compute`` add and remove
compute hosts; ``status``, ``logs`` and ``down`` do what they say.
"""

import argparse
import concurrent.futures
import contextlib
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import docker
# The registry's API alone: anything importing nova would bring eventlet's
# warnings to the sandbox's output.
from novadocker import registry as registry_api
import requests
import yaml

from novadocker_sandbox import config
from novadocker_sandbox import demo
from novadocker_sandbox import keystone
from novadocker_sandbox import ovn
from novadocker_sandbox import procs
from novadocker_sandbox import services
from novadocker_sandbox import tempest

CLOUDS = {
    # clouds.yaml entry: (user, project)
    'nova-docker': (config.ADMIN, config.ADMIN),
    'nova-docker-demo': (config.DEMO, config.DEMO),
}
REGISTRY = '127.0.0.1:5042'
# The label the driver puts on its containers (novadocker.spec.LABEL_HOST),
# spelled out: the sandbox's command does not import nova.
HOST_LABEL = 'org.openstack.nova.host'
FLAVORS = (
    # name, MB of memory, vCPUs, GB of disk
    ('m1.tiny', 512, 1, 1),
    ('m1.small', 2048, 1, 20),
    ('m1.medium', 4096, 2, 40),
)
STOP_TIMEOUT = 30
API_TIMEOUT = 30
READY_TIMEOUT = 180
# What marks a state directory as the sandbox's (tools/sandbox.sh writes
# the same): "down" removes no other.
MARKER = '.nova-docker-sandbox'
MARKER_TEXT = 'nova-docker-sandbox state directory\n'
# The demo project's network and router, made on first start; the
# router's gateway is on the provider network the host is on.
PRIVATE = 'private'
PRIVATE_CIDR = '10.0.0.0/24'
# A unique local prefix of the sandbox's own (RFC 4193).
PRIVATE_CIDR_V6 = 'fd4e:6f76:6100::/64'
ROUTER = 'router1'
PUBLIC = 'public'
# Where "--nic auto" takes a project's network from: each project that has
# none gets a /26 of it, behind a router of its own on "public".
DEFAULT_POOL = 'shared-default-v4'
DEFAULT_POOL_CIDR = '10.1.0.0/16'
# The services run from virtualenvs of their own ("up --SERVICE-venv").
VENV_SERVICES = tuple(f.name for f in dataclasses.fields(services.Venvs))
# Written once the first start completed: flavors, demo image, identities.
INITIALIZED = 'initialized'


class SandboxError(Exception):
    """A failure the user can act on; printed without a traceback."""


def say(message):
    print(message, flush=True)


class Sandbox:

    def __init__(self, directory, venvs=None, clouds_yaml=None):
        self.dir = os.path.abspath(directory)
        self.venv = sys.prefix
        self.venvs = venvs or services.Venvs()
        self.clouds_yaml = clouds_yaml
        self._token = None

    def path(self, *names):
        return os.path.join(self.dir, *names)

    # --- processes ------------------------------------------------------

    def stages(self):
        """Every stage of processes, those of added compute hosts last."""
        return services.stages(
            self.venv, self.venvs, self.dir,
            self._service_up,
            not os.path.exists(self.path(INITIALIZED))) + [
                stage for host in config.compute_hosts(self.dir)[1:]
                for stage in self._host_stages(host)]

    def _host_stages(self, host):
        return services.compute_stages(self.venv, self.dir, host)

    def _service_up(self, binary):
        try:
            return any(s['state'] == 'up' for s in self.nova(
                'GET', '/os-services?binary=' + binary)['services'])
        except requests.RequestException:
            return False

    def names(self):
        """Every process the sandbox may run, in the order they start."""
        return [service.name for stage in self.stages() for service in stage]

    def pid(self, name):
        """The pid of the sandbox's ``name`` process if it runs, else None."""
        return procs.read_pid(self.path('run', name + '.pid'))

    def log(self, name):
        return self.path('logs', name + '.log')

    def _start(self, service):
        if service.prepare:
            try:
                service.prepare()
            except (OSError, RuntimeError, subprocess.SubprocessError,
                    requests.RequestException) as e:
                raise SandboxError('%s could not be prepared: %s'
                                   % (service.name, e))
        with open(self.log(service.name), 'ab') as log:
            process = subprocess.Popen(
                service.argv, env=dict(os.environ, **service.env),
                stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                stdin=subprocess.DEVNULL, start_new_session=True)
        procs.write_pid(self.path('run', service.name + '.pid'), process)

    def _run_stage(self, stage, deadline):
        # Preparing takes seconds (database schemas, keys): each service
        # prepares and starts beside the others.
        with concurrent.futures.ThreadPoolExecutor(len(stage)) as pool:
            for future in [pool.submit(self._start, s) for s in stage]:
                future.result()
        waiting = [s for s in stage if s.ready]
        while waiting:
            for service in stage:
                self._check_alive(service.name)
            waiting = [s for s in waiting if not s.ready()]
            if waiting and time.monotonic() > deadline:
                raise SandboxError('%s did not answer after %d s; its log '
                                   'ends with:\n%s' % (
                                       waiting[0].name, READY_TIMEOUT,
                                       procs.tail(self.log(waiting[0].name))))
            time.sleep(0.3)
        for service in stage:
            if service.then:
                service.then()

    def _check_alive(self, name):
        if not self.pid(name):
            raise SandboxError('%s exited while starting; its log ends with:'
                               '\n%s' % (name, procs.tail(self.log(name))))

    def _stop_processes(self, names=None):
        """Stop the sandbox's processes (or those of ``names``), the last
        stage to start first, each stage's side by side."""
        for stage in reversed(self.stages()):
            stage = [s for s in stage if not names or s.name in names]
            running = {s.name: self.pid(s.name) for s in stage}
            running = {name: pid for name, pid in running.items() if pid}
            for name, pid in running.items():
                say('stopping %s (pid %d)' % (name, pid))
            procs.stop(list(running.values()), STOP_TIMEOUT)
            for service in stage:
                procs.remove_pid(self.path('run', service.name + '.pid'))
                self._after(service)

    @staticmethod
    def _after(service):
        """Undo what ``service`` needed on the host; a failure is told and
        the rest of the stop goes on."""
        if not service.after:
            return
        try:
            service.after()
        except (OSError, RuntimeError) as e:
            say('could not clean up after %s: %s' % (service.name, e))

    # --- HTTP -----------------------------------------------------------

    def token(self):
        if not self._token:
            self._token = keystone.user_token(self.dir, config.ADMIN)
        return self._token

    def call(self, service, method, path, token=None, **kwargs):
        """``service``'s API, as the administrator unless ``token`` says
        who else."""
        kwargs.setdefault('timeout', API_TIMEOUT)
        headers = dict(kwargs.pop('headers', {}), **{
            'X-Auth-Token': token or self.token(),
            'OpenStack-API-Version': 'compute latest'})
        response = requests.request(method, config.url(service) + path,
                                    headers=headers, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def nova(self, method, path, **kwargs):
        return self.call('nova-api', method, '/v2.1' + path, **kwargs)

    def glance(self, method, path, **kwargs):
        return self.call('glance-api', method, '/v2' + path, **kwargs)

    def neutron(self, method, path, **kwargs):
        return self.call('neutron-api', method, '/v2.0' + path, **kwargs)

    # --- up -------------------------------------------------------------

    def up(self):
        started = time.monotonic()
        running = self.pid('nova-api')
        if running:
            say('The sandbox is already running (nova-api: pid %d); see '
                '"nova-docker-sandbox status".' % running)
            return
        self._claim_dir()
        # What a crashed sandbox left running would hold its ports.
        self._stop_processes()
        self._check_ports()
        say('Docker engine and registry')
        client = self._engine()
        self._registry()
        config.write(self.dir)
        try:
            self._start_services()
            if not os.path.exists(self.path(INITIALIZED)):
                say('flavors, the demo image and networks')
                self._first_start(client)
            self._route_to_private()
            say('clouds.yaml entries %s in %s'
                % (', '.join(CLOUDS), self.clouds_yaml))
            self._write_clouds()
        except BaseException:
            self._stop_processes()
            # What ovn-controller's preparation set, whatever stage failed.
            ovn.forget(self.dir)
            raise
        secret = config.passwords(self.dir)
        say(USAGE.format(
            seconds=time.monotonic() - started, clouds_yaml=self.clouds_yaml,
            dir=self.dir, dashboard=config.url('horizon') + '/',
            admin=config.ADMIN, admin_password=secret[config.ADMIN],
            demo=config.DEMO, demo_password=secret[config.DEMO],
            private_v6=PRIVATE_CIDR_V6, host_address=ovn.HOST_ADDRESS,
            activate=os.path.join(sys.prefix, 'bin', 'activate')))

    def _start_services(self):
        deadline = time.monotonic() + READY_TIMEOUT
        for stage in self.stages():
            say('starting %s' % ', '.join(s.name for s in stage))
            self._run_stage(stage, deadline)
        self._wait_computes(config.compute_hosts(self.dir), deadline)

    def _wait_computes(self, hosts, deadline):
        """Map the hosts into the cell; wait until nova can schedule to
        each (the scheduler and every compute host up)."""
        self._discover_hosts()
        while True:
            up = {(s['binary'], s['host']) for s in self.nova(
                'GET', '/os-services')['services'] if s['state'] == 'up'}
            hypervisors = {h['hypervisor_hostname'] for h in self.nova(
                'GET', '/os-hypervisors')['hypervisors']}
            missing = [h for h in hosts if ('nova-compute', h) not in up or
                       h not in hypervisors]
            if not missing and any(b == 'nova-scheduler' for b, _ in up):
                return
            for host in hosts:
                self._check_alive(services.compute_name(host))
            if time.monotonic() > deadline:
                raise SandboxError('compute host %s did not report in; see '
                                   '%s' % (missing, self.log('nova-compute')))
            time.sleep(0.5)
            if any(h not in hypervisors for h in missing):
                self._discover_hosts()

    def _discover_hosts(self):
        try:
            procs.run(services.nova_command(self.venv, self.dir,
                                            'nova-manage') +
                      ['cell_v2', 'discover_hosts'],
                      'nova-manage cell_v2 discover_hosts')
        except RuntimeError as e:
            raise SandboxError(str(e))

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
        for name in ('run', 'logs'):
            os.makedirs(self.path(name), exist_ok=True)

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
        try:
            # version='auto' asks the engine already.
            client = docker.APIClient(version='auto', timeout=API_TIMEOUT)
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

    def _first_start(self, client):
        existing = {f['name'] for f in self.nova('GET', '/flavors')['flavors']}
        for name, ram, vcpus, disk in FLAVORS:
            if name not in existing:
                self.nova('POST', '/flavors', json={'flavor': {
                    'name': name, 'ram': ram, 'vcpus': vcpus, 'disk': disk}})
        demos = self.glance('GET', '/images?name=demo')['images']
        for image in demos:
            if image['status'] != 'active':
                # An upload an earlier "up" did not finish.
                self.glance('DELETE', '/images/' + image['id'])
        if not any(image['status'] == 'active' for image in demos):
            self._upload_demo(client)
        self._networks()
        with open(self.path(INITIALIZED), 'w') as f:
            f.write('flavors, demo image and networks made\n')

    def _networks(self):
        """``public``, the provider network the host is on, and the demo
        project's own ``private`` network (a server booted without --nic
        gets a port on it, as on any cloud with one network per project),
        routed to ``public`` by the project's router; ``public`` as the
        default external network and a shared default subnet pool, from
        which Neutron makes the network of a project that has none when a
        server asks for ``--nic auto``. What an earlier, interrupted first
        start made is kept."""
        public, _ = self._network(None, {
            'name': PUBLIC, 'router:external': True, 'is_default': True,
            'provider:network_type': 'flat',
            'provider:physical_network': ovn.PHYSNET}, [{
                'ip_version': 4, 'cidr': ovn.PUBLIC_CIDR,
                'gateway_ip': ovn.HOST_ADDRESS, 'enable_dhcp': False}])
        self._made(None, 'subnetpool', {
            'name': DEFAULT_POOL, 'prefixes': [DEFAULT_POOL_CIDR],
            'default_prefixlen': 26, 'shared': True, 'is_default': True})
        # The demo user's own: the network and router are its project's.
        token = keystone.user_token(self.dir, config.DEMO)
        _, subnets = self._network(token, {'name': PRIVATE}, [
            {'ip_version': 4, 'cidr': PRIVATE_CIDR},
            {'ip_version': 6, 'cidr': PRIVATE_CIDR_V6,
             'ipv6_ra_mode': 'slaac', 'ipv6_address_mode': 'slaac'}])
        router = self._made(token, 'router', {
            'name': ROUTER, 'external_gateway_info': {'network_id': public}})
        attached = {ip['subnet_id'] for port in self.neutron(
            'GET', '/ports', token=token, params={'device_id': router})[
            'ports'] for ip in port['fixed_ips']}
        for subnet in subnets:
            if subnet not in attached:
                self.neutron('PUT', '/routers/%s/add_router_interface'
                             % router, token=token,
                             json={'subnet_id': subnet})

    def _network(self, token, network, subnets):
        """Network ``network`` with ``subnets`` (named after it and their IP
        version), as the owner of ``token``: its id and theirs."""
        made = self._made(token, 'network', network)
        return made, [self._made(token, 'subnet', dict(
            subnet, network_id=made, name='%s-v%d' % (
                network['name'], subnet['ip_version'])))
            for subnet in subnets]

    def _made(self, token, kind, body):
        """The id of the Neutron ``kind`` named ``body['name']``, made from
        ``body`` unless it exists."""
        found = self.neutron('GET', '/%ss' % kind, token=token,
                             params={'name': body['name']})['%ss' % kind]
        if found:
            return found[0]['id']
        return self.neutron('POST', '/%ss' % kind, token=token,
                            json={kind: body})[kind]['id']

    def _route_to_private(self):
        """The host reaches the demo project's servers through its router's
        gateway: the way in, as the cloud has no NAT."""
        # The demo project's router alone: another project's of that name
        # does not get the host's route.
        routers = self.neutron(
            'GET', '/routers', params={'name': ROUTER},
            token=keystone.user_token(self.dir, config.DEMO))['routers']
        for router in routers:
            for ip in router['external_gateway_info']['external_fixed_ips']:
                if ':' not in ip['ip_address']:
                    ovn.route_through(PRIVATE_CIDR, ip['ip_address'])

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

    def _write_clouds(self):
        clouds = self._read_clouds()
        secret = config.passwords(self.dir)
        for cloud, (user, project) in CLOUDS.items():
            clouds.setdefault('clouds', {})[cloud] = {
                'auth': {'auth_url': config.identity_url(),
                         'username': user, 'password': secret[user],
                         'project_name': project,
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'region_name': config.REGION,
                'identity_api_version': '3',
            }
        os.makedirs(os.path.dirname(self.clouds_yaml), exist_ok=True)
        with open(self.clouds_yaml, 'w') as f:
            yaml.safe_dump(clouds, f, default_flow_style=False)
        with open(self.path('clouds-yaml'), 'w') as f:
            f.write(self.clouds_yaml)

    def _read_clouds(self, path=None):
        path = path or self.clouds_yaml
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return yaml.safe_load(f) or {}

    # --- more compute hosts -----------------------------------------------

    def add_compute(self, host, own_engine=False):
        self._require_running()
        if host in config.compute_hosts(self.dir):
            raise SandboxError('compute host %s exists already' % host)
        if not re.fullmatch(r'[a-z][a-z0-9-]{0,30}', host):
            raise SandboxError('a compute host name is a lowercase letter '
                               'then up to 30 letters, digits or dashes')
        # The engine's directory marks a host that has its own.
        os.makedirs(config.engine_dir(self.dir, host) if own_engine else
                    os.path.dirname(config.compute_conf(self.dir, host)))
        stages = self._host_stages(host)
        deadline = time.monotonic() + READY_TIMEOUT
        try:
            for stage in stages:
                self._run_stage(stage, deadline)
            self._wait_computes([host], deadline)
        except BaseException:
            self._retire(host)
            raise
        say('compute host %s is up (nova-compute pid %d%s)' % (
            host, self.pid(services.compute_name(host)),
            ', its own Docker engine at %s' % config.engine_url(self.dir, host)
            if own_engine else ''))

    def _retire(self, host):
        """Stop compute host ``host``'s processes and remove its files."""
        self._stop_processes([service.name for stage in
                              self._host_stages(host) for service in stage])
        shutil.rmtree(os.path.dirname(config.compute_conf(self.dir, host)))

    def remove_compute(self, host):
        self._require_running()
        if (host == config.COMPUTE_HOST or
                host not in config.compute_hosts(self.dir)):
            raise SandboxError('%s is not a compute host added with '
                               'add-compute' % host)
        servers = self.nova('GET', '/servers/detail?all_tenants=1&host='
                            + host)['servers']
        if servers:
            raise SandboxError(
                'compute host %s still has servers: %s; migrate them to '
                'another host (openstack server migrate, then openstack '
                'server resize confirm) or delete them first'
                % (host, ', '.join(s['name'] for s in servers)))
        self._remove_engine_containers([host])
        self._retire(host)
        for service in self.nova('GET', '/os-services?binary=nova-compute&'
                                 'host=' + host)['services']:
            # Its resource provider and host mapping go with it.
            self.nova('DELETE', '/os-services/%s' % service['id'])
        say('compute host %s removed' % host)

    def _require_running(self):
        if not self.pid('nova-api'):
            raise SandboxError('The sandbox is not running: '
                               'tools/sandbox.sh up')

    def tempest_conf(self, path):
        """Write Tempest's configuration for this sandbox to ``path``."""
        self._require_running()
        image = self.glance('GET', '/images?name=demo')['images']
        flavors = {f['name']: f['id']
                   for f in self.nova('GET', '/flavors')['flavors']}
        missing = ([] if image else ['the image demo']) + [
            'the flavor ' + name for name in ('m1.tiny', 'm1.small')
            if name not in flavors]
        if missing:
            # Deleted by a user, or a first start that did not finish.
            raise SandboxError('Tempest needs what the sandbox made: %s is '
                               'missing (down, then up, makes it again).'
                               % ', '.join(missing))
        extensions = [e['alias'] for e in
                      self.neutron('GET', '/extensions')['extensions']]
        tempest.write(path, self.dir, image[0]['id'],
                      [flavors['m1.tiny'], flavors['m1.small']], extensions)

    # --- status and logs -------------------------------------------------

    def status(self):
        names = self.names()
        pids = {name: self.pid(name) for name in names}
        if not any(pids.values()):
            say('The sandbox is not running.')
            return 3
        checks = {s.name: s.ready for stage in self.stages() for s in stage}
        for name in names:
            pid, ready = pids[name], checks.get(name)
            health = ('not running' if not pid else
                      'answers' if ready and ready() else
                      'running' if not ready else 'NOT ANSWERING')
            say('%-18s %-13s %s' % (name, health, 'pid %-7d memory %6.1f MiB'
                                    % (pid, procs.tree_rss(pid) / 2 ** 20)
                                    if pid else ''))
        for service in ('keystone', 'nova-api', 'placement-api',
                        'glance-api', 'neutron-api', 'horizon'):
            say('%-18s %s' % (service, config.url(service)))
        try:
            servers = self.nova('GET', '/servers/detail?all_tenants=1')
            say('servers: %s' % (', '.join(
                '%s (%s, %s)' % (s['name'], s['status'],
                                 s.get('OS-EXT-SRV-ATTR:host'))
                for s in servers['servers']) or 'none'))
        except requests.RequestException as e:
            say('nova-api does not answer: %s' % e)
            return 1
        return 0 if all(pids.values()) else 1

    def logs(self, service, follow, lines):
        if service not in self.names():
            raise SandboxError('No service %s; the sandbox runs: %s'
                               % (service, ', '.join(self.names())))
        if not os.path.exists(self.log(service)):
            raise SandboxError('No log at %s' % self.log(service))
        os.execvp('tail', ['tail', '-n', str(lines)] +
                  (['-F'] if follow else []) + [self.log(service)])

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
            # While the hosts' own engines still run.
            self._remove_engine_containers(config.compute_hosts(self.dir))
        self._stop_processes()
        if keep:
            say('Stopped; data kept in %s ("up" resumes it).' % self.dir)
            return
        self._remove_engine_images(image_ids)
        self._remove_registry_data(image_ids)
        # With --keep the host's Open vSwitch keeps the sandbox's settings
        # and integration bridge, with the servers' ports on it.
        ovn.forget(self.dir)
        self._stop_services()
        self._remove_clouds()
        shutil.rmtree(self.dir)
        say('Stopped; removed its servers, images and %s.' % self.dir)

    def _delete_servers(self, timeout=120):
        if not self.pid('nova-api'):
            return
        try:
            servers = self.nova('GET', '/servers?all_tenants=1')['servers']
            for server in servers:
                say('deleting server %s' % server['name'])
                self.nova('DELETE', '/servers/' + server['id'])
            deadline = time.monotonic() + timeout
            while servers and time.monotonic() < deadline:
                time.sleep(0.5)
                servers = self.nova('GET', '/servers?all_tenants=1')[
                    'servers']
        except requests.RequestException as e:
            say('nova-api did not answer (%s); removing containers directly'
                % e)

    def _glance_image_ids(self):
        """Every image glance holds: listed by glance-api when it runs,
        and those whose data is in its file store (named by image id)."""
        ids = set()
        with contextlib.suppress(OSError):
            ids.update(os.listdir(self.path('glance', 'images')))
        if self.pid('glance-api'):
            with contextlib.suppress(requests.RequestException):
                ids.update(image['id'] for image in self.glance(
                    'GET', '/images?limit=1000')['images'])
        return sorted(ids)

    @staticmethod
    def _engine_or_none(url=None):
        try:
            client = docker.APIClient(base_url=url, version='auto',
                                      timeout=API_TIMEOUT)
            client.ping()
            return client
        except (docker.errors.DockerException, requests.RequestException):
            return None

    def _remove_engine_containers(self, hosts):
        """Remove what nova left of ``hosts``' containers in their engines
        (a host's own engine must still run)."""
        for host in hosts:
            client = self._engine_or_none(
                config.engine_url(self.dir, host)
                if config.has_own_engine(self.dir, host) else None)
            for container in client.containers(all=True, filters={
                    'label': '%s=%s' % (HOST_LABEL, host)}) if client else ():
                client.remove_container(container['Id'], force=True, v=True)

    def _remove_engine_images(self, image_ids):
        client = self._engine_or_none()
        for image in client.images() if client else ():
            for tag in image['RepoTags'] or ():
                if any('/glance/%s:' % i in tag for i in image_ids):
                    client.remove_image(tag, force=True)

    def _remove_registry_data(self, image_ids):
        registry = registry_api.Registry('http://' + REGISTRY, timeout=10)
        for image_id in image_ids:
            try:
                registry.delete('glance/' + image_id)
            except registry_api.RegistryError as e:
                say('could not remove the registry\'s copies: %s' % e)
                return

    def _stop_services(self):
        """Stop the engine, registry and Open vSwitch if tools/sandbox.sh
        started them."""
        for name in ('registry', 'dockerd'):
            pid_file = self.path('services', name + '.pid')
            pid = procs.read_pid(pid_file)
            if pid:
                say('stopping %s (pid %d), which the sandbox started'
                    % (name, pid))
                procs.stop([pid], STOP_TIMEOUT)
        if os.path.exists(self.path('services', 'ovs.started')):
            say('stopping Open vSwitch, which the sandbox started')
            procs.run([ovn.OVS_CTL, 'stop'], 'stopping Open vSwitch')

    def _remove_clouds(self):
        try:
            with open(self.path('clouds-yaml')) as f:
                path = f.read()
        except OSError:
            return
        clouds = self._read_clouds(path)
        for cloud in CLOUDS:
            clouds.get('clouds', {}).pop(cloud, None)
        if not any(clouds.values()):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return
        with open(path, 'w') as f:
            yaml.safe_dump(clouds, f, default_flow_style=False)


USAGE = """
The nova-docker sandbox is up ({seconds:.0f} s).

  . {activate}    # puts openstack on PATH
  export OS_CLOUD=nova-docker-demo    # or nova-docker, the administrator
  openstack server create --image demo --flavor m1.tiny web1
  openstack console log show web1
  openstack server image create --name web1-snap web1
  docker save IMAGE | openstack image create --container-format docker \\
      --disk-format raw NAME

  nova-docker-sandbox status | logs [-f] SERVICE | down [--keep]
  nova-docker-sandbox add-compute NAME | remove-compute NAME

The dashboard: {dashboard}  (domain Default)
  user {demo}, password {demo_password}
  user {admin}, password {admin_password}  (the administrator)
The same users are in {clouds_yaml}
(entries nova-docker-demo and nova-docker). Logs and data: {dir}
Everything listens on 127.0.0.1 only. Servers get a port on the demo
project's network "private" (10.0.0.0/24 and {private_v6}, OVN), or none
with --nic none; --nic auto gives a project without a network one of its
own. The host is {host_address} on the network "public" and
reaches servers on "private" through the demo project's router, where the
security group lets it (no NAT, no floating IPs):
  openstack security group rule create --protocol tcp --dst-port 80 default
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='nova-docker-sandbox',
        description='A small OpenStack cloud on loopback whose compute hosts '
                    'run docker.DockerDriver: keystone, RabbitMQ, MariaDB, '
                    'placement, glance-api and nova\'s services.')
    parser.add_argument(
        '--state-dir', default=os.environ.get(
            'NOVA_DOCKER_SANDBOX_DIR', '/var/lib/nova-docker/sandbox'),
        help='databases, images, logs and pid files (default: %(default)s)')
    commands = parser.add_subparsers(dest='command', required=True)
    up = commands.add_parser('up', help='start the sandbox')
    for service in VENV_SERVICES:
        variable = 'NOVA_DOCKER_%s_VENV' % service.upper()
        up.add_argument(
            '--%s-venv' % service, default=os.environ.get(variable),
            required=variable not in os.environ,
            help='virtualenv with %s installed (%s)' % (service, variable))
    up.add_argument(
        '--clouds-yaml', default=os.environ.get(
            'OS_CLIENT_CONFIG_FILE',
            os.path.expanduser('~/.config/openstack/clouds.yaml')),
        help='clouds.yaml to add the %s entries to (default: %%(default)s)'
             % ' and '.join(CLOUDS))
    commands.add_parser('status', help='processes, endpoints and servers')
    logs = commands.add_parser('logs', help="print a service's log")
    logs.add_argument('service', nargs='?', default='nova-compute')
    logs.add_argument('-f', '--follow', action='store_true')
    logs.add_argument('-n', '--lines', type=int, default=50)
    add = commands.add_parser('add-compute',
                              help='start another compute host')
    add.add_argument('host')
    add.add_argument('--own-engine', action='store_true',
                     help='give the host a Docker engine of its own (images '
                          'reach it through the registry, as on another '
                          'machine)')
    commands.add_parser(
        'remove-compute', help='stop and remove a compute host that has no '
                               'servers').add_argument('host')
    commands.add_parser(
        'tempest-conf', help="write Tempest's configuration for the running "
                             'sandbox (tools/tempest.sh runs Tempest)'
    ).add_argument('path')
    down = commands.add_parser(
        'down', help='stop everything the sandbox started and remove its '
                     'servers, images and data')
    down.add_argument('--keep', action='store_true',
                      help='stop the services but keep servers and data')
    args = parser.parse_args(argv)

    # Databases, logs, passwords and clouds.yaml are the user's alone.
    os.umask(0o077)
    sandbox = Sandbox(args.state_dir, services.Venvs(**{
        service: getattr(args, service + '_venv', None) or ''
        for service in VENV_SERVICES}), getattr(args, 'clouds_yaml', None))
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    actions = {
        'up': sandbox.up,
        'status': sandbox.status,
        'logs': lambda: sandbox.logs(args.service, args.follow, args.lines),
        'add-compute': lambda: sandbox.add_compute(args.host,
                                                   args.own_engine),
        'remove-compute': lambda: sandbox.remove_compute(args.host),
        'tempest-conf': lambda: sandbox.tempest_conf(args.path),
        'down': lambda: sandbox.down(args.keep),
    }
    try:
        return actions[args.command]() or 0
    except SandboxError as e:
        print('nova-docker-sandbox: %s' % e, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
