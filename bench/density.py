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

"""Density: one host with --instances (default 200) servers.

- nova-compute's memory per server: this process's resident set after
  spawning them (the instances' nova objects made beforehand, so only what
  the driver holds counts), over the count;
- the driver's part of one update_available_resource (the periodic task's
  get_available_resource and update_provider_tree) and of one power-state
  sync pass (get_num_instances, then get_info of every instance, from a
  driver that did not spawn them, as after a nova-compute restart): time
  and engine API calls, at a tenth of the servers and at all of them.
  Target: the calls constant, not growing with the servers.

The servers run the test image, networkless, spawned from a pool of
threads as nova-compute's builds would be; all are removed at the end.
"""

import argparse
import concurrent.futures
import gc
import time
from unittest import mock

import requests

from nova.compute import provider_tree
from nova.virt import fake as fake_virt

from bench import common
from novadocker import driver
from tests.unit import fakes


def _rss_kib():
    gc.collect()
    return common.rss_bytes() // 1024


def _engine_calls(func):
    """(seconds, engine API paths called) of ``func()``."""
    real_send = requests.Session.send
    calls = []

    def counting_send(session, request, **kwargs):
        calls.append(request.path_url.split('?')[0])
        return real_send(session, request, **kwargs)

    with mock.patch.object(requests.Session, 'send', counting_send):
        start = time.perf_counter()
        func()
        return time.perf_counter() - start, calls


def _resource_update(drv, host):
    tree = provider_tree.ProviderTree()
    tree.new_root(host, host)
    drv.get_available_resource(host)
    drv.update_provider_tree(tree, host)


def _power_state_pass(drv, instances):
    drv.get_num_instances()
    for instance in instances:
        drv.get_info(instance)


def _passes(bench, instances):
    """Lines of the two periodic passes over ``instances``."""
    observer = driver.DockerDriver(fake_virt.FakeVirtAPI())
    observer.init_host(bench.host)
    lines = []
    for name, func in (
            ('update_available_resource', lambda: _resource_update(
                observer, bench.host)),
            ('power-state sync pass', lambda: _power_state_pass(
                observer, instances))):
        elapsed, calls = _engine_calls(func)
        lines.append('  %s: %.1f ms, %d engine API call(s) (%s)' % (
            name, elapsed * 1000, len(calls), ', '.join(sorted(set(calls)))))
    return lines


def _spawn_all(bench, instances, threads):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda instance: bench.driver.spawn(
            None, instance, bench.image_meta, [], None, {},
            network_info=[]), instances))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--instances', type=int, default=200)
    # nova-compute's default [DEFAULT] max_concurrent_builds.
    parser.add_argument('--threads', type=int, default=10)
    args = parser.parse_args()
    bench = common.Bench()
    instances = [fakes.instance() for _ in range(args.instances)]
    tenth = instances[:max(1, args.instances // 10)]
    try:
        # Warm: the first spawn loads what every later one shares.
        _spawn_all(bench, tenth[:1], 1)
        before = _rss_kib()
        _spawn_all(bench, tenth[1:], args.threads)
        few = _passes(bench, tenth)
        _spawn_all(bench, instances[len(tenth):], args.threads)
        growth = _rss_kib() - before
        many = _passes(bench, instances)
    finally:
        bench.close()
    print('%d servers on one host: this process grew %.1f MiB, %.1f KiB '
          'per server' % (args.instances, growth / 1024,
                          growth / (args.instances - 1)))
    print('at %d servers:' % len(tenth))
    print('\n'.join(few))
    print('at %d servers (target: as many engine calls):' % args.instances)
    print('\n'.join(many))


if __name__ == '__main__':
    main()
