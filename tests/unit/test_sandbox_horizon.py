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

"""The sandbox's dashboard settings and its once-per-virtualenv static
files, without Horizon installed."""

import os

import fixtures
import testtools

from novadocker_sandbox import config
from novadocker_sandbox import horizon
from novadocker_sandbox import procs


class HorizonConfigureTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        root = self.useFixture(fixtures.TempDir()).path
        self.venv = os.path.join(root, 'venv')
        self.state = os.path.join(root, 'state')
        self.site = os.path.join(self.venv, 'lib', 'python3.11',
                                 'site-packages')
        for name in ('horizon-27.0.0.dist-info', 'Django-5.2.8.dist-info'):
            os.makedirs(os.path.join(self.site, name))
        os.makedirs(horizon.static_root(self.venv))
        self.commands = []
        self.useFixture(fixtures.MockPatchObject(
            procs, 'run', lambda argv, what, env=None: self.commands.append(
                (argv[1], env['PYTHONPATH']))))

    def test_static_files_are_collected_once_per_horizon(self):
        horizon.configure(self.venv, self.state)
        settings_path = os.path.join(self.state, 'horizon')
        self.assertEqual([('collectstatic', settings_path),
                          ('compress', settings_path)], self.commands)
        horizon.configure(self.venv, self.state)
        self.assertEqual(2, len(self.commands))
        # Another Horizon in the virtualenv: its files are collected again.
        os.rename(os.path.join(self.site, 'horizon-27.0.0.dist-info'),
                  os.path.join(self.site, 'horizon-27.1.0.dist-info'))
        horizon.configure(self.venv, self.state)
        self.assertEqual(4, len(self.commands))

    def test_a_failed_collection_is_done_again(self):
        def fail_compress(argv, what, env=None):
            self.commands.append(argv[1])
            if self.commands == ['collectstatic', 'compress']:
                raise RuntimeError('compress failed')
        self.useFixture(fixtures.MockPatchObject(procs, 'run',
                                                 fail_compress))
        self.assertRaises(RuntimeError, horizon.configure, self.venv,
                          self.state)
        horizon.configure(self.venv, self.state)
        self.assertEqual(['collectstatic', 'compress'] * 2, self.commands)

    def test_settings_run_in_production_mode_on_loopback(self):
        horizon.configure(self.venv, self.state)
        settings = {}
        with open(os.path.join(self.state, 'horizon', 'local',
                               'local_settings.py')) as f:
            exec(f.read(), settings)
        self.assertFalse(settings['DEBUG'])
        self.assertEqual(config.passwords(self.state)['horizon'],
                         settings['SECRET_KEY'])
        self.assertEqual(['127.0.0.1', 'localhost'],
                         settings['ALLOWED_HOSTS'])
        self.assertEqual('http://127.0.0.1:5000/v3',
                         settings['OPENSTACK_KEYSTONE_URL'])
        self.assertEqual(horizon.static_root(self.venv),
                         settings['STATIC_ROOT'])
        self.assertTrue(settings['CACHES']['default']['LOCATION'].startswith(
            self.state))
        self.assertIn(('docker', 'Docker'),
                      settings['OPENSTACK_IMAGE_BACKEND']['image_formats'])
