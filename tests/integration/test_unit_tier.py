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

"""The unit tier as a gate's unit job runs it, kept honest: without any
privilege, engine or service, and covering the driver package."""

import os
import re
import subprocess
import sys

import fixtures
import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# What `tox -e py3` fails under too (tox.ini).
MINIMUM_COVERAGE = 90

# Run inside new mount and network namespaces: an empty /run hides the
# engine's socket (/var/run is a link to it), the new network holds only
# its own loopback (tests may talk to themselves), and every capability
# is dropped before the tests start.
JAIL = ('ip link set lo up && mount -t tmpfs none /run && '
        'exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs '
        '-- "$@"')


class UnitTierTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('building the jail needs root')
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _jailed(self, *argv):
        env = dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='True',
                   COVERAGE_FILE=os.path.join(self.tmp, 'coverage'))
        return subprocess.run(
            ['unshare', '--mount', '--net', '--', 'sh', '-c', JAIL, 'jail',
             sys.executable] + list(argv), cwd=ROOT, env=env, text=True,
            capture_output=True, timeout=600)

    def test_the_jail_holds(self):
        probe = self._jailed('-c', (
            'import os, socket\n'
            'print(os.path.exists("/var/run/docker.sock"))\n'
            's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n'))
        self.assertEqual('False', probe.stdout.strip(), probe.stderr)
        self.assertIn('PermissionError', probe.stderr)

    def test_runs_jailed_and_covers_the_driver_package(self):
        run = self._jailed('-m', 'coverage', 'run', '--source', 'novadocker',
                           '-m', 'testtools.run', 'discover', '-s',
                           'tests/unit', '-t', '.')
        self.addDetail('unit tier', testtools.content.text_content(
            run.stdout[-4000:] + run.stderr[-8000:]))
        self.assertEqual(0, run.returncode)
        self.assertRegex(run.stderr + run.stdout, r'\nOK\b')
        report = subprocess.run(
            [sys.executable, '-m', 'coverage', 'report'], cwd=ROOT,
            env=dict(os.environ, COVERAGE_FILE=os.path.join(self.tmp,
                                                            'coverage')),
            text=True, capture_output=True, check=True).stdout
        self.addDetail('coverage', testtools.content.text_content(report))
        total = int(re.search(r'(?m)^TOTAL\s.*\s(\d+)%$', report).group(1))
        self.assertGreaterEqual(total, MINIMUM_COVERAGE, report)
