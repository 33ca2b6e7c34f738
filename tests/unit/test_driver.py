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

"""DockerDriver's orchestration over the shared fake engine: no root, no
engine, no network. tests/integration runs the same operations for real."""

import contextlib
import os
from unittest import mock

import fixtures
from oslo_config import fixture as config_fixture
from oslo_serialization import jsonutils
import testtools

from nova.compute import power_state
from nova.compute import task_states
import nova.conf
from nova import context as nova_context
from nova import exception as nova_exception
from nova.network import model as network_model
from nova import objects

from novadocker import driver
from novadocker import exception
from novadocker import images
from novadocker import spec
from tests import fake_engine
from tests.unit import fakes

CONF = nova.conf.CONF
HOST = 'host-a'
IMAGE_REF = 'f0f0f0f0-0000-4000-8000-000000000001'


class FakeVirtAPI:
    """nova's VirtAPI: events arrive at once, or never (``timeout``)."""

    def __init__(self):
        self.awaited = []
        self.timeout = False

    @contextlib.contextmanager
    def wait_for_instance_event(self, instance, events, timeout=None,
                                error_callback=None):
        self.awaited.append(list(events))
        yield
        if self.timeout:
            raise nova_exception.InstanceEventTimeout()


class DriverTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.engine = fake_engine.FakeEngine()
        self.useFixture(fixtures.MockPatch(
            'novadocker.driver.docker_engine.Engine',
            return_value=self.engine))
        self.glance = self.useFixture(fixtures.MockPatch(
            'novadocker.driver.glance.API')).mock.return_value
        self.useFixture(fixtures.MockPatch(
            'novadocker.driver.os_vif.initialize'))
        self.service = self.useFixture(fixtures.MockPatch(
            'novadocker.driver.servicestatus.ServiceStatus')
        ).mock.return_value
        # The host's side of ports and rescue mounts needs root: the
        # driver's calls are recorded; check_supported stays real.
        for name in ('plug', 'unplug', 'attach', 'remove_leftovers'):
            setattr(self, name, self.useFixture(fixtures.MockPatch(
                'novadocker.driver.vifs.' + name)).mock)
        self.mount = self.useFixture(fixtures.MockPatch(
            'novadocker.driver.rescue.mount')).mock
        self.unmount = self.useFixture(fixtures.MockPatch(
            'novadocker.driver.rescue.unmount')).mock
        self.logs = self.useFixture(fixtures.FakeLogger(level='INFO'))
        tmp = self.useFixture(fixtures.TempDir()).path
        busybox = os.path.join(tmp, 'busybox')
        with open(busybox, 'wb') as f:
            f.write(b'\x7fELF not really')
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.conf.config(host=HOST, instances_path=tmp,
                         vif_plugging_timeout=300)
        self.conf.config(group='docker', netns_busybox=busybox,
                         image_records_path=os.path.join(tmp, 'records'),
                         registry_shared_secret='s3cret')
        self.virtapi = FakeVirtAPI()
        self.driver = driver.DockerDriver(self.virtapi)
        self.driver.init_host(HOST)
        self.context = nova_context.RequestContext('user', 'project',
                                                   is_admin=False)

    # --- helpers ---------------------------------------------------------

    def image(self, **kwargs):
        """A Glance image this host already holds."""
        meta = fakes.image_meta(**kwargs)
        reference = images.local_reference(self.driver._images.registry,
                                           meta)
        image_id = self.engine.add_image(reference)
        self.driver._images.records.put(reference, image_id)
        return meta

    def spawn(self, instance=None, network_info=None, power_on=True,
              **kwargs):
        instance = instance or fakes.instance(**kwargs)
        self.driver.spawn(self.context, instance, self.image(), [], None,
                          {}, network_info=network_info, power_on=power_on)
        return instance

    def container(self, instance):
        return self.engine.container(spec.container_name(instance.uuid))

    def holder(self, instance):
        return self.engine.container(spec.netns_container_name(instance.uuid))

    def status(self, instance):
        return self.container(instance).status

    def names(self):
        return sorted(self.engine.containers_by_name)


class HostTest(DriverTestCase):

    def test_init_host_connects_and_checks_the_engine(self):
        self.assertIn(('connect',), self.engine.calls)
        self.service.engine_answers.assert_called_with()
        self.assertIn('Root disks are not enforced on this host',
                      self.logs.output)
        self.assertIn(self.engine.quota_refusal, self.logs.output)

    def test_without_a_secret_nothing_is_shared_and_it_says_so(self):
        self.conf.config(group='docker', registry_shared_secret='')
        driver.DockerDriver(self.virtapi).init_host(HOST)
        self.assertIn('registry_shared_secret is not set', self.logs.output)

    def test_a_host_whose_engine_caps_disks_uses_it(self):
        self.engine.quota_refusal = None
        subject = driver.DockerDriver(self.virtapi)
        subject.init_host(HOST)
        self.assertTrue(subject._security_policy().root_disk_quota)
        self.conf.config(group='docker', root_disk_quota=False)
        subject.init_host(HOST)
        self.assertFalse(subject._security_policy().root_disk_quota)

    def test_a_lost_engine_disables_the_service(self):
        self.engine.fail_on('info', exception.EngineUnavailable(
            url=fake_engine.URL, reason='connection refused'))
        self.assertRaises(exception.EngineUnavailable,
                          self.driver.get_available_resource, HOST)
        self.service.engine_lost.assert_called_once_with(
            'Docker engine at %s is unavailable: connection refused'
            % fake_engine.URL)

    def test_resources_and_inventory(self):
        resources = self.driver.get_available_resource(HOST)
        self.assertEqual((4, 8192, 'docker'), (
            resources['vcpus'], resources['memory_mb'],
            resources['hypervisor_type']))
        self.assertEqual([HOST], self.driver.get_available_nodes())
        tree = mock.Mock()
        tree.data.return_value.inventory = {}
        self.driver.update_provider_tree(tree, HOST)
        inventory = tree.update_inventory.call_args.args[1]
        self.assertEqual(4, inventory['VCPU']['total'])

    def test_orphan_namespace_holders_are_reaped(self):
        mine = fakes.instance()
        self.spawn(mine, network_info=[fakes.vif()])
        orphan = 'a0a0a0a0-0000-4000-8000-000000000000'
        self.engine.put_container(
            spec.netns_container_name(orphan),
            {spec.LABEL_NETNS_OF: orphan, spec.LABEL_NETNS_HOST: HOST})
        # Another host's holder on a shared engine is not this host's.
        other = 'b0b0b0b0-0000-4000-8000-000000000000'
        self.engine.put_container(
            spec.netns_container_name(other),
            {spec.LABEL_NETNS_OF: other, spec.LABEL_NETNS_HOST: 'host-b'})
        self.driver.get_available_resource(HOST)
        self.assertIsNone(self.engine.container(
            spec.netns_container_name(orphan)))
        self.remove_leftovers.assert_called_once_with(orphan)
        self.assertIsNotNone(self.holder(mine))
        self.assertIsNotNone(self.engine.container(
            spec.netns_container_name(other)))
        self.assertIn('Removed the network namespace holder of instance %s'
                      % orphan, self.logs.output)

    def test_host_facts(self):
        self.conf.config(my_ip='192.0.2.7')
        self.assertEqual('192.0.2.7', self.driver.get_host_ip_addr())
        self.assertIn('load average', self.driver.get_host_uptime())
        self.assertIn('kernel', self.driver.get_host_cpu_stats())


class InventoryTest(DriverTestCase):

    def test_only_this_hosts_instance_containers_are_listed(self):
        mine = self.spawn(hostname='mine')
        self.engine.put_container('made-by-hand', {})
        theirs = 'c0c0c0c0-0000-4000-8000-000000000000'
        self.engine.put_container(spec.container_name(theirs), {
            spec.LABEL_UUID: theirs, spec.LABEL_HOST: 'host-b',
            spec.LABEL_NAME: 'theirs'})
        # A container waiting for a resize is not the instance.
        self.engine.put_container(spec.resize_container_name(mine.uuid), {
            spec.LABEL_UUID: mine.uuid, spec.LABEL_HOST: HOST,
            spec.LABEL_NAME: mine.name})
        self.assertEqual([mine.uuid], self.driver.list_instance_uuids())
        self.assertEqual([mine.name], self.driver.list_instances())
        self.assertTrue(self.driver.instance_exists(mine))
        self.assertFalse(self.driver.instance_exists(
            fakes.instance(uuid=theirs)))

    def test_power_states(self):
        instance = self.spawn()
        self.assertEqual(power_state.RUNNING,
                         self.driver.get_info(instance).state)
        for change, expected in (
                (self.driver.pause, power_state.PAUSED),
                (self.driver.unpause, power_state.RUNNING),
                (self.driver.power_off, power_state.SHUTDOWN)):
            change(instance)
            self.assertEqual(expected, self.driver.get_info(
                instance, use_cache=False).state)
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.get_info, fakes.instance())


class SpawnTest(DriverTestCase):

    def test_spawn_creates_and_starts_the_container(self):
        instance = self.spawn()
        container = self.container(instance)
        self.assertEqual('running', container.status)
        self.assertEqual(instance.uuid, container.labels[spec.LABEL_UUID])
        self.assertEqual(HOST, container.labels[spec.LABEL_HOST])
        self.assertEqual(instance.flavor.memory_mb * 1024 ** 2,
                         container.spec.host_config['mem_limit'])
        self.assertIn('Created container %s' % container.name,
                      self.logs.output)

    def test_power_on_false_leaves_it_created(self):
        self.assertEqual('created', self.status(self.spawn(power_on=False)))

    def test_ports_are_plugged_into_a_namespace_holder_first(self):
        vif = fakes.vif(active=False)
        instance = self.spawn(network_info=[vif])
        holder = self.holder(instance)
        self.assertEqual('running', holder.status)
        self.assertEqual(holder.pid, self.plug.call_args.args[0])
        self.assertEqual(
            'container:' + holder.name,
            self.container(instance).spec.host_config['network_mode'])
        self.assertEqual([[('network-vif-plugged', vif['id'])]],
                         self.virtapi.awaited)

    def test_neutron_never_answering(self):
        self.virtapi.timeout = True
        self.assertRaises(nova_exception.VirtualInterfaceCreateException,
                          self.spawn, network_info=[fakes.vif(active=False)])
        self.assertEqual([], self.names())
        self.conf.config(vif_plugging_is_fatal=False)
        self.assertEqual('running', self.status(self.spawn(
            network_info=[fakes.vif(active=False)])))

    def test_an_existing_instance_is_left_untouched(self):
        instance = self.spawn()
        before = self.container(instance)
        self.assertRaises(nova_exception.InstanceExists, self.spawn,
                          instance)
        self.assertIs(before, self.container(instance))
        self.assertEqual('running', before.status)

    def test_a_failed_start_leaves_nothing(self):
        self.engine.fail_on('start')
        instance = fakes.instance()
        self.assertRaises(exception.EngineError, self.spawn, instance,
                          network_info=[fakes.vif()])
        self.assertEqual([], self.names())
        self.unplug.assert_called_once()

    def test_a_rollback_step_that_fails_is_logged_and_the_rest_done(self):
        self.engine.fail_on('create')
        self.engine.fail_on('remove', exception.EngineError(
            operation='remove', reason='device busy'))
        self.assertRaises(exception.EngineError, self.spawn,
                          network_info=[fakes.vif()])
        self.assertIn('Could not undo a failed operation: removing its '
                      'container failed: Docker engine refused remove: '
                      'device busy', self.logs.output)
        # The holder's removal failed too; the ports were still unplugged.
        self.unplug.assert_called_once()

    def test_volumes_and_ephemeral_disks_are_refused(self):
        instance = fakes.instance()
        raised = self.assertRaises(
            exception.BlockDevicesNotSupported, self.driver.spawn,
            self.context, instance, self.image(), [], None, {},
            block_device_info={'block_device_mapping': [{'x': 1}],
                               'ephemerals': []})
        self.assertIn('1 volume(s) and 0 ephemeral disk(s)',
                      raised.format_message())
        self.assertEqual([], self.names())

    def test_unsupported_port_types_are_refused_first(self):
        self.assertRaises(exception.VifTypeNotSupported, self.spawn,
                          network_info=[fakes.vif(vif_type='vhostuser')])
        self.assertEqual([], self.engine.called('create'))


class LifecycleTest(DriverTestCase):

    def setUp(self):
        super().setUp()
        self.instance = self.spawn(network_info=[fakes.vif()])
        self.name = spec.container_name(self.instance.uuid)
        del self.engine.calls[:]

    def changes(self):
        return [call for call in self.engine.calls
                if call[0] not in ('inspect', 'containers')]

    def test_soft_reboot_restarts(self):
        self.driver.reboot(self.context, self.instance, [], 'SOFT')
        self.assertEqual([('restart', self.name, CONF.docker.stop_timeout)],
                         self.changes())

    def test_hard_reboot_kills_and_starts_with_the_ports(self):
        network_info = [fakes.vif()]
        self.driver.reboot(self.context, self.instance, network_info, 'HARD')
        self.assertEqual([('kill', self.name), ('start', self.name)],
                         self.changes())
        self.assertTrue(self.plug.call_args.kwargs['again'] is False)

    def test_power_off_and_on(self):
        self.driver.power_off(self.instance, timeout=7)
        self.assertEqual([('stop', self.name, 7)], self.changes())
        self.driver.power_on(self.context, self.instance, [])
        self.assertEqual('running', self.status(self.instance))

    def test_suspend_and_resume_freeze_and_thaw(self):
        self.driver.suspend(self.context, self.instance)
        self.assertEqual('paused', self.status(self.instance))
        self.driver.resume(self.context, self.instance, [])
        self.assertEqual('running', self.status(self.instance))
        # Unpausing what runs is done already.
        self.driver.unpause(self.instance)
        self.assertEqual(1, len(self.engine.called('unpause')))

    def test_unpause_of_a_missing_instance(self):
        self.assertRaises(nova_exception.InstanceNotFound,
                          self.driver.unpause, fakes.instance())

    def test_soft_delete_and_restore(self):
        self.driver.soft_delete(self.instance)
        self.assertEqual('exited', self.status(self.instance))
        self.driver.restore(self.instance)
        self.assertEqual('running', self.status(self.instance))

    def test_restore_after_an_engine_restart_plugs_the_ports_again(self):
        network_info = network_model.NetworkInfo([fakes.vif()])
        self.instance.info_cache = objects.InstanceInfoCache(
            network_info=network_info)
        self.driver.soft_delete(self.instance)
        self.holder(self.instance).status = 'exited'
        self.driver.restore(self.instance)
        self.assertEqual('running', self.holder(self.instance).status)
        self.assertEqual(network_info, self.plug.call_args.args[1])

    def test_host_boot_brings_each_state_back(self):
        for before, call in (('paused', 'unpause'), ('exited', 'start'),
                             ('running', None)):
            self.container(self.instance).status = before
            del self.engine.calls[:]
            self.driver.resume_state_on_host_boot(
                self.context, self.instance, [], None)
            self.assertEqual([call] if call else [],
                             [c[0] for c in self.changes()], before)
            self.assertEqual('running', self.status(self.instance))

    def test_reboots_that_did_not_finish_are_finished(self):
        self.instance.info_cache = None
        self.container(self.instance).status = 'exited'
        running = self.spawn()
        del self.engine.calls[:]
        self.driver.poll_rebooting_instances(60, [self.instance, running])
        self.assertEqual('running', self.status(self.instance))
        self.assertEqual([(self.name,)], self.engine.called('start'))
        self.assertIn('Starting the container of a reboot that did not '
                      'finish within 60 seconds', self.logs.output)

    def test_destroy_removes_container_holder_and_ports(self):
        network_info = [fakes.vif()]
        self.driver.destroy(self.context, self.instance, network_info)
        self.assertEqual([], self.names())
        self.unplug.assert_called_with(network_info, self.instance)
        self.assertIn('Removed container %s' % self.name, self.logs.output)
        # Again: nothing there is no error.
        self.driver.destroy(self.context, self.instance, network_info)

    def test_cleanup_keeping_disks_keeps_the_container(self):
        self.driver.cleanup(self.context, self.instance, [],
                            destroy_disks=False)
        self.assertEqual([self.name], self.names())

    def test_a_missing_container_is_instance_not_found(self):
        self.engine.remove(self.name)
        for operation in (self.driver.pause, self.driver.power_off,
                          self.driver.soft_delete, self.driver.restore):
            self.assertRaises(nova_exception.InstanceNotFound, operation,
                              self.instance)


class ObservingTest(DriverTestCase):

    def setUp(self):
        super().setUp()
        self.instance = self.spawn()
        self.name = spec.container_name(self.instance.uuid)

    def test_console_output_is_the_logs_tail_as_latin1(self):
        self.container(self.instance).logs = b'hello \xff\n'
        self.assertEqual('hello \xff\n', self.driver.get_console_output(
            self.context, self.instance))

    def test_serial_console_needs_a_running_container(self):
        arm = self.useFixture(fixtures.MockPatchObject(
            self.driver._consoles, 'arm', return_value=10000)).mock
        self.conf.config(group='serial_console',
                         proxyclient_address='127.0.0.9')
        console = self.driver.get_serial_console(self.context, self.instance)
        self.assertEqual(('127.0.0.9', 10000), (console.host, console.port))
        arm.assert_called_once_with(self.instance.uuid, self.name)
        self.driver.power_off(self.instance)
        self.assertRaises(nova_exception.InstanceNotReady,
                          self.driver.get_serial_console, self.context,
                          self.instance)

    def test_admin_password_through_chpasswd(self):
        self.driver.set_admin_password(self.instance, 'pa:ss')
        self.assertEqual([(self.name, ('chpasswd',), b'root:pa:ss\n')],
                         self.engine.called('exec_input'))
        self.assertIn('Set the admin password', self.logs.output)

    def test_admin_password_failures(self):
        for result, error in (
                ((127, b'chpasswd: not found'),
                 nova_exception.SetAdminPasswdNotSupported),
                ((1, b'chpasswd: bad'), exception.PasswordNotSet)):
            self.engine.exec_result = result
            self.assertRaises(error, self.driver.set_admin_password,
                              self.instance, 'x')
        self.engine.fail_on('exec_input')
        self.assertRaises(nova_exception.SetAdminPasswdNotSupported,
                          self.driver.set_admin_password, self.instance, 'x')

    def test_diagnostics(self):
        diags = self.driver.get_instance_diagnostics(self.instance)
        self.assertEqual(('docker', 64), (
            diags.hypervisor, diags.memory_details.maximum))
        legacy = self.driver.get_diagnostics(self.instance)
        self.assertEqual((100, 200), (legacy['cpu0_time'],
                                      legacy['cpu1_time']))


class InterfacesTest(DriverTestCase):

    def test_attach_to_a_server_without_ports_is_refused(self):
        instance = self.spawn()
        self.assertRaises(exception.AttachNeedsPorts,
                          self.driver.attach_interface, self.context,
                          instance, None, fakes.vif())

    def test_attach_into_the_holders_namespace(self):
        instance = self.spawn(network_info=[fakes.vif()])
        vif = fakes.vif()
        self.driver.attach_interface(self.context, instance, None, vif)
        self.attach.assert_called_once_with(self.holder(instance).pid, vif,
                                            instance)
        self.driver.detach_interface(self.context, instance, vif)
        self.unplug.assert_called_with([vif], instance)

    def test_attach_while_the_holder_is_down_waits_for_power_on(self):
        instance = self.spawn(network_info=[fakes.vif()])
        self.holder(instance).status = 'exited'
        vif = fakes.vif()
        self.driver.attach_interface(self.context, instance, None, vif)
        self.attach.assert_not_called()
        self.assertIn('will be plugged at the next power on',
                      self.logs.output)

    def test_plug_vifs_restarts_a_stopped_holder(self):
        network_info = [fakes.vif()]
        instance = self.spawn(network_info=network_info)
        self.holder(instance).status = 'exited'
        self.driver.plug_vifs(instance, network_info)
        self.assertEqual('running', self.holder(instance).status)
        self.assertTrue(self.plug.call_args.kwargs['again'])
        self.driver.plug_vifs(instance, [])

    def test_plug_vifs_failure_is_the_instances_alone(self):
        instance = self.spawn(network_info=[fakes.vif()])
        self.plug.side_effect = exception.VifPlugFailed(
            port_id='p', bridge='br', reason='no such bridge')
        raised = self.assertRaises(
            nova_exception.VirtualInterfacePlugException,
            self.driver.plug_vifs, instance, [fakes.vif()])
        self.assertIn('no such bridge', str(raised))


class SnapshotTest(DriverTestCase):

    def setUp(self):
        super().setUp()
        self.publish = self.useFixture(fixtures.MockPatchObject(
            self.driver._images, 'publish')).mock
        self.states = []

    def update_task_state(self, task_state, expected_state=None):
        self.states.append(task_state)

    def snapshot(self, instance):
        self.driver.snapshot(self.context, instance, 'snap-id',
                             self.update_task_state)

    def test_a_running_server_is_paused_only_to_commit(self):
        instance = self.spawn()
        self.snapshot(instance)
        (name, reference, pause), = self.engine.called('commit')
        self.assertEqual((spec.container_name(instance.uuid), True),
                         (name, pause))
        self.assertIn('snap-id', reference)
        self.publish.call_args.kwargs['uploading']()
        self.assertEqual([task_states.IMAGE_PENDING_UPLOAD,
                          task_states.IMAGE_UPLOADING], self.states)

    def test_a_stopped_or_paused_server_is_not_paused_again(self):
        for stop in (self.driver.power_off, self.driver.pause):
            instance = self.spawn()
            stop(instance)
            self.snapshot(instance)
            self.assertFalse(self.engine.called('commit')[-1][2])

    def test_nothing_to_snapshot(self):
        self.assertRaises(nova_exception.InstanceNotRunning, self.snapshot,
                          fakes.instance())


class MoveTest(DriverTestCase):

    def setUp(self):
        super().setUp()
        self.instance = self.spawn(image_ref=IMAGE_REF)
        self.name = spec.container_name(self.instance.uuid)
        self.waiting = spec.resize_container_name(self.instance.uuid)

    def migrate(self, network_info=()):
        return self.driver.migrate_disk_and_power_off(
            self.context, self.instance, 'host-b', fakes.flavor(),
            list(network_info))

    def finish(self, disk_info, network_info=()):
        self.instance.flavor = fakes.flavor(memory_mb=128)
        self.driver.finish_migration(
            self.context, None, self.instance, disk_info,
            list(network_info), None, True, {})

    def test_resize_commits_renames_and_creates_again(self):
        disk_info = self.migrate()
        moving = jsonutils.loads(disk_info)['image']
        self.assertEqual(self.driver._images.move_reference(self.instance),
                         moving)
        self.assertEqual('exited', self.engine.container(self.waiting).status)
        self.assertIsNone(self.container(self.instance))
        self.finish(disk_info)
        self.assertEqual(self.engine.tags[moving],
                         self.container(self.instance).image)
        self.assertEqual(128 * 1024 ** 2, self.container(
            self.instance).spec.host_config['mem_limit'])
        self.driver.confirm_migration(self.context, None, self.instance, [])
        self.assertEqual([self.name], self.names())

    def test_a_waiting_container_left_by_an_earlier_move_goes(self):
        self.engine.put_container(self.waiting, {}, status='exited')
        self.migrate()
        self.assertIn('Removed %s, left by an earlier move' % self.waiting,
                      self.logs.output)

    def test_revert_without_ports_renames_the_old_container_back(self):
        old = self.container(self.instance)
        self.finish(self.migrate())
        self.driver.finish_revert_migration(self.context, self.instance, [],
                                            None)
        self.assertIs(old, self.container(self.instance))
        self.assertEqual('running', old.status)
        self.assertEqual([self.name], self.names())
        # A second revert finds nothing waiting and keeps what runs.
        self.driver.finish_revert_migration(self.context, self.instance, [],
                                            None)
        self.assertIn('No %s to return to' % self.waiting, self.logs.output)

    def test_revert_with_ports_creates_it_again_from_the_commit(self):
        network_info = [fakes.vif()]
        self.finish(self.migrate(network_info), network_info)
        self.driver.finish_revert_migration(self.context, self.instance,
                                            network_info, None)
        self.assertEqual(self.engine.tags[self.driver._images.move_reference(
            self.instance)], self.container(self.instance).image)
        self.assertIsNone(self.engine.container(self.waiting))
        self.assertEqual('running', self.holder(self.instance).status)

    def test_what_a_failed_move_left_is_removed(self):
        self.migrate()
        self.assertTrue(self.driver.delete_instance_files(self.instance))
        self.assertIsNone(self.engine.container(self.waiting))


class RescueTest(DriverTestCase):

    def setUp(self):
        super().setUp()
        self.instance = self.spawn()
        self.name = spec.container_name(self.instance.uuid)
        self.rescued = spec.rescued_container_name(self.instance.uuid)

    def rescue(self):
        self.driver.rescue(self.context, self.instance, [], self.image(),
                           'pw', None, None)

    def test_rescue_and_unrescue(self):
        own = self.container(self.instance)
        self.rescue()
        self.assertEqual('exited', self.engine.container(self.rescued).status)
        rescuer = self.container(self.instance)
        self.assertEqual('running', rescuer.status)
        self.assertEqual('upper-' + self.name,
                         self.mount.call_args.kwargs['layer'])
        self.driver.unrescue(self.context, self.instance)
        self.assertIs(own, self.container(self.instance))
        self.assertEqual('running', own.status)
        self.unmount.assert_called_once()
        self.assertEqual([self.name], self.names())

    def test_only_overlay2_can_be_rescued(self):
        self.useFixture(fixtures.MockPatchObject(
            self.engine, 'layers', return_value=mock.Mock(
                storage_driver='btrfs')))
        raised = self.assertRaises(nova_exception.InstanceNotRescuable,
                                   self.rescue)
        self.assertIn('stores containers with btrfs', str(raised))

    def test_a_failed_rescue_puts_the_instance_back(self):
        own = self.container(self.instance)
        self.mount.side_effect = OSError('mount failed')
        self.assertRaises(OSError, self.rescue)
        self.assertIs(own, self.container(self.instance))
        self.assertEqual('running', own.status)
        self.assertEqual([self.name], self.names())

    def test_destroy_of_a_rescued_instance_removes_both(self):
        self.rescue()
        self.driver.destroy(self.context, self.instance, [])
        self.assertEqual([], self.names())


class ImageCacheTest(DriverTestCase):

    def test_unused_images_go_when_nova_says_so(self):
        remove = self.useFixture(fixtures.MockPatchObject(
            self.driver._images, 'remove_unused')).mock
        self.conf.config(group='image_cache',
                         remove_unused_base_images=False)
        self.driver.manage_image_cache(self.context, [])
        remove.assert_not_called()
        self.conf.config(group='image_cache',
                         remove_unused_base_images=True)
        self.driver.manage_image_cache(self.context, [fakes.instance(
            image_ref=IMAGE_REF)])
        self.assertEqual({IMAGE_REF}, remove.call_args.args[0])

    def test_cache_image_of_an_image_already_here(self):
        meta = self.image()
        self.glance.get.return_value = {
            'id': meta.id, 'name': 'n', 'container_format': 'docker',
            'disk_format': 'raw', 'properties': {}}
        self.assertFalse(self.driver.cache_image(self.context, meta.id))
