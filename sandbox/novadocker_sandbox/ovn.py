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

"""OVN, the data plane under the sandbox's Neutron (ML2/OVN).

Debian's ``ovn-central`` and ``ovn-host``, run by the sandbox: the
northbound and southbound databases (``ovsdb-server``, unix sockets in the
state directory), ``ovn-northd`` between them, and ``ovn-controller``
programming the host's Open vSwitch, whose userspace datapath these hosts
have. The controller registers the host as a chassis named after the
sandbox's compute host, which is the host Neutron binds its ports to.

The host joins the provider network ``public`` through a bridge of its
own (``PUBLIC_BRIDGE``, with the host's address on it): the data path from
the host to the servers, through the demo project's router.

The host's Open vSwitch is shared: ``down`` takes back the settings the
sandbox gave it and the bridges it made.
"""

import ipaddress
import json
import os
import subprocess

from novadocker_sandbox import config
from novadocker_sandbox import procs

SCHEMAS = '/usr/share/ovn'
OVS_CTL = '/usr/share/openvswitch/scripts/ovs-ctl'
BRIDGE = 'br-int'
# What the controller reads from the host's Open_vSwitch record.
SETTINGS = ('ovn-remote', 'ovn-encap-type', 'ovn-encap-ip', 'ovn-bridge',
            'ovn-bridge-datapath-type', 'ovn-bridge-mappings',
            'ovn-cms-options', 'hostname')
# Their values before the sandbox set them (JSON, null: unset).
SAVED = 'ovs-external-ids.json'
# The provider network the host is on: Neutron's physical network name,
# the bridge, and the host's address there (devstack's, for familiarity).
PHYSNET = 'public'
PUBLIC_BRIDGE = 'br-ex'
PUBLIC_CIDR = '172.24.4.0/24'
HOST_ADDRESS = '172.24.4.1'


def _made(directory, bridge):
    """Marks a state directory whose sandbox made ``bridge``."""
    return _dir(directory, 'made-' + bridge)


def _dir(directory, *names):
    return os.path.join(directory, 'ovn', *names)


def db_url(directory, db):
    """``db``: nb or sb."""
    return 'unix:' + _dir(directory, db + '.sock')


def db_command(directory, db):
    return ['ovsdb-server', _dir(directory, 'ovn%s_db.db' % db),
            '--remote=p' + db_url(directory, db),
            '--unixctl=' + _dir(directory, db + '.ctl'), '--no-chdir',
            '-vconsole:info', '-vfile:off']


def db_prepare(directory, db):
    os.makedirs(_dir(directory), mode=0o700, exist_ok=True)
    path = _dir(directory, 'ovn%s_db.db' % db)
    if not os.path.exists(path):
        procs.run(['ovsdb-tool', 'create', path,
                   os.path.join(SCHEMAS, 'ovn-%s.ovsschema' % db)],
                  'creating the OVN %s database' % db)


def db_ready(directory, db):
    return _quiet(['ovsdb-client', 'list-dbs', db_url(directory, db)])


def northd_command(directory):
    return ['ovn-northd', '--ovnnb-db=' + db_url(directory, 'nb'),
            '--ovnsb-db=' + db_url(directory, 'sb'),
            '--unixctl=' + _dir(directory, 'northd.ctl'), '-vconsole:info',
            '-vfile:off']


def controller_command():
    return ['ovn-controller', config.OVS_DB, '-vconsole:info', '-vfile:off']


def controller_environment(directory):
    # Its control socket goes to OVN's run directory: this version takes
    # no --unixctl.
    return {'OVN_RUNDIR': _dir(directory)}


def controller_prepare(directory):
    """Point the host's Open vSwitch at the sandbox's southbound
    database, as the compute host's chassis; keep what it had before."""
    saved = _dir(directory, SAVED)
    if not os.path.exists(saved):
        if not _bridge_exists(BRIDGE):
            with open(_made(directory, BRIDGE), 'w') as f:
                f.write('ovn-controller made %s for this sandbox\n' % BRIDGE)
        with open(saved, 'w') as f:
            json.dump({key: _external_id(key) for key in SETTINGS}, f)
    _public_bridge(directory)
    values = {
        'ovn-remote': db_url(directory, 'sb'),
        'ovn-encap-type': 'geneve',
        'ovn-encap-ip': config.HOST,
        'ovn-bridge': BRIDGE,
        # No kernel datapath on these hosts.
        'ovn-bridge-datapath-type': 'netdev',
        'ovn-bridge-mappings': '%s:%s' % (PHYSNET, PUBLIC_BRIDGE),
        # Routers' gateway ports to ``public`` are scheduled here.
        'ovn-cms-options': 'enable-chassis-as-gw',
        # The chassis' host name: where Neutron binds the ports nova-compute
        # asks for.
        'hostname': config.COMPUTE_HOST,
    }
    _vsctl(['set', 'Open_vSwitch', '.'] + [
        'external_ids:%s="%s"' % item for item in values.items()],
        'configuring ovn-controller')


def _public_bridge(directory):
    """The host's leg on ``public``: a bridge of the sandbox's own with
    the host's address on its internal port. A bridge of that name the
    sandbox did not make is someone else's: refused, not reused."""
    if _bridge_exists(PUBLIC_BRIDGE):
        if not os.path.exists(_made(directory, PUBLIC_BRIDGE)):
            raise RuntimeError(
                'Open vSwitch already has a bridge %s that this sandbox did '
                'not make; remove it (ovs-vsctl del-br %s) or the sandbox '
                'cannot put the host on its public network'
                % (PUBLIC_BRIDGE, PUBLIC_BRIDGE))
    else:
        with open(_made(directory, PUBLIC_BRIDGE), 'w') as f:
            f.write('the sandbox made %s\n' % PUBLIC_BRIDGE)
        _vsctl(['add-br', PUBLIC_BRIDGE, '--', 'set', 'Bridge',
                PUBLIC_BRIDGE, 'datapath_type=netdev'],
               'making ' + PUBLIC_BRIDGE)
    prefix = ipaddress.ip_network(PUBLIC_CIDR).prefixlen
    procs.run(['ip', 'address', 'replace', '%s/%d' % (HOST_ADDRESS, prefix),
               'dev', PUBLIC_BRIDGE], 'addressing ' + PUBLIC_BRIDGE)
    procs.run(['ip', 'link', 'set', PUBLIC_BRIDGE, 'up'],
              'bringing %s up' % PUBLIC_BRIDGE)


def route_through(cidr, gateway):
    """The host reaches ``cidr`` through ``gateway`` on ``public`` (a
    router's gateway port). Gone with the bridge."""
    procs.run(['ip', 'route', 'replace', cidr, 'via', gateway, 'dev',
               PUBLIC_BRIDGE], 'routing %s through %s' % (cidr, gateway))


def controller_ready(directory):
    """The chassis has registered in the southbound database."""
    found = subprocess.run(
        ['ovn-sbctl', '--db=' + db_url(directory, 'sb'), '--bare',
         '--columns=name', 'find', 'Chassis',
         'hostname="%s"' % config.COMPUTE_HOST], capture_output=True)
    return found.returncode == 0 and bool(found.stdout.strip())


def forget(directory):
    """Give the host's Open vSwitch back what it had before the sandbox."""
    saved = _dir(directory, SAVED)
    if not os.path.exists(saved):
        return
    with open(saved) as f:
        before = json.load(f)
    for key, value in before.items():
        if value is None:
            _vsctl(['remove', 'Open_vSwitch', '.', 'external_ids', key],
                   'resetting ' + key)
        else:
            _vsctl(['set', 'Open_vSwitch', '.',
                    'external_ids:%s="%s"' % (key, value)],
                   'resetting ' + key)
    for bridge in (BRIDGE, PUBLIC_BRIDGE):
        if os.path.exists(_made(directory, bridge)):
            _vsctl(['--if-exists', 'del-br', bridge], 'removing ' + bridge)
            os.unlink(_made(directory, bridge))
    os.unlink(saved)


def _external_id(key):
    found = subprocess.run(
        ['ovs-vsctl', '--db=' + config.OVS_DB, '--if-exists', 'get',
         'Open_vSwitch', '.', 'external_ids:' + key],
        capture_output=True, text=True)
    value = found.stdout.strip()
    return value.strip('"') if found.returncode == 0 and value else None


def _bridge_exists(bridge):
    return _quiet(['ovs-vsctl', '--db=' + config.OVS_DB, 'br-exists',
                   bridge])


def _vsctl(args, what):
    procs.run(['ovs-vsctl', '--db=' + config.OVS_DB] + args, what)


def _quiet(argv):
    return subprocess.run(argv, capture_output=True).returncode == 0
