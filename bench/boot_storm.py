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

"""Boot storm: N servers in one API request, this driver against nova's
fake driver, through nova.

Each run builds nova's functional harness afresh (tests/functional/base.py:
nova's API, conductor, scheduler, placement and one nova-compute in this
process, a real glance-api) for one side, this driver or
fake.SmallFakeDriver (the one nova's own functional tests use), and times
one create request for --servers m1.tiny servers (min_count = max_count =
N: all enter nova at one instant, and are scheduled as one request) until
the API lists none in BUILD, polled every POLL seconds.

The sides differ only in compute_driver. Both keep RPC casts as casts (the
harness makes them calls by default), so that the request returns once the
servers are recorded and nova-compute builds them side by side,
max_concurrent_builds (10) at a time, as in a deployment; both take
allocation ratios of N, room for N m1.tiny on any host with a core, 512 MiB
and 1 GiB of disk; neither has quotas. Each harness uploads its own Glance
image, so this driver's storm includes bringing it into the engine once.

The runs alternate the sides, and which goes first; the ratio is taken run
by run. Target: ratio <= 1.25, no server in ERROR, none left in BUILD, and
with this driver a running container for every server.
"""

import argparse
import logging
import time
import unittest

from bench import common
from novadocker import spec
from tests.functional import base

DOCKER = 'docker.DockerDriver'
FAKE = 'fake.SmallFakeDriver'
TIMEOUT = 900
POLL = 0.5


class Storm(base.DockerTestCase):
    CAST_AS_CALL = False

    def __init__(self, driver, servers, found):
        super().__init__('test_storm')
        self.driver = driver
        self.servers = servers
        # nova's TestCase drops its public attributes once done.
        self._found = found

    def start_compute(self):
        ratio = float(self.servers)
        self.flags(compute_driver=self.driver, cpu_allocation_ratio=ratio,
                   ram_allocation_ratio=ratio, disk_allocation_ratio=ratio)
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        return super().start_compute()

    def test_storm(self):
        flavor, = [f for f in self.api.get_flavors() if f['name'] == 'm1.tiny']
        request = self._build_server(image_uuid=self.image['id'],
                                     flavor_id=flavor['id'], networks='none')
        request.update(min_count=self.servers, max_count=self.servers)
        start = time.perf_counter()
        self.api.post_server({'server': request})
        # Is any server still building? A detailed list of them all would
        # cost the builds more CPU the more servers there are.
        while (self.api.get_servers(detail=False, search_opts={
                'status': 'BUILD', 'limit': 1}) and
               time.perf_counter() - start < TIMEOUT):
            time.sleep(POLL)
        self._found['elapsed'] = time.perf_counter() - start
        servers = self.api.get_servers()
        self.assertEqual(self.servers, len(servers))
        self._found['statuses'] = [s['status'] for s in servers]
        running = {name.lstrip('/') for c in self.containers()
                   if c['State'] == 'running' for name in c['Names']}
        self._found['not_running'] = sum(
            spec.container_name(s['id']) not in running for s in servers)


def _storm(driver, servers):
    """The run's storm, its harness torn down; exits if it broke."""
    found = {}
    result = unittest.TestResult()
    Storm(driver, servers, found).run(result)
    for _, trace in result.errors + result.failures:
        raise SystemExit('%s storm failed:\n%s' % (driver, trace))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--servers', type=int, default=50)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    # nova.test logs to stdout, and each harness leaves the root logger at
    # DEBUG: keep the report to this bench's lines and warnings.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    storms = {DOCKER: [], FAKE: []}
    for run in range(args.runs):
        sides = [DOCKER, FAKE]
        if run % 2:
            sides.reverse()
        for driver in sides:
            storms[driver].append(_storm(driver, args.servers))
    times = {driver: [found['elapsed'] for found in runs]
             for driver, runs in storms.items()}
    print('boot storm of %d m1.tiny servers in one request, %d interleaved '
          'runs:' % (args.servers, args.runs))
    for driver in (DOCKER, FAKE):
        statuses = [s for found in storms[driver] for s in found['statuses']]
        print('  %s: %s; in ERROR %d, left in BUILD %d (target 0)' % (
            driver, common.spread(times[driver], 's'),
            statuses.count('ERROR'), statuses.count('BUILD')))
    print('  %s servers without a running container: %d (target 0)' % (
        DOCKER, sum(found['not_running'] for found in storms[DOCKER])))
    print('  ratio %s/%s %s (target <= 1.25)' % (
        DOCKER, FAKE, common.ratios(times[DOCKER], times[FAKE])))


if __name__ == '__main__':
    main()
