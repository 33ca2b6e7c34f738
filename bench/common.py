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

"""Shared set-up for benchmarks: a driver on the real engine, a test image."""

import statistics
import tempfile
import uuid

import docker

import nova.conf
from nova.virt import fake as fake_virt

from novadocker import driver
from novadocker import images
from novadocker import spec
from tests.integration import base
from tests.unit import fakes

CONF = nova.conf.CONF


class Bench:

    def __init__(self):
        CONF([], project='nova', default_config_files=[])
        self._records = tempfile.TemporaryDirectory(
            prefix='nova-docker-bench-records-')
        CONF.set_override('image_records_path', self._records.name, 'docker')
        CONF.set_override('registry_shared_secret', base.REGISTRY_SECRET,
                          'docker')
        self.host = 'bench-' + uuid.uuid4().hex[:8]
        self.client = docker.APIClient(base_url=CONF.docker.host_url,
                                       version='auto')
        self.driver = driver.DockerDriver(fake_virt.FakeVirtAPI())
        self.driver.init_host(self.host)
        self.image = base.test_image('server')
        self.image_meta = fakes.image_meta(checksum=uuid.uuid4().hex)
        self.reference = images.local_reference(
            images.registry_address(CONF.docker.registry_host,
                                    CONF.docker.docker_registry_default_port),
            self.image_meta)
        self.client.tag(self.image, *self.reference.rsplit(':', 1))
        # As if the driver had brought it in.
        self.driver._images.records.put(
            self.reference, self.client.inspect_image(self.image)['Id'])

    def close(self):
        for container in self.client.containers(
                all=True, filters={'label': spec.host_label_filter(
                    self.host)}):
            self.client.remove_container(container['Id'], force=True)
        self.client.remove_image(self.reference)
        self._records.cleanup()


def rss_bytes():
    """This process's resident set."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024


def ratios(ours, theirs):
    """The spread of our times over theirs, taken run by run."""
    return spread([a / b for a, b in zip(ours, theirs)], '')


def spread(samples, unit):
    """Median and range of ``samples``, for ratios measured run by run."""
    return '%.2f%s (%.2f-%.2f)' % (statistics.median(samples), unit,
                                   min(samples), max(samples))
