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

"""Tempest's configuration for the running sandbox.

Tempest makes its own projects and users with the administrator's
credentials (dynamic credentials) and boots the sandbox's ``demo`` image.
Each compute feature a container cannot offer yet is switched off here,
with the reason; the README lists the same.
"""

import configparser
import os

from novadocker_sandbox import config

# [compute-feature-enabled] flags Tempest leaves off and the driver
# offers.
ENABLED = ('resize', 'cold_migration', 'config_drive', 'rescue',
           'serial_console', 'interface_attach')
# [compute-feature-enabled] flags set to false, and why.
DISABLED = {
    'live_migration': 'a container cannot move while it runs',
    'metadata_service': 'no metadata service reaches containers yet (the '
                        'config drive does)',
    'attach_encrypted_volume': 'the sandbox runs no Cinder',
    'vnc_console': 'a container has no graphical console',
    'spice_console': 'a container has no graphical console',
}


def write(path, directory, image_id, flavor_ids, network_extensions):
    """Write tempest.conf for the sandbox whose state is ``directory``.

    ``flavor_ids`` are two flavors' ids, the smaller first;
    ``network_extensions`` the aliases of the API extensions Neutron has.
    """
    secret = config.passwords(directory)
    conf = configparser.ConfigParser()
    conf.read_dict({
        # Its console shows the tests; the requests go to the log.
        'DEFAULT': {'log_dir': os.path.dirname(os.path.abspath(path)),
                    'log_file': 'tempest.log'},
        'auth': {
            'admin_username': config.ADMIN,
            'admin_password': secret[config.ADMIN],
            'admin_project_name': config.ADMIN,
            'admin_domain_name': 'Default',
            'use_dynamic_credentials': 'true',
        },
        'identity': {
            'uri_v3': config.identity_url(),
            'auth_version': 'v3',
            'region': config.REGION,
        },
        'identity-feature-enabled': {'api_v2': 'false'},
        'compute': {
            'image_ref': image_id,
            'image_ref_alt': image_id,
            'flavor_ref': flavor_ids[0],
            'flavor_ref_alt': flavor_ids[1],
            'min_microversion': '2.1',
            'max_microversion': 'latest',
            'build_timeout': '120',
            # Tempest's multinode tests (cold migration) run once
            # add-compute made a second host.
            'min_compute_nodes': str(len(config.compute_hosts(directory))),
        },
        'compute-feature-enabled': dict(dict.fromkeys(DISABLED, 'false'),
                                        **dict.fromkeys(ENABLED, 'true')),
        'image': {
            'container_formats': 'docker',
            'disk_formats': 'raw',
        },
        # Tempest's projects get a network, subnet and router each
        # (create_isolated_networks); their routers have no gateway.
        'network-feature-enabled': {
            # Refused by the sandbox's policy: NAT (see neutron.py).
            'floating_ips': 'false',
            # What Neutron reports: Tempest assumes "all" otherwise.
            'api_extensions': ','.join(sorted(network_extensions)),
        },
        'service_available': {
            'nova': 'true', 'glance': 'true', 'neutron': 'true',
            'cinder': 'false', 'swift': 'false', 'horizon': 'false',
        },
        'validation': {'run_validation': 'false'},
    })
    with open(path, 'w') as f:
        conf.write(f)
