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

"""Hosts: sharing an engine, moving servers between hosts, restarting
nova-compute, power-state sync."""

import uuid

import fixtures

from nova import context

from novadocker import driver
from novadocker import engine
from novadocker import spec
from tests.functional import base


class TwoHostsTest(base.DockerTestCase):

    def setUp(self):
        # Two nova-compute services in one process would share nova's
        # on-disk node identity; give each node its own, as separate
        # processes would have.
        real = driver.DockerDriver.get_available_resource

        def own_node_uuid(drv, nodename):
            resources = real(drv, nodename)
            resources['uuid'] = str(uuid.uuid5(uuid.NAMESPACE_DNS, nodename))
            return resources

        self.useFixture(fixtures.MockPatchObject(
            driver.DockerDriver, 'get_available_resource', own_node_uuid))
        super().setUp()

    def test_servers_spread_and_each_host_lists_only_its_own(self):
        self.start_compute()
        first, second = self.boot(), self.boot()
        hosts = {s['id']: s['OS-EXT-SRV-ATTR:host'] for s in (first, second)}
        self.assertEqual(set(self.hosts), set(hosts.values()))
        for server_id, host in hosts.items():
            self.assertEqual(
                [server_id],
                self.computes[host].manager.driver.list_instance_uuids())
            container = self.docker.inspect_container(
                spec.container_name(server_id))
            self.assertEqual(host,
                             container['Config']['Labels'][spec.LABEL_HOST])

    def test_migrate_to_the_other_host_and_confirm(self):
        self.start_compute()
        server = self.boot()
        source = server['OS-EXT-SRV-ATTR:host']
        server = self._migrate_server(server)
        target = server['OS-EXT-SRV-ATTR:host']
        self.assertNotEqual(source, target)
        self.assertEqual(
            target, self.container(server)['Config']['Labels'][
                spec.LABEL_HOST])
        self.assertEqual(
            [server['id']],
            self.computes[target].manager.driver.list_instance_uuids())
        self.assertEqual(
            [], self.computes[source].manager.driver.list_instance_uuids())
        self._confirm_resize(server)
        self.assertEqual([], self.docker.containers(all=True, filters={
            'name': spec.resize_container_name(server['id'])}))


class RestartTest(base.DockerTestCase):

    def _restart(self):
        host = self.hosts[0]
        self.computes[host] = self.restart_compute_service(
            self.computes[host], keep_hypervisor_state=False)
        return self.computes[host]

    def test_containers_keep_running_and_their_state_across_restart(self):
        running, paused, stopped = self.boot(), self.boot(), self.boot()
        self.api.post_server_action(paused['id'], {'pause': None})
        self._wait_for_state_change(paused, 'PAUSED')
        self._stop_server(stopped)
        before = {s['id']: self.container(s)['State']
                  for s in (running, paused, stopped)}
        self._restart()
        for server, status in ((running, 'ACTIVE'), (paused, 'PAUSED'),
                               (stopped, 'SHUTOFF')):
            self.assertEqual(status, self._show_server(server)['status'])
            state = self.container(server)['State']
            self.assertEqual(before[server['id']]['Status'], state['Status'])
            self.assertEqual(before[server['id']]['StartedAt'],
                             state['StartedAt'])

    def test_host_boot_brings_running_servers_back(self):
        self.flags(resume_guests_state_on_host_boot=True)
        running, stopped = self.boot(), self.boot()
        self._stop_server(stopped)
        # A host reboot: the engine comes back with every container down.
        self.docker.kill(spec.container_name(running['id']))
        self._restart()
        self.assertEqual('running', self.container(running)['State']['Status'])
        self.assertEqual('ACTIVE', self._show_server(running)['status'])
        self.assertEqual('exited', self.container(stopped)['State']['Status'])
        self.assertEqual('SHUTOFF', self._show_server(stopped)['status'])


class PowerSyncTest(base.DockerTestCase):
    # The sync holds the instance's lock while it asks the API to stop the
    # server; run as a call, that stop would wait on the same lock.
    CAST_AS_CALL = False

    def test_container_stopped_behind_novas_back_shows_shutoff(self):
        server = self.boot()
        self.docker.stop(spec.container_name(server['id']), timeout=10)
        compute = self.computes[self.hosts[0]]
        # The engine listing that answers a sync pass may be a few
        # seconds old; nova's periodic runs every ten minutes.
        self.useFixture(fixtures.MockPatchObject(
            compute.manager.driver._states, '_max_age', 0))
        compute.manager._sync_power_states(context.get_admin_context())
        self._wait_for_state_change(server, 'SHUTOFF')
        self.assertEqual('exited', self.container(server)['State']['Status'])


class EngineLostTest(base.DockerTestCase):

    def setUp(self):
        super().setUp()
        self.host = self.hosts[0]
        self.compute = self.computes[self.host]
        self.lost = engine.Engine('unix:///run/nova-docker-test/lost.sock')
        # Connected once, as the host's engine was before it went away.
        self.lost._version = engine.MIN_API_VERSION

    def service(self):
        service, = self.admin_api.get_services(binary='nova-compute',
                                               host=self.host)
        return service

    def periodic(self, drv_engine=None):
        driver_engine = fixtures.MockPatchObject(
            self.compute.manager.driver, '_engine',
            drv_engine or self.compute.manager.driver._engine)
        with driver_engine:
            self.compute.manager.update_available_resource(
                context.get_admin_context())

    def test_service_disabled_while_the_engine_is_lost(self):
        self.periodic(self.lost)
        service = self.service()
        self.assertEqual('disabled', service['status'])
        self.assertTrue(service['disabled_reason'].startswith('AUTO: '))
        self.assertIn('Docker engine at unix:///run/nova-docker-test/'
                      'lost.sock is unavailable: no socket',
                      service['disabled_reason'])
        # The scheduler skips the host: no retries on a dead engine.
        server = self._create_server(image_uuid=self.image['id'],
                                     networks='none', expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.periodic()
        self.assertEqual('enabled', self.service()['status'])
        self.assertEqual('ACTIVE', self.boot()['status'])

    def test_service_an_operator_disabled_stays_disabled(self):
        self.admin_api.put_service(self.service()['id'], {
            'status': 'disabled', 'disabled_reason': 'maintenance'})
        self.periodic(self.lost)
        self.periodic()
        service = self.service()
        self.assertEqual(('disabled', 'maintenance'),
                         (service['status'], service['disabled_reason']))
