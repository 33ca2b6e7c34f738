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

"""Neutron's API with ML2/OVN, behind keystone, on the sandbox's MariaDB.

It runs from a virtualenv of its own (``NOVA_DOCKER_NEUTRON_VENV``):
neutron's dependencies are not nova's, and neutron-lib registers flake8
checks that need another tool. Served by gunicorn like the other APIs;
no message bus and no agent: OVN (``ovn``) is the data plane, its
databases the only channel to it.

Routers route without NAT, and floating IPs are refused: NAT on Debian
12's Open vSwitch userspace datapath aborts ovs-vswitchd (see the README).
The host reaches servers through their router's gateway on ``public``
instead, by their own addresses.
"""

import os

from novadocker_sandbox import config
from novadocker_sandbox import ovn
from novadocker_sandbox import procs
from novadocker_sandbox import wsgi

NEUTRON_CONF = """\
[DEFAULT]
core_plugin = ml2
service_plugins = ovn-router
# No SNAT on routers' gateways (setting it is the administrator's alone).
enable_snat_by_default = false
auth_strategy = keystone
# neutron's stock pipeline, as its wheel installs it.
api_paste_config = {paste}
# No message bus: without these ML2 starts RPC notifiers in the API
# process, and network calls hang.
rpc_workers = 0
rpc_state_report_workers = 0
# network-vif-plugged and friends, to nova's API as the neutron user.
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[database]
connection = {db}
[oslo_policy]
policy_file = {dir}/policy.yaml
[oslo_concurrency]
lock_path = {dir}/locks
"""

ML2_CONF = """\
[ml2]
mechanism_drivers = ovn
type_drivers = geneve,flat
tenant_network_types = geneve
extension_drivers = port_security
[ml2_type_geneve]
vni_ranges = 1:65536
max_header_size = 38
[ml2_type_flat]
flat_networks = *
[securitygroup]
enable_security_group = true
[ovn]
ovn_nb_connection = {nb}
ovn_sb_connection = {sb}
ovn_metadata_enabled = false
"""

# A floating IP is NAT.
POLICY = """\
"create_floatingip": "!"
"""

# neutron's WSGI app parses sys.argv with oslo.config: under gunicorn that
# holds gunicorn's options. This module, on gunicorn's --pythonpath, leaves
# it the program name alone (the sandbox's own package is not in neutron's
# virtualenv).
APP = """\
import sys

sys.argv = sys.argv[:1]
from neutron.wsgi.api import application  # noqa: E402,F401
"""
APP_MODULE = 'nova_docker_sandbox_neutron'


def _dir(directory, *names):
    return os.path.join(directory, 'neutron', *names)


def configure(venv, directory):
    """Write neutron's configuration; bring its database schema up."""
    os.makedirs(_dir(directory, 'tmp'), exist_ok=True)
    os.makedirs(_dir(directory, 'locks'), exist_ok=True)
    neutron = NEUTRON_CONF.format(
        dir=_dir(directory),
        paste=os.path.join(venv, 'etc', 'neutron', 'api-paste.ini'),
        db=config.database_url(directory, 'neutron', 'neutron'))
    neutron += config.authtoken(directory, 'neutron')
    neutron += config.service_auth(directory, 'nova', user='neutron')
    ml2 = ML2_CONF.format(nb=ovn.db_url(directory, 'nb'),
                          sb=ovn.db_url(directory, 'sb'))
    for name, text in (('neutron.conf', neutron), ('ml2_conf.ini', ml2),
                       ('policy.yaml', POLICY), (APP_MODULE + '.py', APP)):
        with open(_dir(directory, name), 'w') as f:
            f.write(text)
    procs.run([os.path.join(venv, 'bin', 'neutron-db-manage'),
               '--config-file', _dir(directory, 'neutron.conf'),
               '--config-file', _dir(directory, 'ml2_conf.ini'),
               'upgrade', 'heads'], 'neutron-db-manage upgrade heads')


def command(venv, directory, address):
    return wsgi.command(venv, address, APP_MODULE + ':application',
                        pythonpath=_dir(directory))


def environment(directory):
    return {
        'OS_NEUTRON_CONFIG_DIR': _dir(directory),
        'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini',
        # OVN's hash ring counts the API's workers (wsgi.command: one).
        'ASGI_WORKERS': '1',
        # neutron writes its start-time files there.
        'TMPDIR': _dir(directory, 'tmp'),
    }
