"""Tempest's compute API tests against the sandbox: the README's subset.

The peer's own proof: the original nova-docker's gate ran Tempest's compute
API tests against devstack. ``tools/tempest.sh`` runs them against a real
sandbox (keystone, RabbitMQ, nova's services as separate processes, the
real engine); the full run is its own documented command, this test runs
the representative subset (``--subset``).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import testtools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class TempestTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        directory = tempfile.mkdtemp(prefix='nova-docker-tempest-test-')
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        self.env = dict(
            os.environ, NOVA_DOCKER_SANDBOX_DIR=os.path.join(directory, 's'),
            OS_CLIENT_CONFIG_FILE=os.path.join(directory, 'clouds.yaml'))

    def run_command(self, args, timeout):
        return subprocess.run(args, env=self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT)

    def test_compute_api_subset_passes(self):
        sandbox = os.path.join(sys.prefix, 'bin', 'nova-docker-sandbox')
        up = self.run_command([sandbox, 'up'], 300)
        self.addCleanup(self.run_command, [sandbox, 'down'], 300)
        self.assertEqual(0, up.returncode, up.stderr)
        result = self.run_command(['bash', 'tools/tempest.sh', '--subset'],
                                  1800)
        totals = re.search(r'(?m)^(\d+) passed, (\d+) failed, (\d+) skipped$',
                           result.stdout)
        self.assertIsNotNone(totals, result.stdout[-3000:] + result.stderr)
        passed, failed, _ = map(int, totals.groups())
        self.assertEqual((0, 0), (failed, result.returncode),
                         result.stdout[-6000:])
        self.assertGreater(passed, 50)
