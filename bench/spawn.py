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

"""driver.spawn of a cached image against raw docker SDK create + start.

Both run in the same process against the same engine, interleaved, so the
ratio holds whatever the machine's speed. The raw container gets the same
networking as the driver's (none until Neutron ports are plugged): Docker's
bridge setup would otherwise dominate the difference. Target: ratio <= 1.10.
"""

import argparse
import time

from bench import common
from tests.unit import fakes


def _driver_spawn(bench):
    instance = fakes.instance()
    start = time.perf_counter()
    bench.driver.spawn(None, instance, bench.image_meta, [], None, {},
                       network_info=[])
    elapsed = time.perf_counter() - start
    bench.driver.destroy(None, instance, [])
    return elapsed


def _raw_create_start(bench):
    start = time.perf_counter()
    container = bench.client.create_container(
        bench.image, host_config=bench.client.create_host_config(
            network_mode='none'))
    bench.client.start(container['Id'])
    elapsed = time.perf_counter() - start
    bench.client.remove_container(container['Id'], force=True)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--runs', type=int, default=20)
    args = parser.parse_args()
    bench = common.Bench()
    driver_times, raw_times = [], []
    try:
        for run in range(args.runs + 2):
            # Alternate which side goes first so neither always meets an
            # engine still busy removing the other's container.
            sides = [_driver_spawn, _raw_create_start]
            if run % 2:
                sides.reverse()
            elapsed = {side: side(bench) for side in sides}
            if run >= 2:  # the first runs warm caches on both sides
                driver_times.append(elapsed[_driver_spawn])
                raw_times.append(elapsed[_raw_create_start])
    finally:
        bench.close()
    driver_ms = common.median_ms(driver_times)
    raw_ms = common.median_ms(raw_times)
    print('spawn, median of %d: driver %.1f ms, raw SDK create+start %.1f ms, '
          'ratio %.3f (target <= 1.10)' % (args.runs, driver_ms, raw_ms,
                                           driver_ms / raw_ms))


if __name__ == '__main__':
    main()
