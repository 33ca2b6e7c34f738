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

"""Every driver operation against the real Docker engine."""

import time

import fixtures

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception as nova_exception

from novadocker import driver
from novadocker import exception
from novadocker import spec
from tests.integration import base
from tests.unit import fakes


class SpawnTest(base.DriverTestCase):

    def test_spawn_runs_container_shaped_by_flavor(self):
        instance = self.spawn(flavor=fakes.flavor(memory_mb=96, vcpus=1,
                                                  swap=32))
        details = self.inspect(instance)
        config = details['HostConfig']
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(96 * 1024 * 1024, config['Memory'])
        self.assertEqual(128 * 1024 * 1024, config['MemorySwap'])
        self.assertEqual(1024, config['CpuShares'])
        self.assertEqual(100000, config['CpuQuota'])
        self.assertEqual(1024, config['PidsLimit'])
        self.assertEqual('web1', details['Config']['Hostname'])
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)

    def test_spawn_is_hardened(self):
        details = self.inspect(self.spawn(metadata={'privileged': 'true'}))
        config = details['HostConfig']
        self.assertFalse(config['Privileged'])
        self.assertEqual(sorted(['AUDIT_WRITE', 'MKNOD', 'NET_RAW']),
                         sorted(config['CapDrop']))
        self.assertIn('no-new-privileges:true', config['SecurityOpt'])
        self.assertEqual('none', config['NetworkMode'])
        self.assertEqual('private', config['IpcMode'])
        self.assertFalse(config['PidMode'])
        self.assertEqual([], details['Mounts'])

    def test_flavor_with_more_vcpus_than_host_cores_boots(self):
        cores = self.client.info()['NCPU']
        instance = self.spawn(flavor=fakes.flavor(vcpus=cores + 2))
        config = self.inspect(instance)['HostConfig']
        self.assertEqual(cores * 100000, config['CpuQuota'])
        self.assertEqual((cores + 2) * 1024, config['CpuShares'])
        self.assertEqual('running', self.docker_state(instance))

    def test_spawn_powered_off(self):
        instance = self.spawn(power_on=False)
        self.assertEqual('created', self.docker_state(instance))
        self.assertEqual(power_state.SHUTDOWN,
                         self.driver.get_info(instance).state)

    def test_failed_start_leaves_no_container(self):
        instance = fakes.instance()
        error = self.assertRaises(exception.EngineError, self.driver.spawn,
                                  self.context, instance,
                                  self.glance_image('broken'), [], None, {},
                                  network_info=[])
        self.assertIn('/bin/missing', error.format_message())
        self.assertFalse(self.driver.instance_exists(instance))
        self.assertEqual([], self.client.containers(
            all=True, filters={'name': spec.container_name(instance.uuid)}))

    def test_a_rollback_step_that_fails_is_logged_and_the_cause_raised(self):
        instance = fakes.instance()
        logs = self.useFixture(fixtures.FakeLogger(level='ERROR'))
        self.useFixture(fixtures.MockPatchObject(
            self.driver._engine, 'remove',
            side_effect=exception.EngineError(operation='remove',
                                              reason='engine busy')))
        error = self.assertRaises(exception.EngineError, self.driver.spawn,
                                  self.context, instance,
                                  self.glance_image('broken'), [], None, {},
                                  network_info=[])
        self.assertIn('/bin/missing', error.format_message())
        self.assertIn('Could not undo a failed operation: removing its '
                      'container failed: ', logs.output)
        self.assertIn('engine busy', logs.output)

    def test_wrong_container_format_is_refused_before_anything_exists(self):
        instance = fakes.instance()
        meta = fakes.image_meta(container_format='bare')
        error = self.assertRaises(nova_exception.ImageUnacceptable,
                                  self.driver.spawn, self.context, instance,
                                  meta, [], None, {}, network_info=[])
        self.assertIn('container_format=docker', error.format_message())
        self.assertEqual([], self.driver.list_instance_uuids())

    def test_image_unknown_to_glance(self):
        self.assertRaises(nova_exception.ImageNotFound, self.driver.spawn,
                          self.context, fakes.instance(), fakes.image_meta(),
                          [], None, {}, network_info=[])
        self.assertEqual([], self.driver.list_instance_uuids())

    def test_volumes_and_ephemeral_disks_are_refused(self):
        volume = {'block_device_mapping': [{
            'mount_device': '/dev/vda', 'boot_index': 0,
            'connection_info': {'driver_volume_type': 'iscsi'}}]}
        ephemeral = {'ephemerals': [{'device_name': '/dev/vdb', 'size': 1,
                                     'guest_format': None}]}
        for block_device_info, counts in ((volume, '1 volume(s) and 0'),
                                          (ephemeral, '0 volume(s) and 1')):
            error = self.assertRaises(
                exception.BlockDevicesNotSupported, self.driver.spawn,
                self.context, fakes.instance(), self.glance_image(), [],
                None, {}, network_info=[],
                block_device_info=block_device_info)
            self.assertIn(counts, error.format_message())
        self.assertEqual([], self.driver.list_instance_uuids())
        # The flavor's swap is the container's swap, not a refused disk.
        self.driver.spawn(self.context, fakes.instance(), self.glance_image(),
                          [], None, {}, network_info=[], block_device_info={
                              'swap': {'swap_size': 64,
                                       'device_name': '/dev/vdc'}})

    def test_second_spawn_of_same_instance_keeps_the_first(self):
        instance = self.spawn()
        started = self.inspect(instance)['State']['StartedAt']
        self.assertRaises(nova_exception.InstanceExists, self.driver.spawn,
                          None, instance, self.glance_image(), [], None, {},
                          network_info=[])
        details = self.inspect(instance)
        self.assertEqual('running', details['State']['Status'])
        self.assertEqual(started, details['State']['StartedAt'])


class PowerTest(base.DriverTestCase):

    def _started_at(self, instance):
        return self.inspect(instance)['State']['StartedAt']

    def _console(self, instance):
        return self.driver.get_console_output(None, instance).encode(
            'latin-1')

    def _wait_for_starts(self, instance, count, timeout=10):
        """Wait until the console shows the main process started ``count``
        times (it prints a moment after the engine reports it running)."""
        deadline = time.monotonic() + timeout
        while self._console(instance).count(b'started') < count:
            if time.monotonic() > deadline:
                self.fail('console shows %d starts, not %d: %r' % (
                    self._console(instance).count(b'started'), count,
                    self._console(instance)))
            time.sleep(0.05)

    def test_soft_reboot_stops_gracefully_and_restarts_the_process(self):
        instance = self.spawn()
        self._wait_for_starts(instance, 1)
        before = self._started_at(instance)
        self.driver.reboot(None, instance, [], 'SOFT')
        details = self.inspect(instance)
        self.assertEqual('running', details['State']['Status'])
        self.assertNotEqual(before, details['State']['StartedAt'])
        self._wait_for_starts(instance, 2)

    def test_hard_reboot_kills_and_restarts_the_process(self):
        instance = self.spawn('stubborn')
        self._wait_for_starts(instance, 1)
        before = self._started_at(instance)
        self.driver.reboot(None, instance, [], 'HARD')
        self.assertEqual('running', self.docker_state(instance))
        self.assertNotEqual(before, self._started_at(instance))
        self._wait_for_starts(instance, 2)

    def test_hard_reboot_of_paused_and_stopped_instances(self):
        instance = self.spawn()
        self.driver.pause(instance)
        self.driver.reboot(None, instance, [], 'HARD')
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)
        self.driver.power_off(instance, timeout=5)
        self.driver.reboot(None, instance, [], 'HARD')
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)

    def test_clean_power_off_lets_the_process_exit(self):
        instance = self.spawn()
        self.driver.power_off(instance, timeout=30)
        details = self.inspect(instance)
        self.assertEqual('exited', details['State']['Status'])
        self.assertEqual(0, details['State']['ExitCode'])
        self.assertEqual(power_state.SHUTDOWN,
                         self.driver.get_info(instance).state)

    def test_power_off_kills_after_the_timeout(self):
        instance = self.spawn('stubborn')
        self.driver.power_off(instance, timeout=1)
        details = self.inspect(instance)
        self.assertEqual('exited', details['State']['Status'])
        self.assertEqual(137, details['State']['ExitCode'])

    def test_power_on(self):
        instance = self.spawn()
        self.driver.power_off(instance, timeout=10)
        self.driver.power_on(None, instance, [])
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)

    def test_pause_freezes_and_unpause_thaws(self):
        instance = self.spawn()
        self.driver.pause(instance)
        self.assertTrue(self.inspect(instance)['State']['Paused'])
        self.assertEqual(power_state.PAUSED,
                         self.driver.get_info(instance).state)
        self.driver.unpause(instance)
        self.assertEqual('running', self.docker_state(instance))
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)

    def test_suspend_keeps_processes_frozen_and_resume_continues_them(self):
        instance = self.spawn()
        self._wait_for_starts(instance, 1)
        pid = self.inspect(instance)['State']['Pid']
        instance.task_state = task_states.SUSPENDING
        self.driver.suspend(None, instance)
        instance.vm_state, instance.task_state = vm_states.SUSPENDED, None
        self.assertTrue(self.inspect(instance)['State']['Paused'])
        self.assertEqual(power_state.SUSPENDED,
                         self.driver.get_info(instance).state)
        instance.task_state = task_states.RESUMING
        self.driver.resume(None, instance, [])
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)
        # The same process goes on: resume is not a reboot.
        self.assertEqual(pid, self.inspect(instance)['State']['Pid'])
        self.assertEqual(1, self._console(instance).count(b'started'))

    def test_unpause_and_resume_of_a_running_instance_do_nothing(self):
        instance = self.spawn()
        started = self.inspect(instance)['State']['StartedAt']
        self.driver.unpause(instance)
        self.driver.resume(None, instance, [])
        self.assertEqual('running', self.docker_state(instance))
        self.assertEqual(started, self.inspect(instance)['State']['StartedAt'])

    def test_soft_delete_and_restore(self):
        instance = self.spawn()
        self.driver.soft_delete(instance)
        self.assertEqual('exited', self.docker_state(instance))
        self.driver.restore(instance)
        self.assertEqual('running', self.docker_state(instance))

    def test_resume_state_on_host_boot(self):
        stopped = self.spawn()
        self.driver.power_off(stopped, timeout=10)
        paused = self.spawn()
        self.driver.pause(paused)
        running = self.spawn()
        for instance in (stopped, paused, running):
            self.driver.resume_state_on_host_boot(None, instance, [], None)
            self.assertEqual('running', self.docker_state(instance))

    def test_a_reboot_left_unfinished_is_finished(self):
        stopped = self.spawn()
        # As a hard reboot whose start never came.
        self.client.kill(spec.container_name(stopped.uuid))
        self.client.wait(spec.container_name(stopped.uuid))
        running = self.spawn()
        started = self.inspect(running)['State']['StartedAt']
        self.driver.poll_rebooting_instances(60, [stopped, running])
        self.assertEqual('running', self.docker_state(stopped))
        self.assertEqual(started, self.inspect(running)['State']['StartedAt'])

    def test_power_state_follows_changes_behind_novas_back(self):
        instance = self.spawn()
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)
        self.client.stop(spec.container_name(instance.uuid), timeout=10)
        self.assertEqual(power_state.SHUTDOWN,
                         self.driver.get_info(instance, use_cache=False).state)


class DestroyTest(base.DriverTestCase):

    def test_destroy_removes_container_and_is_idempotent(self):
        instance = self.spawn()
        self.driver.destroy(None, instance, [])
        self.assertEqual([], self.client.containers(
            all=True, filters={'name': spec.container_name(instance.uuid)}))
        self.driver.destroy(None, instance, [])
        self.assertFalse(self.driver.instance_exists(instance))
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.get_info, instance)

    def test_destroy_of_paused_and_stopped_instances(self):
        paused = self.spawn()
        self.driver.pause(paused)
        stopped = self.spawn(power_on=False)
        for instance in (paused, stopped):
            self.driver.destroy(None, instance, [])
            self.assertFalse(self.driver.instance_exists(instance))

    def test_destroy_keeping_disks_then_cleanup(self):
        instance = self.spawn()
        self.driver.destroy(None, instance, [], destroy_disks=False)
        self.assertEqual('exited', self.docker_state(instance))
        self.driver.cleanup(None, instance, [])
        self.assertFalse(self.driver.instance_exists(instance))

    def test_operations_on_a_missing_instance(self):
        instance = fakes.instance()
        for operation in (self.driver.pause, self.driver.unpause,
                          self.driver.restore, self.driver.soft_delete):
            self.assertRaises(nova_exception.InstanceNotFound, operation,
                              instance)
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.reboot, None, instance, [], 'HARD')
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.get_console_output, None, instance)


class ObservationTest(base.DriverTestCase):

    def test_console_output_is_the_log_tail_bounded(self):
        instance = self.spawn('chatty')
        output = self.wait_for_console(instance, b'last-line')
        self.assertLessEqual(len(output), driver.MAX_CONSOLE_BYTES)
        self.assertGreater(len(output), driver.MAX_CONSOLE_BYTES - 200)
        self.assertTrue(output.endswith(b'last-line\n'))
        self.assertNotIn(b'line 0 of', output)
        # A str, whose latin-1 encoding (nova's manager's) is the log's
        # bytes.
        text = self.driver.get_console_output(None, instance)
        self.assertIsInstance(text, str)
        logs = self.client.logs(spec.container_name(instance.uuid))
        self.assertEqual(logs[-len(text):], text.encode('latin-1'))

    def test_instance_diagnostics(self):
        instance = self.spawn(flavor=fakes.flavor(memory_mb=80))
        diags = self.driver.get_instance_diagnostics(instance)
        self.assertEqual('running', diags.state)
        self.assertEqual('docker', diags.hypervisor)
        self.assertEqual(80, diags.memory_details.maximum)
        self.assertGreater(diags.num_cpus, 0)
        self.assertGreaterEqual(diags.uptime, 0)
        # Before microversion 2.48 the API shows a flat dictionary.
        legacy = self.driver.get_diagnostics(instance)
        self.assertEqual(80 * 1024, legacy['memory'])
        self.assertIn('cpu0_time', legacy)

    def test_host_facts(self):
        self.assertIn('load average', self.driver.get_host_uptime())
        stats = self.driver.get_host_cpu_stats()
        self.assertEqual({'kernel', 'idle', 'user', 'iowait', 'frequency'},
                         set(stats))
        self.assertGreater(stats['idle'], 0)
        self.flags.config(my_ip='192.0.2.10')
        self.assertEqual('192.0.2.10', self.driver.get_host_ip_addr())
