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

"""nova-docker-registry-prune with a fake registry client and Glance.

Keystone's argument parsing and plugin loading stay real; only the token
(``get_access``), Glance's adapter and the registry client are fakes.
"""

import io
import os
import types

import fixtures
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import base as identity_base
import requests
import testtools

from novadocker.cmd import registry_prune
from novadocker import registry as registry_api

KEPT = '0f4a2d1e-3b1c-4d5e-8f9a-0b1c2d3e4f5a'
GONE = '7d1c0a9b-2e3f-4a5b-9c8d-1e2f3a4b5c6d'
ALSO_GONE = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'
AUTH = ['--os-auth-url', 'http://keystone.example/v3', '--os-username',
        'admin', '--os-password', 'pw', '--os-project-name', 'admin',
        '--os-user-domain-id', 'default', '--os-project-domain-id',
        'default']


class FakeRegistry:
    """The registry client: repositories of tags, and what was deleted.

    ``failures`` makes ``tags`` and ``delete`` of a repository raise;
    ``listing_error`` makes the listing raise once all is listed, as a
    later page that fails would.
    """

    def __init__(self, repositories):
        self.held = {name: list(tags) for name, tags in repositories.items()}
        self.failures = {}
        self.listing_error = None
        self.deleted = []

    def repositories(self, prefix=''):
        for name in sorted(self.held):
            if name.startswith(prefix):
                yield name
        if self.listing_error:
            raise self.listing_error

    def tags(self, repository):
        if repository in self.failures:
            raise self.failures[repository]
        return list(self.held[repository])

    def delete(self, repository):
        tags = self.tags(repository)
        self.deleted.append(repository)
        self.held[repository] = []
        return len(tags)


class FakeGlance:
    """Glance's image endpoint through keystoneauth's Adapter.

    ``answers`` overrides what an image id gets: a status, or an
    exception the adapter raises.
    """

    def __init__(self, images=()):
        self.images = set(images)
        self.answers = {}
        self.asked = []

    def get(self, url, raise_exc=True):
        self.asked.append((url, raise_exc))
        image_id = url.rsplit('/', 1)[1]
        answer = self.answers.get(image_id,
                                  200 if image_id in self.images else 404)
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code = answer
        return response


def glance_repository(image_id):
    return 'glance/' + image_id


class PruneTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.registry = FakeRegistry({
            glance_repository(KEPT): ['abc', 'snapshot'],
            glance_repository(GONE): ['abc', 'def', 'snapshot'],
            glance_repository(ALSO_GONE): ['abc'],
            # Not copies of Glance images: never Glance's to judge.
            'glance/base-images': ['latest'],
            'team/' + GONE: ['1.0'],
        })
        self.glance = FakeGlance([KEPT])
        self.out = io.StringIO()

    def prune(self, dry_run=False):
        return registry_prune.prune(self.registry, self.glance,
                                    dry_run=dry_run, out=self.out)

    def test_copies_of_images_glance_no_longer_has_go(self):
        self.assertEqual((2, 0), self.prune())
        self.assertEqual(sorted([glance_repository(GONE),
                                 glance_repository(ALSO_GONE)]),
                         sorted(self.registry.deleted))
        self.assertEqual(sorted([
            'glance/%s: image %s is not in Glance; removed 3 tags' % (
                GONE, GONE),
            'glance/%s: image %s is not in Glance; removed 1 tags' % (
                ALSO_GONE, ALSO_GONE)]),
            sorted(self.out.getvalue().splitlines()))

    def test_glance_is_asked_once_for_each_copy_and_its_404_is_read(self):
        self.prune()
        self.assertEqual(sorted(('/v2/images/' + image_id, False)
                                for image_id in (KEPT, GONE, ALSO_GONE)),
                         sorted(self.glance.asked))

    def test_a_dry_run_says_what_would_go_and_removes_nothing(self):
        self.assertEqual((2, 0), self.prune(dry_run=True))
        self.assertEqual([], self.registry.deleted)
        self.assertIn('glance/%s: image %s is not in Glance; would remove 3 '
                      'tags' % (GONE, GONE), self.out.getvalue())

    def test_a_copy_glance_is_unclear_about_stays(self):
        # Only Glance's 404 says an image is gone: a refusal (an unscoped
        # token), an error or no answer at all keeps the copy.
        for answer, said in [
                (403, 'Glance answered HTTP 403 for image ' + GONE),
                (503, 'Glance answered HTTP 503 for image ' + GONE),
                (ks_exceptions.ConnectFailure('refused'),
                 'Glance: refused')]:
            self.registry.deleted, self.out = [], io.StringIO()
            self.glance.answers = {GONE: answer}
            self.assertEqual((1, 1), self.prune())
            self.assertEqual([glance_repository(ALSO_GONE)],
                             self.registry.deleted)
            self.assertIn('glance/%s: %s\n' % (GONE, said),
                          self.out.getvalue())

    def test_a_registry_refusal_fails_that_copy_only(self):
        self.registry.failures[glance_repository(GONE)] = \
            registry_api.RegistryError('HTTP 500 full')
        for dry_run in (False, True):
            self.out = io.StringIO()
            self.assertEqual((1, 1), self.prune(dry_run))
            self.assertIn('glance/%s: HTTP 500 full\n' % GONE,
                          self.out.getvalue())
        self.assertEqual([glance_repository(ALSO_GONE)],
                         self.registry.deleted)


class ParserTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        for name in ('OS_INTERFACE', 'OS_REGION_NAME'):
            self.useFixture(fixtures.EnvironmentVariable(name))

    def test_defaults(self):
        args = registry_prune.parser([]).parse_args([])
        self.assertEqual(('http://127.0.0.1:5042', None, None, False,
                          'public', None, 'password'),
                         (args.registry, args.registry_cacert,
                          args.registry_user, args.dry_run, args.os_interface,
                          args.os_region_name, args.os_auth_type))

    def test_endpoint_from_the_environment_or_options(self):
        self.useFixture(fixtures.EnvironmentVariable('OS_INTERFACE',
                                                     'internal'))
        self.useFixture(fixtures.EnvironmentVariable('OS_REGION_NAME',
                                                     'east'))
        args = registry_prune.parser([]).parse_args([])
        self.assertEqual(('internal', 'east'),
                         (args.os_interface, args.os_region_name))
        argv = ['--os-interface', 'admin', '--os-region-name', 'west']
        args = registry_prune.parser(argv).parse_args(argv)
        self.assertEqual(('admin', 'west'),
                         (args.os_interface, args.os_region_name))


class MainTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Nothing of the caller's cloud or registry credentials.
        for name in list(os.environ):
            if name.startswith('OS_') or name == \
                    registry_prune.PASSWORD_VARIABLE:
                self.useFixture(fixtures.EnvironmentVariable(name))
        self.registry = FakeRegistry({glance_repository(KEPT): ['a'],
                                      glance_repository(GONE): ['a', 'b']})
        self.registries = []
        self.useFixture(fixtures.MockPatchObject(
            registry_prune.registry_api, 'Registry', self._registry))
        self.glance = FakeGlance([KEPT])
        self.adapters = []
        self.useFixture(fixtures.MockPatchObject(
            registry_prune.adapter, 'Adapter', self._adapter))
        self.roles = ['member', 'admin']
        self.get_access = self.useFixture(fixtures.MockPatchObject(
            identity_base.BaseIdentityPlugin, 'get_access',
            side_effect=lambda session: types.SimpleNamespace(
                role_names=self.roles))).mock
        self.out = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.out))

    def _registry(self, url, verify, auth):
        self.registries.append((url, verify, auth))
        return self.registry

    def _adapter(self, session, **kwargs):
        self.adapters.append((session, kwargs))
        return self.glance

    def test_removes_with_an_administrators_token(self):
        self.assertEqual(0, registry_prune.main(AUTH))
        self.assertEqual([glance_repository(GONE)], self.registry.deleted)
        self.assertEqual(
            'glance/%s: image %s is not in Glance; removed 2 tags\n'
            '1 repositories removed; the registry frees their layers at '
            'its next garbage-collect.\n' % (GONE, GONE),
            self.out.getvalue())
        # Glance is reached with the session the token came with.
        (session, kwargs), = self.adapters
        self.get_access.assert_called_once_with(session)
        self.assertEqual({'service_type': 'image', 'interface': 'public',
                          'region_name': None}, kwargs)
        self.assertEqual([('http://127.0.0.1:5042', True, None)],
                         self.registries)

    def test_a_dry_run_removes_nothing(self):
        self.assertEqual(0, registry_prune.main(AUTH + ['--dry-run']))
        self.assertEqual([], self.registry.deleted)
        self.assertIn('would remove 2 tags\n1 repositories to remove;',
                      self.out.getvalue())

    def test_registry_and_glance_endpoint_options(self):
        self.useFixture(fixtures.EnvironmentVariable(
            registry_prune.PASSWORD_VARIABLE, 's3cret'))
        registry_prune.main(AUTH + [
            '--registry', 'https://registry.example:5000',
            '--registry-cacert', '/etc/registry-ca.pem',
            '--registry-user', 'pruner', '--os-interface', 'internal',
            '--os-region-name', 'east', '--insecure'])
        self.assertEqual([('https://registry.example:5000',
                           '/etc/registry-ca.pem', ('pruner', 's3cret'))],
                         self.registries)
        (session, kwargs), = self.adapters
        self.assertEqual({'service_type': 'image', 'interface': 'internal',
                          'region_name': 'east'}, kwargs)
        self.assertFalse(session.verify)

    def test_a_failed_copy_makes_the_exit_status_1(self):
        self.registry.failures[glance_repository(GONE)] = \
            registry_api.RegistryError('HTTP 500 full')
        self.assertEqual(1, registry_prune.main(AUTH))
        self.assertIn('0 repositories removed', self.out.getvalue())

    def assertExits(self, message):
        error = self.assertRaises(SystemExit, registry_prune.main, AUTH)
        self.assertEqual('nova-docker-registry-prune: ' + message,
                         error.code)
        self.assertEqual([], self.registry.deleted)

    def test_a_token_without_the_admin_role_is_refused(self):
        # Such a token sees only some projects' images: the others would
        # look deleted.
        self.roles = ['member', 'reader']
        self.assertExits('needs an administrator\'s token: other projects\' '
                         'private images would look deleted')
        self.assertEqual([], self.registries)

    def test_no_token_no_prune(self):
        self.get_access.side_effect = ks_exceptions.Unauthorized(
            'The request you have made requires authentication.')
        self.assertExits('cannot authenticate: The request you have made '
                         'requires authentication. (HTTP 401)')

    def test_without_keystones_address_it_says_so(self):
        self.assertEqual('--os-auth-url', AUTH[0])
        error = self.assertRaises(SystemExit, registry_prune.main, AUTH[2:])
        self.assertEqual('nova-docker-registry-prune: cannot authenticate: '
                         'Auth plugin requires parameters which were not '
                         'given: auth_url', error.code)
        self.assertEqual([], self.registries)

    def test_a_registry_that_cannot_list_stops_the_prune(self):
        self.registry.listing_error = registry_api.RegistryError(
            'GET http://127.0.0.1:5042/v2/_catalog?n=1000: refused')
        error = self.assertRaises(SystemExit, registry_prune.main, AUTH)
        self.assertEqual('nova-docker-registry-prune: GET '
                         'http://127.0.0.1:5042/v2/_catalog?n=1000: refused',
                         error.code)
        self.assertNotIn('repositories removed', self.out.getvalue())
