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

"""The registry's own HTTP API, for what the engine cannot ask of it.

The engine pulls and pushes; listing what a registry holds and deleting it
takes the registry's v2 API. Deleting needs ``storage: delete: enabled:
true`` in the registry's configuration, and frees disk only at its next
``garbage-collect``.
"""

import requests

# What a HEAD of a manifest must accept to report the digest the registry
# keeps it under (otherwise it converts and reports another).
MANIFEST_TYPES = ', '.join((
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.oci.image.manifest.v1+json'))


class RegistryError(Exception):
    """The registry refused or could not answer."""


class Registry:

    def __init__(self, url, verify=True, auth=None, timeout=30):
        self._url = url.rstrip('/') + '/v2/'
        self._session = requests.Session()
        self._session.verify = verify
        self._session.auth = auth
        self._timeout = timeout

    def _request(self, method, path, **kwargs):
        try:
            # verify on each request: requests lets REQUESTS_CA_BUNDLE and
            # CURL_CA_BUNDLE override a session's.
            response = self._session.request(
                method, self._url + path, timeout=self._timeout,
                verify=self._session.verify, **kwargs)
        except requests.RequestException as e:
            raise RegistryError('%s %s: %s' % (method, self._url + path, e))
        if response.status_code == 405 and method == 'DELETE':
            raise RegistryError('the registry at %s does not allow deletes '
                                '(storage: delete: enabled: true in its '
                                'configuration)' % self._url)
        return response

    def _ok(self, response):
        if not response.ok:
            raise RegistryError('%s %s: HTTP %d %s' % (
                response.request.method, response.url, response.status_code,
                response.text[:200]))
        return response

    def _json(self, response):
        """An answer's JSON; what is not (a proxy's login page at the
        registry's address) is the registry's error."""
        try:
            return self._ok(response).json()
        except ValueError as e:
            raise RegistryError('%s %s: not a registry\'s answer: %s' % (
                response.request.method, response.url, e)) from e

    def _digest(self, response):
        digest = response.headers.get('Docker-Content-Digest')
        if not digest:
            raise RegistryError('%s %s: the answer names no '
                                'Docker-Content-Digest' % (
                                    response.request.method, response.url))
        return digest

    def repositories(self, prefix=''):
        """Every repository whose name starts with ``prefix``."""
        path = '_catalog?n=1000'
        while path:
            response = self._request('GET', path)
            for name in self._json(response).get('repositories') or ():
                if name.startswith(prefix):
                    yield name
            # The next page, as the registry links it: /v2/_catalog?...
            path = response.links.get('next', {}).get('url', '')
            path = path.split('/v2/', 1)[-1] if path else ''

    def tags(self, repository):
        response = self._request('GET', '%s/tags/list' % repository)
        if response.status_code == 404:
            return []
        return self._json(response).get('tags') or []

    def delete(self, repository):
        """Delete every manifest ``repository`` holds; the number of tags
        that named them."""
        tags = self.tags(repository)
        digests = set()
        for tag in tags:
            response = self._request(
                'HEAD', '%s/manifests/%s' % (repository, tag),
                headers={'Accept': MANIFEST_TYPES})
            if response.status_code != 404:
                digests.add(self._digest(self._ok(response)))
        for digest in sorted(digests):
            response = self._request('DELETE', '%s/manifests/%s' % (
                repository, digest))
            if response.status_code != 404:
                self._ok(response)
        return len(tags)
