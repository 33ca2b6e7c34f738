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

"""Where the sandbox listens, its secrets and the configuration it writes.

Everything binds to loopback. The configuration files live in the state
directory so an operator can read exactly how each service was set up.
"""

import os
import secrets
import shutil
import sys

import yaml

HOST = '127.0.0.1'
PORTS = {
    'keystone': 5000,
    'nova-api': 8774,
    'placement-api': 8778,
    'glance-api': 9292,
    'neutron-api': 9696,
    'horizon': 8080,
    'nova-serialproxy': 6083,
    'rabbitmq': 5672,
    'epmd': 4369,
    'rabbitmq distribution': 25672,
}
# The first compute host's name: the label on every container its
# nova-compute creates. "add-compute" adds others.
COMPUTE_HOST = 'nova-docker-sandbox'
REGION = 'RegionOne'
# Keystone users: the two a person logs in as, and one per service.
ADMIN = 'admin'
DEMO = 'demo'
SERVICE_USERS = ('nova', 'glance', 'placement', 'neutron')
# MariaDB: one account per service, owning its databases.
DATABASES = {
    'keystone': ('keystone',),
    'glance': ('glance',),
    'placement': ('placement',),
    'nova': ('nova_api', 'nova', 'nova_cell0'),
    'neutron': ('neutron',),
}


def url(service):
    return 'http://%s:%d' % (HOST, PORTS[service])


def identity_url():
    return url('keystone') + '/v3'


def passwords(directory):
    """The sandbox's generated passwords, made on first use and kept.

    Keys: the keystone users, ``rabbitmq``, ``db-<account>``,
    ``registry`` (the compute hosts' registry_shared_secret) and
    ``horizon`` (the dashboard's key for its sessions and signatures).
    """
    path = os.path.join(directory, 'passwords.yaml')
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            values = yaml.safe_load(f)
    names = ((ADMIN, DEMO) + SERVICE_USERS +
             ('rabbitmq', 'registry', 'horizon') +
             tuple('db-' + account for account in DATABASES))
    missing = {name: secrets.token_urlsafe(18) for name in names
               if name not in values}
    if missing:
        # A state directory from an older sandbox gains the new ones.
        values.update(missing)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                          0o600), 'w') as f:
            yaml.safe_dump(values, f)
    return values


def database_url(directory, account, database):
    return ('mysql+pymysql://%s:%s@localhost/%s?unix_socket=%s&charset=utf8'
            % (account, passwords(directory)['db-' + account], database,
               os.path.join(directory, 'mariadb', 'mysqld.sock')))


def authtoken(directory, user):
    """A ``[keystone_authtoken]`` section for service user ``user``."""
    return """\
[keystone_authtoken]
www_authenticate_uri = {identity}
auth_url = {identity}
auth_type = password
username = {user}
password = {password}
project_name = service
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = true
""".format(identity=identity_url(), user=user,
           password=passwords(directory)[user])


def service_auth(directory, section, extra='', user='nova'):
    """A keystoneauth section for service user ``user`` (nova's by
    default) to call another service with."""
    return """\
[{section}]
{extra}
auth_type = password
auth_url = {identity}
username = {user}
password = {password}
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = {region}
""".format(section=section, extra=extra, identity=identity_url(), user=user,
           password=passwords(directory)[user], region=REGION)


NOVA_CONF = """\
[DEFAULT]
my_ip = {host}
compute_driver = docker.DockerDriver
# One compute host unless add-compute makes more: resizes land where the
# server is.
allow_resize_to_same_host = true
transport_url = rabbit://nova:{rabbit}@{host}:{rabbit_port}/
# nova's defaults, spelled out: a boot waits for Neutron's
# network-vif-plugged and fails without it.
vif_plugging_is_fatal = true
vif_plugging_timeout = 300
debug = {debug}
{default}
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = {paste}
[oslo_concurrency]
# Shared by the compute hosts of the sandbox: they share one engine.
lock_path = {dir}/nova/locks
[oslo_messaging_notifications]
driver = noop
[serial_console]
# "openstack console url show --serial": a shell in the container through
# nova-serialproxy; each compute host serves its consoles on loopback.
enabled = true
base_url = ws://{host}:{serialproxy_port}/
serialproxy_host = {host}
serialproxy_port = {serialproxy_port}
proxyclient_address = {host}
[docker]
{docker}
[scheduler]
# Hosts are mapped by "up" and "add-compute" (nova-manage cell_v2
# discover_hosts), as an operator does.
discover_hosts_in_cells_interval = -1
# One process each (the default is one per core, ~180 MiB apiece).
workers = 1
[conductor]
workers = 1
[glance]
region_name = {region}
"""

# Only the controller services reach nova's databases, as in a real
# deployment: compute hosts talk to them through nova-conductor.
NOVA_DATABASES = """\
[api_database]
connection = {api_db}
[database]
connection = {db}
"""

PLACEMENT_CONF = """\
[DEFAULT]
debug = {debug}
[api]
auth_strategy = keystone
[placement_database]
connection = {db}
sync_on_startup = true
"""

KEYSTONE_CONF = """\
[DEFAULT]
debug = {debug}
[database]
connection = {db}
[token]
provider = fernet
[fernet_tokens]
key_repository = {dir}/keystone/fernet-keys
[fernet_receipts]
key_repository = {dir}/keystone/fernet-keys
[credential]
key_repository = {dir}/keystone/credential-keys
[identity]
# The fewest bcrypt rounds keystone accepts: a token in ~0.1 s instead of
# ~0.3 s. The passwords are generated, long and never leave the host.
password_hash_rounds = 4
"""


def _nova(directory, default, docker=None, debug=False):
    """nova's configuration, with ``default`` lines in [DEFAULT] and
    ``docker`` lines in [docker]."""
    secret = passwords(directory)
    if docker is None:
        # Hosts sharing an engine share the record of the images they
        # brought in.
        docker = 'image_records_path = %s/nova/docker-images' % directory
    docker += '\nregistry_shared_secret = %s' % secret['registry']
    return ''.join((
        NOVA_CONF.format(
            dir=directory, host=HOST, debug=str(bool(debug)).lower(),
            rabbit=secret['rabbitmq'], rabbit_port=PORTS['rabbitmq'],
            serialproxy_port=PORTS['nova-serialproxy'],
            paste=os.path.join(directory, 'nova', 'api-paste.ini'),
            region=REGION, default=default, docker=docker),
        authtoken(directory, 'nova'),
        service_auth(directory, 'placement'),
        service_auth(directory, 'neutron'),
        service_auth(directory, 'service_user',
                     'send_service_user_token = true\n')))


def write(directory, debug=False):
    """Write the controllers' configuration: nova's API, conductor and
    scheduler, placement's and keystone's."""
    nova = _nova(directory, 'state_path = %s/nova' % directory, debug=debug)
    nova += NOVA_DATABASES.format(
        api_db=database_url(directory, 'nova', 'nova_api'),
        db=database_url(directory, 'nova', 'nova'))
    debug = str(bool(debug)).lower()
    placement = PLACEMENT_CONF.format(
        debug=debug, db=database_url(directory, 'placement', 'placement'))
    keystone = KEYSTONE_CONF.format(
        dir=directory, debug=debug,
        db=database_url(directory, 'keystone', 'keystone'))
    for path, text in (
            (('nova', 'nova.conf'), nova),
            (('placement', 'placement.conf'),
             placement + authtoken(directory, 'placement')),
            (('keystone', 'keystone.conf'), keystone)):
        os.makedirs(os.path.join(directory, path[0]), exist_ok=True)
        with open(os.path.join(directory, *path), 'w') as f:
            f.write(text)
    os.makedirs(os.path.join(directory, 'nova', 'locks'), exist_ok=True)
    # nova's stock pipeline (keystonemiddleware's authtoken first).
    shutil.copy(os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'),
                os.path.join(directory, 'nova'))


def compute_conf(directory, name):
    return os.path.join(directory, 'compute', name, 'nova-compute.conf')


def compute_hosts(directory):
    """The compute hosts the sandbox has made, the first one first."""
    try:
        extra = sorted(os.listdir(os.path.join(directory, 'compute')))
    except FileNotFoundError:
        extra = []
    return [COMPUTE_HOST] + [name for name in extra if name != COMPUTE_HOST]


def engine_dir(directory, name):
    """Where compute host ``name``'s own Docker engine keeps everything."""
    return os.path.join(directory, 'compute', name, 'engine')


def engine_url(directory, name):
    return 'unix://' + os.path.join(engine_dir(directory, name),
                                    'docker.sock')


def has_own_engine(directory, name):
    return os.path.isdir(engine_dir(directory, name))


# nova-compute runs as root here: the driver's privsep daemons start
# without sudo or rootwrap.
PRIVSEP = """\
[{section}]
helper_command = {helper} --config-file {conf}
"""


def _privsep(conf):
    helper = os.path.join(sys.prefix, 'bin', 'privsep-helper')
    return ''.join(PRIVSEP.format(section=section, helper=helper, conf=conf)
                   for section in ('novadocker_privileged',
                                   'novadocker_rescue_privileged',
                                   'vif_plug_ovs_privileged'))


# The host's Open vSwitch database, on its root-only socket.
OVS_DB = 'unix:/var/run/openvswitch/db.sock'
# os-vif plugs ports into OVN's integration bridge through it.
OS_VIF = """\
[os_vif_ovs]
ovsdb_connection = %s
""" % OVS_DB


def write_compute(directory, name):
    """Write the configuration of compute host ``name``: nova's, without
    its databases; with its own engine, if it has one."""
    conf = compute_conf(directory, name)
    os.makedirs(os.path.dirname(conf), exist_ok=True)
    docker = None
    if has_own_engine(directory, name):
        docker = 'host_url = %s\nimage_records_path = %s/docker-images' % (
            engine_url(directory, name), os.path.dirname(conf))
    with open(conf, 'w') as f:
        f.write(_nova(directory, 'host = %s\nstate_path = %s' % (
            name, os.path.dirname(conf)), docker) + _privsep(conf) +
            OS_VIF)
