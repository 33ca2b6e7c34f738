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

"""Keystone for the sandbox: fernet tokens, two people and the services.

``prepare`` readies the database and keys and bootstraps the ``admin``
user, project and role with the identity endpoint; ``populate`` then adds,
through keystone's own API, the ``demo`` project and its member, the
``service`` project with one user per service, and the catalog.
"""

import os

import requests

from novadocker_sandbox import config
from novadocker_sandbox import procs

TIMEOUT = 30
# (service type, name, port name, path) of the catalog beyond identity.
CATALOG = (
    ('compute', 'nova', 'nova-api', '/v2.1'),
    ('image', 'glance', 'glance-api', ''),
    ('placement', 'placement', 'placement-api', ''),
    ('network', 'neutron', 'neutron-api', ''),
)


def environment(directory):
    return {'OS_KEYSTONE_CONFIG_DIR': os.path.join(directory, 'keystone')}


def prepare(venv, directory, first_start):
    """db_sync and the key repositories; on first start, bootstrap."""
    owner = ' --keystone-user root --keystone-group root'
    commands = ['db_sync', 'fernet_setup' + owner, 'credential_setup' + owner]
    if first_start:
        commands.append(' '.join((
            'bootstrap', '--bootstrap-username', config.ADMIN,
            '--bootstrap-project-name', config.ADMIN,
            '--bootstrap-role-name admin --bootstrap-service-name keystone',
            '--bootstrap-region-id', config.REGION,
            '--bootstrap-public-url', config.identity_url(),
            '--bootstrap-internal-url', config.identity_url())))
    procs.run([os.path.join(venv, 'bin', 'python'), '-m',
               'novadocker_sandbox.keystone_manage',
               os.path.join(directory, 'keystone', 'keystone.conf')] +
              commands, 'keystone-manage', env=dict(
                  os.environ, OS_BOOTSTRAP_PASSWORD=config.passwords(
                      directory)[config.ADMIN]))


def token(user, password, project):
    """A project-scoped token of ``user`` and its catalog."""
    identity = {'methods': ['password'], 'password': {'user': {
        'name': user, 'password': password, 'domain': {'id': 'default'}}}}
    scope = {'project': {'name': project, 'domain': {'id': 'default'}}}
    response = requests.post(
        config.identity_url() + '/auth/tokens', timeout=TIMEOUT,
        json={'auth': {'identity': identity, 'scope': scope}})
    response.raise_for_status()
    return response.headers['X-Subject-Token'], response.json()['token']


def user_token(directory, user):
    """A token of the sandbox's ``user`` (ADMIN or DEMO), in the project
    of that name."""
    return token(user, config.passwords(directory)[user], user)[0]


class _Admin:
    """Keystone's API as its administrator: find-or-create helpers."""

    def __init__(self, password):
        self.token = token(config.ADMIN, password, config.ADMIN)[0]

    def call(self, method, path, **kwargs):
        response = requests.request(
            method, config.identity_url() + path, timeout=TIMEOUT,
            headers={'X-Auth-Token': self.token}, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def ensure(self, collection, body, **query):
        """The id of the one ``collection`` entry matching ``query``,
        created from ``body`` when there is none."""
        found = self.call('GET', '/' + collection, params=query)[collection]
        if found:
            return found[0]['id']
        singular = collection[:-1]
        return self.call('POST', '/' + collection,
                         json={singular: body})[singular]['id']

    def project(self, name):
        return self.ensure('projects', {'name': name, 'domain_id': 'default'},
                           name=name)

    def user(self, name, password, project):
        return self.ensure('users', {
            'name': name, 'password': password, 'domain_id': 'default',
            'default_project_id': project}, name=name)

    def grant(self, project, user, role):
        role_id = self.ensure('roles', {'name': role}, name=role)
        self.call('PUT', '/projects/%s/users/%s/roles/%s'
                  % (project, user, role_id))


def populate(directory):
    """The demo project and user, service users, and the catalog."""
    secret = config.passwords(directory)
    admin = _Admin(secret[config.ADMIN])
    demo = admin.project(config.DEMO)
    admin.grant(demo, admin.user(config.DEMO, secret[config.DEMO], demo),
                'member')
    service = admin.project('service')
    for name in config.SERVICE_USERS:
        user = admin.user(name, secret[name], service)
        # What keystonemiddleware's service_token_roles_required and the
        # services' policies expect of a service user.
        for role in ('admin', 'service'):
            admin.grant(service, user, role)
    for kind, name, port_name, path in CATALOG:
        service_id = admin.ensure('services', {'type': kind, 'name': name},
                                  type=kind)
        for interface in ('public', 'internal'):
            admin.ensure('endpoints', {
                'service_id': service_id, 'interface': interface,
                'region_id': config.REGION,
                'url': config.url(port_name) + path},
                service_id=service_id, interface=interface)
