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
bridge setup would otherwise dominate the difference. One at a time
(target: ratio <= 1.10), then --concurrent (default 20) at once, from as
many threads as nova-compute's builds would use, against as many raw
create+start from threads (target: ratio <= 1.15).
"""

import argparse
import concurrent.futures
import time

from bench import common
from tests.unit import fakes


# Each side returns when its container was running and how to remove it:
# removals run after the timing, so that none competes with a spawn.
def _driver_spawn(bench):
    instance = fakes.instance()
    bench.driver.spawn(None, instance, bench.image_meta, [], None, {},
                       network_info=[])
    return time.perf_counter(), lambda: bench.driver.destroy(None, instance,
                                                             [])


def _raw_create_start(bench):
    container = bench.client.create_container(
        bench.image, host_config=bench.client.create_host_config(
            network_mode='none'))
    bench.client.start(container['Id'])
    return time.perf_counter(), lambda: bench.client.remove_container(
        container['Id'], force=True)


def _at_once(side, bench, count):
    """Seconds from starting ``count`` calls of ``side`` together until
    the last of their containers runs."""
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        start = time.perf_counter()
        done = [f.result() for f in [pool.submit(side, bench)
                                     for _ in range(count)]]
        elapsed = max(running for running, _ in done) - start
        list(pool.map(lambda remove: remove(), [r for _, r in done]))
    return elapsed


def _interleaved(runs, measure):
    """(driver times, raw times) of ``runs`` runs after two warm-up runs,
    alternating which side goes first so neither always meets an engine
    still busy removing the other's containers."""
    driver_times, raw_times = [], []
    for run in range(runs + 2):
        sides = [_driver_spawn, _raw_create_start]
        if run % 2:
            sides.reverse()
        elapsed = {side: measure(side) for side in sides}
        if run >= 2:
            driver_times.append(elapsed[_driver_spawn])
            raw_times.append(elapsed[_raw_create_start])
    return driver_times, raw_times


def _ms(times):
    return common.spread([t * 1000 for t in times], ' ms')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--concurrent', type=int, default=20)
    parser.add_argument('--concurrent-runs', type=int, default=5)
    args = parser.parse_args()
    bench = common.Bench()
    try:
        one = _interleaved(args.runs, lambda side: _at_once(side, bench, 1))
        many = _interleaved(args.concurrent_runs, lambda side: _at_once(
            side, bench, args.concurrent))
    finally:
        bench.close()
    for (count, runs, target), (driver_times, raw_times) in (
            ((1, args.runs, '1.10'), one),
            ((args.concurrent, args.concurrent_runs, '1.15'), many)):
        print('%d spawn(s) at once, %d runs: driver %s, raw SDK '
              'create+start %s, ratio %s (target <= %s)' % (
                  count, runs, _ms(driver_times), _ms(raw_times),
                  common.ratios(driver_times, raw_times),
                  target))


if __name__ == '__main__':
    main()
