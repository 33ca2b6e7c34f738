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

"""The sandbox's database, message bus and extra Docker engines.

Debian's MariaDB and RabbitMQ, and the engines of compute hosts added
with ``--own-engine``, are run by hand, as the sandbox's own processes
with their data in its state directory: no system service is started or
changed. MariaDB listens on a unix socket only; RabbitMQ and its port
mapper on loopback.
"""

import hashlib
import os
import subprocess

import docker
import requests

from novadocker_sandbox import config
from novadocker_sandbox import procs

MARIADB_DIR = 'mariadb'
RABBITMQ_DIR = 'rabbitmq'
RABBITMQ_NODE = 'nova-docker-sandbox@localhost'
RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'


def mariadb_socket(directory):
    return os.path.join(directory, MARIADB_DIR, 'mysqld.sock')


def _mariadb_data(directory):
    return os.path.join(directory, MARIADB_DIR, 'data')


def mariadb_install(directory):
    """Initialise MariaDB's data directory, unless it exists."""
    data = _mariadb_data(directory)
    if not os.path.isdir(data):
        procs.run(['mariadb-install-db', '--no-defaults',
                   '--datadir=' + data, '--user=root',
                   '--auth-root-authentication-method=socket',
                   '--skip-test-db'], 'mariadb-install-db')


def mariadb_command(directory):
    return ['mariadbd', '--no-defaults',
            '--datadir=' + _mariadb_data(directory),
            '--socket=' + mariadb_socket(directory), '--skip-networking',
            '--user=root', '--innodb-buffer-pool-size=32M']


def mariadb_ready(directory):
    return subprocess.run(
        ['mariadb', '--socket=' + mariadb_socket(directory), '-e',
         'SELECT 1'], capture_output=True).returncode == 0


def create_databases(directory):
    """Each service's databases and account (idempotent)."""
    secret = config.passwords(directory)
    statements = []
    for account, databases in config.DATABASES.items():
        statements.append(
            "CREATE USER IF NOT EXISTS '%s'@'localhost' IDENTIFIED BY '%s';"
            % (account, secret['db-' + account]))
        for database in databases:
            statements.append(
                'CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4;'
                "GRANT ALL ON %s.* TO '%s'@'localhost';"
                % (database, database, account))
    # The statements hold the passwords: on standard input.
    procs.run(['mariadb', '--socket=' + mariadb_socket(directory)],
              'creating the databases', stdin='\n'.join(statements))


RABBITMQ_CONF = """\
listeners.tcp.default = {host}:{port}
# Replaces the "guest" account: nova's, with a generated password.
default_user = nova
default_pass = {password}
"""


def rabbitmq_configure(directory):
    """Write RabbitMQ's configuration into the state directory."""
    base = os.path.join(directory, RABBITMQ_DIR)
    for name in ('home', 'mnesia'):
        os.makedirs(os.path.join(base, name), exist_ok=True)
    with open(os.path.join(base, 'rabbitmq.conf'), 'w') as f:
        f.write(RABBITMQ_CONF.format(
            host=config.HOST, port=config.PORTS['rabbitmq'],
            password=config.passwords(directory)['rabbitmq']))
    with open(os.path.join(base, 'enabled_plugins'), 'w') as f:
        f.write('[].\n')


def rabbitmq_environment(directory):
    """RabbitMQ's node, files and listeners, all in the state directory."""
    base = os.path.join(directory, RABBITMQ_DIR)
    return {
        # The Erlang cookie lives in $HOME.
        'HOME': os.path.join(base, 'home'),
        'RABBITMQ_NODENAME': RABBITMQ_NODE,
        'RABBITMQ_CONFIG_FILE': os.path.join(base, 'rabbitmq.conf'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(base, 'enabled_plugins'),
        'RABBITMQ_MNESIA_BASE': os.path.join(base, 'mnesia'),
        'RABBITMQ_LOG_BASE': base,
        'RABBITMQ_LOGS': '-',
        'RABBITMQ_DIST_PORT': str(config.PORTS['rabbitmq distribution']),
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
            '-kernel inet_dist_use_interface {127,0,0,1}',
        'ERL_EPMD_ADDRESS': config.HOST,
        'ERL_EPMD_PORT': str(config.PORTS['epmd']),
    }


def epmd_command():
    # Run in the foreground, as the sandbox's process: started by the
    # Erlang VM, epmd would daemonize and outlive the sandbox.
    return ['epmd', '-address', config.HOST, '-port',
            str(config.PORTS['epmd'])]


def dockerd_command(directory, host):
    """A Docker engine of compute host ``host``'s own: its data, state and
    socket in the host's directory, so its images come from the registry
    or Glance as on another machine."""
    base = config.engine_dir(directory, host)
    return ['dockerd', '--data-root', os.path.join(base, 'data'),
            '--exec-root', os.path.join(base, 'exec'),
            '--pidfile', os.path.join(base, 'dockerd.pid'),
            '--host', config.engine_url(directory, host),
            # The machine's first engine owns docker0 and the iptables
            # chains. Not "--bridge none": an engine started so deletes
            # docker0 from under the first one.
            '--bridge', engine_bridge(host), '--iptables=false',
            '--ip-masq=false']


def engine_bridge(host):
    """The Linux bridge of compute host ``host``'s own engine's default
    network, named after the host in the 15 characters an interface name
    may have."""
    return 'nd-' + hashlib.sha256(host.encode()).hexdigest()[:12]


def interface_exists(name):
    return os.path.exists(os.path.join('/sys/class/net', name))


def _bridge_made(directory, host):
    return os.path.join(config.engine_dir(directory, host), 'bridge-made')


def engine_bridge_add(directory, host):
    """Make ``host``'s engine bridge (dockerd gives it a free subnet); one
    of that name the sandbox did not make is refused, not reused."""
    bridge = engine_bridge(host)
    made = _bridge_made(directory, host)
    if interface_exists(bridge):
        if not os.path.exists(made):
            raise RuntimeError(
                'the host already has an interface %s that this sandbox did '
                'not make; remove it (ip link delete %s) or compute host %s '
                'cannot have its own engine' % (bridge, bridge, host))
        return
    with open(made, 'w') as f:
        f.write('the sandbox made %s\n' % bridge)
    procs.run(['ip', 'link', 'add', 'name', bridge, 'type', 'bridge'],
              'making the bridge %s of %s\'s engine' % (bridge, host))


def engine_bridge_remove(directory, host):
    """Remove ``host``'s engine bridge once its engine stopped."""
    made = _bridge_made(directory, host)
    if not os.path.exists(made):
        return
    bridge = engine_bridge(host)
    if interface_exists(bridge):
        procs.run(['ip', 'link', 'delete', bridge],
                  'removing the bridge %s of %s\'s engine' % (bridge, host))
    os.remove(made)


def engine_answers(url):
    try:
        docker.APIClient(base_url=url, version='auto', timeout=5).ping()
        return True
    except (docker.errors.DockerException, requests.RequestException):
        return False
