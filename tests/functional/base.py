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

"""nova's own services in-process, driving the Docker driver for real.

nova's functional harness (it ships in nova's wheel) runs the compute API,
conductor, scheduler, placement and nova-compute in one process. The
Docker engine and the registry are the real ones, and so is Glance:
nova's GlanceFixture keeps no image data, so a real glance-api
(tests/glance.py) takes its place.
"""

import contextlib
import os
import sys

import docker
import fixtures
from keystoneauth1 import session as ks_session
from oslo_utils import uuidutils

from nova.tests import fixtures as nova_fixtures
from nova.tests.functional import integrated_helpers

from novadocker import spec
from tests import glance
from tests.integration import base as integration


class RealGlance(fixtures.Fixture):
    """Stands where nova's GlanceFixture would: a real glance-api."""

    def __init__(self, test):
        super().__init__()
        self.test = test

    def _setUp(self):
        self.server = glance.server()
        self.useFixture(nova_fixtures.ConfPatcher(
            group='glance', api_servers=[self.server.endpoint]))
        # No keystone here: nova talks to glance-api without a token.
        session = ks_session.Session()
        self.useFixture(fixtures.MockPatch(
            'nova.image.glance._session_and_auth',
            lambda context: (session, None)))

    def upload(self, data, **fields):
        # Without tokens nova only sees public images.
        fields.setdefault('visibility', 'public')
        image = self.server.create(data=data, **fields)
        self.test.addCleanup(self.server.delete, image['id'])
        return image


class DockerTestCase(integrated_helpers._IntegratedTestBase):
    microversion = 'latest'
    ADMIN_API = True

    def setUp(self):
        self.useFixture(fixtures.MockPatch(
            'nova.tests.fixtures.GlanceFixture', RealGlance))
        self.docker = docker.APIClient(version='auto')
        self.hosts = []
        super().setUp()
        self.addCleanup(self._remove_leftovers)
        self.image = self.upload(b''.join(self.docker.get_image(
            integration.test_image())))

    def _setup_compute_service(self):
        self.flags(compute_driver='docker.DockerDriver')
        self.flags(image_records_path=self.useFixture(
            fixtures.TempDir()).path, group='docker')
        self.flags(registry_shared_secret=integration.REGISTRY_SECRET,
                   group='docker')
        # The wheel installs api-paste.ini under the environment's etc/.
        self.flags(api_paste_config=os.path.join(
            sys.prefix, 'etc', 'nova', 'api-paste.ini'), group='wsgi')
        return self.start_compute()

    def start_compute(self):
        # Host names of their own: other tests share the engine.
        host = 'compute-' + uuidutils.generate_uuid()[:8]
        self.hosts.append(host)
        return self._start_compute(host)

    def upload(self, data, **fields):
        fields.setdefault('name', 'image ' + uuidutils.generate_uuid()[:8])
        image = self.glance.upload(data, **fields)
        self.addCleanup(self._forget_image, image['id'])
        return image

    def _forget_image(self, image_id):
        # Containers first: an image a container still uses outlives its
        # tags as a nameless image.
        self._remove_leftovers()
        for name in integration.glance_references(self.docker, image_id,
                                                  digests=True):
            with contextlib.suppress(docker.errors.NotFound):
                self.docker.remove_image(name, force=True)

    def _remove_leftovers(self):
        for container in self.containers(holders=True):
            self.docker.remove_container(container['Id'], force=True, v=True)

    def containers(self, host=None, holders=False):
        """This test's containers, in any state; with ``holders``, their
        network namespace holders too."""
        labels = [spec.host_label_filter] + (
            [spec.netns_host_label_filter] if holders else [])
        return [c for h in ([host] if host else self.hosts)
                for label in labels
                for c in self.docker.containers(
                    all=True, filters={'label': label(h)})]

    def container(self, server):
        return self.docker.inspect_container(
            spec.container_name(server['id']))

    def boot(self, image=None, **kwargs):
        return self._create_server(
            image_uuid=(image or self.image)['id'], networks='none',
            **kwargs)
