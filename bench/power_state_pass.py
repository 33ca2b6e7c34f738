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

"""Engine API calls made by one power-state pass over N instances.

nova's periodic power-state sync calls get_info for every instance of the
host in turn. Target: a constant number of engine calls, not N.
"""

import argparse
from unittest import mock

import requests

from nova.virt import fake as fake_virt

from bench import common
from novadocker import driver
from tests.unit import fakes


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--instances', type=int, default=200)
    args = parser.parse_args()
    bench = common.Bench()
    try:
        instances = [fakes.instance() for _ in range(args.instances)]
        for instance in instances:
            bench.driver.spawn(None, instance, bench.image_meta, [], None,
                               {}, network_info=[], power_on=False)
        # A driver that did not create them, as after a nova-compute
        # restart: the spawning driver would inspect each once, fresh.
        observer = driver.DockerDriver(fake_virt.FakeVirtAPI())
        observer.init_host(bench.host)
        real_send = requests.Session.send
        calls = []

        def counting_send(session, request, **kwargs):
            calls.append(request.path_url)
            return real_send(session, request, **kwargs)

        with mock.patch.object(requests.Session, 'send', counting_send):
            states = [observer.get_info(i).state for i in instances]
    finally:
        bench.close()
    print('power-state pass over %d instances: %d engine API call(s) '
          '(%s), %d states read (target: constant, not N)' % (
              args.instances, len(calls), ', '.join(sorted(set(
                  c.split('?')[0] for c in calls))), len(states)))


if __name__ == '__main__':
    main()
