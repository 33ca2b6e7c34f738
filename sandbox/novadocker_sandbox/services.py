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

"""The sandbox's services: one OS process each, started in stages.

Each stage's processes start together; the next stage starts once they all
answer. Commands are the ones an operator runs: the stock console scripts
(``nova-conductor``, ``nova-scheduler``, ``nova-compute``), the WSGI apps
of keystone, placement, nova's API and glance under gunicorn, Debian's
``mariadbd`` and ``rabbitmq-server``.
"""

import dataclasses
import os
import socket
import typing

import requests

from novadocker_sandbox import backing
from novadocker_sandbox import config
from novadocker_sandbox import glance
from novadocker_sandbox import horizon
from novadocker_sandbox import keystone
from novadocker_sandbox import neutron
from novadocker_sandbox import ovn
from novadocker_sandbox import procs
from novadocker_sandbox import wsgi

READY_TIMEOUT = 5


@dataclasses.dataclass
class Service:
    name: str
    argv: list
    env: dict = dataclasses.field(default_factory=dict)
    # Answers True once the service serves; None: running is enough.
    ready: typing.Optional[typing.Callable[[], bool]] = None
    # Runs before the process starts / once it is ready / once it stopped.
    prepare: typing.Optional[typing.Callable[[], None]] = None
    then: typing.Optional[typing.Callable[[], None]] = None
    after: typing.Optional[typing.Callable[[], None]] = None


@dataclasses.dataclass
class Venvs:
    """The virtualenvs of the services whose dependencies are not nova's
    (nova's own is the sandbox's)."""
    glance: str = ''
    neutron: str = ''
    horizon: str = ''


def answers(url):
    """A ready check: ``url`` answers, whatever its status below 500."""
    def check():
        try:
            return requests.get(url, timeout=READY_TIMEOUT).status_code < 500
        except requests.RequestException:
            return False
    return check


def listens(port_name):
    def check():
        with socket.socket() as s:
            s.settimeout(READY_TIMEOUT)
            return s.connect_ex((config.HOST, config.PORTS[port_name])) == 0
    return check


def _address(port_name):
    return '%s:%d' % (config.HOST, config.PORTS[port_name])


def _app(venv, port_name, module, **kwargs):
    return wsgi.command(venv, _address(port_name),
                        'novadocker_sandbox.wsgi:app("%s")' % module,
                        **kwargs)


def nova_command(venv, directory, binary, conf=None):
    """A nova command reading ``conf``, by default the controllers'."""
    return [os.path.join(venv, 'bin', binary), '--config-file',
            conf or os.path.join(directory, 'nova', 'nova.conf')]


def compute_name(host):
    """The process name of compute host ``host``'s nova-compute."""
    return ('nova-compute' if host == config.COMPUTE_HOST
            else 'nova-compute-' + host)


def compute_stages(venv, directory, host):
    """The processes of compute host ``host``, stage by stage: its own
    Docker engine if it has one, then its nova-compute."""
    compute = Service(compute_name(host), nova_command(
        venv, directory, 'nova-compute',
        config.compute_conf(directory, host)),
        prepare=lambda: config.write_compute(directory, host))
    if not config.has_own_engine(directory, host):
        return [[compute]]
    url = config.engine_url(directory, host)
    return [[Service('dockerd-' + host,
                     backing.dockerd_command(directory, host),
                     ready=lambda: backing.engine_answers(url),
                     prepare=lambda: backing.engine_bridge_add(directory,
                                                               host),
                     after=lambda: backing.engine_bridge_remove(directory,
                                                                host))],
            [compute]]


def stages(venv, venvs, directory, service_up, first_start=False):
    """The sandbox's services, stage by stage, in the order they start.

    ``venv``: nova's virtualenv; ``venvs``: the others (``Venvs``).
    ``service_up(binary)`` tells whether nova reports the service ``binary``
    up; ``first_start``: also bootstrap keystone and make the sandbox's
    identities and catalog.
    """
    def path(*names):
        return os.path.join(directory, *names)

    glance_dir = path('glance')
    return [
        [Service('mariadb', backing.mariadb_command(directory),
                 ready=lambda: backing.mariadb_ready(directory),
                 prepare=lambda: backing.mariadb_install(directory),
                 then=lambda: backing.create_databases(directory)),
         Service('epmd', backing.epmd_command(), ready=listens('epmd'))] +
        [Service('ovn-%s-db' % db, ovn.db_command(directory, db),
                 ready=lambda db=db: ovn.db_ready(directory, db),
                 prepare=lambda db=db: ovn.db_prepare(directory, db))
         for db in ('nb', 'sb')],
        [Service('rabbitmq', [backing.RABBITMQ_SERVER],
                 backing.rabbitmq_environment(directory),
                 ready=listens('rabbitmq'),
                 prepare=lambda: backing.rabbitmq_configure(directory)),
         Service('keystone', _app(venv, 'keystone', 'keystone.wsgi.api'),
                 keystone.environment(directory),
                 ready=answers(config.identity_url()),
                 prepare=lambda: keystone.prepare(venv, directory,
                                                  first_start),
                 then=first_start and (lambda: keystone.populate(directory))
                 or None),
         Service('ovn-northd', ovn.northd_command(directory)),
         Service('ovn-controller', ovn.controller_command(),
                 ovn.controller_environment(directory),
                 ready=lambda: ovn.controller_ready(directory),
                 prepare=lambda: ovn.controller_prepare(directory))],
        [Service('placement-api',
                 _app(venv, 'placement-api', 'placement.wsgi.api'),
                 {'OS_PLACEMENT_CONFIG_DIR': path('placement')},
                 ready=answers(config.url('placement-api'))),
         Service('glance-api',
                 glance.command(venvs.glance, _address('glance-api')),
                 glance.environment(glance_dir),
                 ready=answers(config.url('glance-api') + '/versions'),
                 prepare=lambda: glance.configure(
                     venvs.glance, glance_dir,
                     config.database_url(directory, 'glance', 'glance'),
                     config.authtoken(directory, 'glance'),
                     metadefs=first_start)),
         Service('neutron-api',
                 neutron.command(venvs.neutron, directory,
                                 _address('neutron-api')),
                 neutron.environment(directory),
                 ready=answers(config.url('neutron-api')),
                 prepare=lambda: neutron.configure(venvs.neutron,
                                                   directory)),
         Service('horizon',
                 horizon.command(venvs.horizon, _address('horizon')),
                 horizon.environment(directory),
                 ready=answers(config.url('horizon') + '/auth/login/'),
                 prepare=lambda: horizon.configure(venvs.horizon,
                                                   directory)),
         Service('nova-api', _app(venv, 'nova-api', 'nova.wsgi.osapi_compute'),
                 {'OS_NOVA_CONFIG_DIR': path('nova'),
                  # nova's WSGI app loads its pipeline from the first file.
                  'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'},
                 ready=answers(config.url('nova-api')),
                 prepare=lambda: _run_cells(venv, directory))],
        # Once nova's databases exist (nova-api's preparation).
        # A nova-compute started before nova-conductor answers waits a
        # minute for it.
        [Service(binary, nova_command(venv, directory, binary),
                 ready=lambda binary=binary: service_up(binary))
         for binary in ('nova-conductor', 'nova-scheduler')] +
        [Service('nova-serialproxy', nova_command(venv, directory,
                                                  'nova-serialproxy'),
                 ready=listens('nova-serialproxy'))],
    ] + compute_stages(venv, directory, config.COMPUTE_HOST)


def _run_cells(venv, directory):
    procs.run([os.path.join(venv, 'bin', 'python'), '-m',
               'novadocker_sandbox.cells',
               os.path.join(directory, 'nova', 'nova.conf'),
               config.database_url(directory, 'nova', 'nova_cell0')],
              "preparing nova's databases")
