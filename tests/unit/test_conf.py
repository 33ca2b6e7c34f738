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

import os
import subprocess
import sys
import tempfile

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from novadocker import conf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class ConfTest(testtools.TestCase):

    def _conf(self, text):
        path = os.path.join(self.useFixture(
            fixtures.TempDir()).path, 'nova.conf')
        with open(path, 'w') as f:
            f.write(text)
        config = cfg.ConfigOpts()
        conf.register_opts(config)
        config([], default_config_files=[path])
        return config

    def test_defaults(self):
        config = self.useFixture(config_fixture.Config(cfg.ConfigOpts())).conf
        conf.register_opts(config)
        self.assertEqual('unix:///var/run/docker.sock',
                         config.docker.host_url)
        self.assertEqual(5042, config.docker.docker_registry_default_port)
        self.assertEqual('127.0.0.1', config.docker.registry_host)
        self.assertFalse(config.docker.privileged)
        self.assertTrue(config.docker.no_new_privileges)

    def test_registry_port_under_default_is_still_read(self):
        config = self._conf('[DEFAULT]\ndocker_registry_default_port = 5999\n')
        self.assertEqual(5999, config.docker.docker_registry_default_port)

    def test_pids_are_always_limited(self):
        config = self._conf('[docker]\npids_limit = 0\n')
        self.assertRaises(cfg.ConfigFileValueError,
                          lambda: config.docker.pids_limit)

    def test_sample_config_is_generated_and_current(self):
        sample = os.path.join(ROOT, 'etc', 'nova-docker.conf.sample')
        with tempfile.NamedTemporaryFile('r') as generated:
            subprocess.run(
                [sys.executable, '-m', 'oslo_config.generator',
                 '--config-file',
                 os.path.join(ROOT, 'etc',
                              'nova-docker-config-generator.conf'),
                 '--output-file', generated.name], check=True, cwd=ROOT)
            with open(sample) as committed:
                self.assertEqual(committed.read(), generated.read(),
                                 'run "tox -e genconfig" and commit the '
                                 'sample')
