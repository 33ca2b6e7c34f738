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

"""The registry's v2 API client against an in-memory registry.

The fake is a requests transport adapter mounted on the module's own
``requests.Session``: URLs, query strings, headers, basic auth, TLS
verification and timeouts all go through the real requests code, and only
the wire is fake. tests/integration/test_images.py runs against a real
registry.
"""

import base64
import http.client
import io
import json
from urllib import parse

import fixtures
import requests
from requests import adapters
import testtools

from novadocker import registry

URL = 'http://registry.example:5042'
V2 = 'application/vnd.docker.distribution.manifest.v2+json'
OCI = 'application/vnd.oci.image.manifest.v1+json'


def response(request, status, body=None, headers=None):
    """What requests makes of an HTTP answer.

    ``body`` is a JSON value, or bytes as they are.
    """
    result = requests.Response()
    result.status_code = status
    result.reason = http.client.responses.get(status, '')
    result.request = request
    result.url = request.url
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        result.headers['Content-Type'] = 'application/json'
    result.headers.update(headers or {})
    result.raw = io.BytesIO(body or b'')
    result.encoding = 'utf-8'
    return result


class FakeRegistry(adapters.BaseAdapter):
    """A registry's v2 API: repositories of tags naming manifest digests.

    ``page`` caps each catalog page, as the registry's maxentries does;
    ``next_link`` makes the Link to the next page from its query string;
    ``answers`` overrides what a (method, path) gets: a status and body,
    or an exception the transport raises.
    """

    def __init__(self, repositories=None, page=1000):
        super().__init__()
        self.repositories = {name: dict(tags)
                             for name, tags in (repositories or {}).items()}
        self.page = page
        self.next_link = '/v2/_catalog?{}'.format
        self.deletes_enabled = True
        self.answers = {}
        # (method, path with query, headers, the transport's keywords)
        self.seen = []

    def requested(self, method=None):
        return [path for m, path, _, _ in self.seen
                if method in (None, m)]

    def send(self, request, **kwargs):
        url = parse.urlsplit(request.url)
        path = url.path.split('/v2/', 1)[1]
        path_query = path + ('?' + url.query if url.query else '')
        self.seen.append((request.method, path_query, request.headers,
                          kwargs))
        answer = self.answers.get((request.method, path_query))
        if isinstance(answer, Exception):
            raise answer
        if answer:
            return response(request, *answer)
        if path == '_catalog':
            return self._catalog(request, parse.parse_qs(url.query))
        if path.endswith('/tags/list'):
            return self._tags(request, path[:-len('/tags/list')])
        repository, _, reference = path.partition('/manifests/')
        if reference and request.method == 'HEAD':
            return self._head(request, repository, reference)
        if reference and request.method == 'DELETE':
            return self._delete(request, repository, reference)
        raise AssertionError('no such registry API: %s %s' % (
            request.method, request.url))

    def _catalog(self, request, query):
        after = query.get('last', [''])[0]
        count = min(int(query['n'][0]), self.page)
        names = [name for name in sorted(self.repositories) if name > after]
        headers = {}
        if len(names) > count:
            headers['Link'] = '<%s>; rel="next"' % self.next_link(
                parse.urlencode({'last': names[count - 1], 'n': count}))
        return response(request, 200, {'repositories': names[:count]},
                        headers)

    def _tags(self, request, repository):
        if repository not in self.repositories:
            return response(request, 404, {'errors': [
                {'code': 'NAME_UNKNOWN'}]})
        # The registry's answer once every tag is deleted: null.
        return response(request, 200, {
            'name': repository,
            'tags': sorted(self.repositories[repository]) or None})

    def _head(self, request, repository, tag):
        digest = self.repositories.get(repository, {}).get(tag)
        if digest is None:
            return response(request, 404)
        if V2 not in request.headers.get('Accept', ''):
            # Asked for no type it keeps, the registry converts the
            # manifest to schema 1: another digest, which it cannot
            # delete.
            digest = 'sha256:schema1-of-' + digest[7:]
        return response(request, 200, headers={
            'Docker-Content-Digest': digest})

    def _delete(self, request, repository, digest):
        if not self.deletes_enabled:
            return response(request, 405, {'errors': [
                {'code': 'UNSUPPORTED'}]})
        tags = self.repositories.get(repository, {})
        named = [tag for tag, kept in tags.items() if kept == digest]
        if not named:
            return response(request, 404, {'errors': [
                {'code': 'MANIFEST_UNKNOWN'}]})
        for tag in named:
            del tags[tag]
        return response(request, 202)


class RegistryTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = FakeRegistry()
        self.useFixture(fixtures.MockPatchObject(
            registry.requests, 'Session', self._session))

    def _session(self):
        # The real Session class, its transport the fake registry.
        session = requests.sessions.Session()
        session.mount('http://', self.server)
        session.mount('https://', self.server)
        return session

    def hold(self, repositories):
        self.server.repositories.update(
            (name, dict(tags)) for name, tags in repositories.items())


class ListingTest(RegistryTestCase):

    def test_repositories_follow_the_next_links_across_pages(self):
        # The link as a registry at the root gives it, one behind a path
        # prefix, and one naming the host as well.
        for url, next_link in [
                (URL, '/v2/_catalog?{}'),
                (URL + '/mirror/', '/mirror/v2/_catalog?{}'),
                (URL, URL + '/v2/_catalog?{}')]:
            self.server = FakeRegistry({'r%d' % i: {} for i in range(5)},
                                       page=2)
            self.server.next_link = next_link.format
            names = list(registry.Registry(url).repositories())
            self.assertEqual(['r0', 'r1', 'r2', 'r3', 'r4'], names, url)
            self.assertEqual(['_catalog?n=1000',
                              '_catalog?last=r1&n=2',
                              '_catalog?last=r3&n=2'],
                             self.server.requested(), url)

    def test_repositories_keep_only_the_prefix(self):
        self.hold({'glance/a': {}, 'glancer': {}, 'team/app': {},
                   'glance/b': {}})
        self.assertEqual(['glance/a', 'glance/b'], list(
            registry.Registry(URL).repositories('glance/')))

    def test_a_catalog_with_nothing(self):
        client = registry.Registry(URL)
        self.assertEqual([], list(client.repositories()))
        self.server.answers[('GET', '_catalog?n=1000')] = (
            200, {'repositories': None})
        self.assertEqual([], list(client.repositories()))

    def test_tags_of_a_repository(self):
        self.hold({'glance/a': {'v2': 'sha256:2', 'v1': 'sha256:1'}})
        self.assertEqual(['v1', 'v2'],
                         registry.Registry(URL).tags('glance/a'))
        self.assertEqual(['glance/a/tags/list'], self.server.requested())

    def test_an_unknown_or_emptied_repository_has_no_tags(self):
        self.hold({'emptied': {}})
        client = registry.Registry(URL)
        self.assertEqual([], client.tags('unknown'))
        self.assertEqual([], client.tags('emptied'))

    def test_refusals_are_registry_errors_with_the_answer(self):
        self.server.answers[('GET', '_catalog?n=1000')] = (
            401, {'errors': [{'code': 'UNAUTHORIZED',
                              'detail': 'x' * 300}]})
        error = self.assertRaises(registry.RegistryError, list,
                                  registry.Registry(URL).repositories())
        message = str(error)
        self.assertIn('GET %s/v2/_catalog?n=1000: HTTP 401 {"errors": '
                      '[{"code": "UNAUTHORIZED"' % URL, message)
        # The body, however long, only begins the message.
        self.assertEqual(len(message) - 200, message.index('{"errors"'))
        self.server.answers[('GET', 'a/tags/list')] = (500, b'oops')
        error = self.assertRaises(registry.RegistryError,
                                  registry.Registry(URL).tags, 'a')
        self.assertEqual('GET %s/v2/a/tags/list: HTTP 500 oops' % URL,
                         str(error))

    def test_an_unreachable_registry_is_a_registry_error(self):
        self.server.answers[('GET', '_catalog?n=1000')] = \
            requests.ConnectionError('connection refused')
        error = self.assertRaises(registry.RegistryError, list,
                                  registry.Registry(URL).repositories())
        self.assertEqual('GET %s/v2/_catalog?n=1000: connection refused'
                         % URL, str(error))
        self.server.answers[('GET', 'a/tags/list')] = requests.Timeout(
            'read timed out')
        self.assertRaises(registry.RegistryError,
                          registry.Registry(URL).tags, 'a')

    def test_an_answer_that_is_not_json_is_a_registry_error(self):
        # A 200 that is not JSON (a web page at the --registry URL, a
        # proxy's login page) would escape as requests' JSONDecodeError,
        # which neither prune nor main catches: a traceback.
        self.server.answers[('GET', '_catalog?n=1000')] = (
            200, b'<html>Sign in</html>')
        self.assertRaises(registry.RegistryError, list,
                          registry.Registry(URL).repositories())


class DeleteTest(RegistryTestCase):

    def test_every_manifest_goes_once_whatever_names_it(self):
        self.hold({'glance/a': {'snapshot': 'sha256:1', 'v1': 'sha256:1',
                                'v2': 'sha256:2'},
                   'glance/b': {'v1': 'sha256:1'}})
        self.assertEqual(3, registry.Registry(URL).delete('glance/a'))
        self.assertEqual({'glance/a': {}, 'glance/b': {'v1': 'sha256:1'}},
                         self.server.repositories)
        self.assertEqual(['glance/a/manifests/sha256:1',
                          'glance/a/manifests/sha256:2'],
                         self.server.requested('DELETE'))

    def test_the_digest_is_asked_for_as_the_registry_keeps_it(self):
        self.hold({'glance/a': {'v1': 'sha256:1'}})
        registry.Registry(URL).delete('glance/a')
        accepted = [headers['Accept'] for method, _, headers, _
                    in self.server.seen if method == 'HEAD']
        self.assertEqual([V2 + ', ' + OCI], accepted)

    def test_an_unknown_repository_has_nothing_to_delete(self):
        self.assertEqual(0, registry.Registry(URL).delete('glance/gone'))
        self.assertEqual(['glance/gone/tags/list'], self.server.requested())

    def test_tags_and_manifests_that_went_meanwhile_are_passed_over(self):
        # Another prune, or a push, between this one's reads and deletes.
        self.hold({'glance/a': {'v1': 'sha256:1', 'v2': 'sha256:2',
                                'v3': 'sha256:3'}})
        self.server.answers[('HEAD', 'glance/a/manifests/v2')] = (404,)
        self.server.answers[('DELETE', 'glance/a/manifests/sha256:3')] = (
            404, {'errors': [{'code': 'MANIFEST_UNKNOWN'}]})
        self.assertEqual(3, registry.Registry(URL).delete('glance/a'))
        self.assertEqual(['glance/a/manifests/sha256:1',
                          'glance/a/manifests/sha256:3'],
                         self.server.requested('DELETE'))

    # A proxy in front of the registry, or a registry of another kind,
    # may answer without the digest: one repository fails, not the prune.
    def test_an_answer_without_the_digest_is_a_registry_error(self):
        self.hold({'glance/a': {'v1': 'sha256:1'}})
        self.server.answers[('HEAD', 'glance/a/manifests/v1')] = (200,)
        error = self.assertRaises(registry.RegistryError,
                                  registry.Registry(URL).delete, 'glance/a')
        self.assertEqual('HEAD %s/v2/glance/a/manifests/v1: the answer names '
                         'no Docker-Content-Digest' % URL, str(error))
        self.assertEqual([], self.server.requested('DELETE'))

    def test_a_registry_that_does_not_allow_deletes_says_how_to(self):
        self.hold({'glance/a': {'v1': 'sha256:1'}})
        self.server.deletes_enabled = False
        error = self.assertRaises(registry.RegistryError,
                                  registry.Registry(URL).delete, 'glance/a')
        self.assertEqual('the registry at %s/v2/ does not allow deletes '
                         '(storage: delete: enabled: true in its '
                         'configuration)' % URL, str(error))

    def test_a_405_to_anything_but_a_delete_is_a_plain_refusal(self):
        self.server.answers[('GET', 'a/tags/list')] = (405, b'no')
        error = self.assertRaises(registry.RegistryError,
                                  registry.Registry(URL).tags, 'a')
        self.assertIn('HTTP 405 no', str(error))

    def test_refusals_while_deleting_are_registry_errors(self):
        self.hold({'glance/a': {'v1': 'sha256:1'}})
        for answers, expected in [
                ({('HEAD', 'glance/a/manifests/v1'): (401,)},
                 'HEAD %s/v2/glance/a/manifests/v1: HTTP 401 ' % URL),
                ({('DELETE', 'glance/a/manifests/sha256:1'): (500, b'full')},
                 'DELETE %s/v2/glance/a/manifests/sha256:1: HTTP 500 full'
                 % URL),
                ({('DELETE', 'glance/a/manifests/sha256:1'):
                  requests.ConnectionError('reset')},
                 'DELETE %s/v2/glance/a/manifests/sha256:1: reset' % URL)]:
            self.server.answers = answers
            error = self.assertRaises(registry.RegistryError,
                                      registry.Registry(URL).delete,
                                      'glance/a')
            self.assertEqual(expected, str(error))
        self.assertEqual({'v1': 'sha256:1'},
                         self.server.repositories['glance/a'])


class SessionTest(RegistryTestCase):

    def setUp(self):
        super().setUp()
        # requests takes a CA bundle from these when verify is True.
        for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
            self.useFixture(fixtures.EnvironmentVariable(name))

    def transport(self):
        """The one request's headers and transport keywords."""
        (_, _, headers, kwargs), = self.server.seen
        return headers, kwargs

    def test_defaults_verify_tls_without_credentials(self):
        registry.Registry(URL + '/').tags('a')
        headers, kwargs = self.transport()
        self.assertEqual(['a/tags/list'], self.server.requested())
        self.assertEqual((True, 30), (kwargs['verify'], kwargs['timeout']))
        self.assertNotIn('Authorization', headers)

    def test_ca_bundle_credentials_and_timeout_reach_every_request(self):
        registry.Registry('https://registry.example', verify='/etc/ca.pem',
                          auth=('pruner', 's3cret'), timeout=5).tags('a')
        headers, kwargs = self.transport()
        self.assertEqual(('/etc/ca.pem', 5),
                         (kwargs['verify'], kwargs['timeout']))
        self.assertEqual('Basic ' + base64.b64encode(b'pruner:s3cret')
                         .decode(), headers['Authorization'])

    def test_the_ca_bundle_wins_over_the_environments(self):
        # requests lets $REQUESTS_CA_BUNDLE (or $CURL_CA_BUNDLE) override
        # a Session's verify (psf/requests#3829): --registry-cacert would
        # be ignored wherever either is set.
        self.useFixture(fixtures.EnvironmentVariable(
            'REQUESTS_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt'))
        registry.Registry('https://registry.example',
                          verify='/etc/ca.pem').tags('a')
        self.assertEqual('/etc/ca.pem', self.transport()[1]['verify'])
