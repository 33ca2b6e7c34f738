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

import dataclasses

import testtools

from oslo_utils import units

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states

from novadocker import engine
from novadocker import spec
from tests.unit import fakes

POLICY = spec.SecurityPolicy(cap_drop=('NET_RAW',), pids_limit=100)
IMAGE = engine.Image(reference='glance/x:y', id='sha256:' + 'a' * 64,
                     labels={}, healthcheck=None, tagged_at=None)
SECOND = 10 ** 9


class ContainerSpecTest(testtools.TestCase):

    def _spec(self, instance=None, host_cpus=2, policy=POLICY, image=IMAGE):
        return spec.container_spec(instance or fakes.instance(),
                                   image, 'host-a', host_cpus, policy)

    def test_created_from_the_image_id_not_its_name(self):
        # A name can move between the check and the create; an id cannot.
        self.assertEqual(IMAGE.id, self._spec().image)

    def test_image_labels_under_the_drivers_prefix_are_blanked(self):
        inst = fakes.instance()
        image = dataclasses.replace(IMAGE, labels={
            spec.LABEL_NETNS_OF: 'victim', spec.LABEL_UUID: 'victim',
            spec.LABEL_PREFIX + 'new': 'x', 'app.version': '1'})
        self.assertEqual({spec.LABEL_UUID: inst.uuid,
                          spec.LABEL_HOST: 'host-a',
                          spec.LABEL_NAME: 'instance-00000001',
                          spec.LABEL_IMAGE: 'glance/x:y',
                          spec.LABEL_NETNS_OF: '',
                          spec.LABEL_PREFIX + 'new': ''},
                         self._spec(inst, image=image).labels)

    def test_config_drive_is_the_only_mount_and_read_only(self):
        self.assertNotIn('binds', self._spec().host_config)
        inst = fakes.instance()
        drive = spec.container_spec(inst, IMAGE, 'host-a', 2, POLICY,
                                    config_drive='/srv/drive').host_config
        self.assertEqual({'/srv/drive': {'bind': spec.CONFIG_DRIVE,
                                         'mode': 'ro'}}, drive['binds'])

    def test_metadata_as_environment_only_as_chosen(self):
        inst = fakes.instance(metadata={'b-key': '2', 'a': '1'},
                              project_id='p1', display_name='web 1')
        for exported, expected in (
                ((), ()),
                (('project_id',), ('OPENSTACK_PROJECT_ID=p1',)),
                (('meta', 'name'), ('OPENSTACK_INSTANCE_NAME=web 1',
                                    'OPENSTACK_META_A=1',
                                    'OPENSTACK_META_B_KEY=2')),
                # Not set on the instance: no variable.
                (('availability_zone',), ())):
            self.assertEqual(expected, spec.container_spec(
                inst, IMAGE, 'host-a', 2, POLICY,
                exported=exported).environment)

    def test_a_rescue_mounts_the_rescued_filesystem_read_write(self):
        binds = spec.container_spec(
            fakes.instance(), IMAGE, 'host-a', 2, POLICY,
            config_drive='/srv/drive', rescue_root='/srv/rescued'
        ).host_config['binds']
        self.assertEqual({'/srv/drive': {'bind': spec.CONFIG_DRIVE,
                                         'mode': 'ro'},
                          '/srv/rescued': {'bind': spec.RESCUE_MOUNT,
                                           'mode': 'rw'}}, binds)

    def test_root_disk_caps_the_writable_layer_where_the_host_can(self):
        for quota, root_gb, expected in ((True, 5, {'size': '5G'}),
                                         (True, 0, None),
                                         (False, 5, None)):
            policy = spec.SecurityPolicy(root_disk_quota=quota)
            inst = fakes.instance(flavor=fakes.flavor(root_gb=root_gb))
            self.assertEqual(expected, self._spec(inst, policy=policy)
                             .host_config.get('storage_opt'))

    def test_console_log_is_bounded(self):
        policy = spec.SecurityPolicy(log_max_size_mb=5, log_max_files=2)
        self.assertEqual({'type': 'json-file',
                          'config': {'max-size': '5m', 'max-file': '2'}},
                         self._spec(policy=policy).host_config['log_config'])

    def test_healthchecks(self):
        check = {'Test': ['CMD-SHELL', 'true'], 'Interval': SECOND // 1000,
                 'Timeout': SECOND}
        allowed = spec.SecurityPolicy(allow_healthchecks=True,
                                      healthcheck_min_interval=20)
        for image_check, policy, expected in [
                (None, POLICY, {'Test': ['NONE']}),
                (check, POLICY, {'Test': ['NONE']}),
                (None, allowed, {'Test': ['NONE']}),
                ({'Test': ['NONE']}, allowed, {'Test': ['NONE']}),
                (check, allowed, dict(check, Interval=20 * SECOND)),
                (dict(check, Interval=60 * SECOND), allowed,
                 dict(check, Interval=60 * SECOND)),
                # No interval means the engine's 30 s.
                (dict(check, Interval=0), allowed,
                 dict(check, Interval=30 * SECOND))]:
            image = dataclasses.replace(IMAGE, healthcheck=image_check)
            container = self._spec(policy=policy, image=image)
            self.assertEqual(expected, container.healthcheck,
                             (image_check, policy))

    def test_memory_is_a_hard_limit_with_flavor_swap_on_top(self):
        inst = fakes.instance(flavor=fakes.flavor(memory_mb=512, swap=256))
        config = self._spec(inst).host_config
        self.assertEqual(512 * units.Mi, config['mem_limit'])
        self.assertEqual(768 * units.Mi, config['memswap_limit'])

    def test_no_swap_flavor_gets_no_swap(self):
        config = self._spec().host_config
        self.assertEqual(config['mem_limit'], config['memswap_limit'])

    def test_cpu_quota_is_capped_at_host_cpus_but_shares_are_not(self):
        inst = fakes.instance(flavor=fakes.flavor(vcpus=4))
        config = self._spec(inst, host_cpus=2).host_config
        self.assertEqual(4 * 1024, config['cpu_shares'])
        self.assertEqual(2 * config['cpu_period'], config['cpu_quota'])

    def test_one_vcpu_gets_one_core(self):
        config = self._spec(host_cpus=8).host_config
        self.assertEqual(config['cpu_period'], config['cpu_quota'])
        self.assertEqual(1024, config['cpu_shares'])

    def test_security_comes_from_policy_only(self):
        inst = fakes.instance(metadata={'privileged': 'true',
                                        'cap_add': 'SYS_ADMIN'})
        config = self._spec(inst).host_config
        self.assertFalse(config['privileged'])
        self.assertEqual([], config['cap_add'])
        self.assertEqual(['NET_RAW'], config['cap_drop'])
        self.assertEqual(['no-new-privileges:true'], config['security_opt'])
        self.assertEqual(100, config['pids_limit'])
        self.assertEqual('none', config['network_mode'])
        self.assertNotIn('binds', config)
        self.assertNotIn('pid_mode', config)

    def test_operator_can_allow_privileges(self):
        policy = spec.SecurityPolicy(privileged=True, cap_add=('NET_ADMIN',),
                                     no_new_privileges=False)
        config = self._spec(policy=policy).host_config
        self.assertTrue(config['privileged'])
        self.assertEqual(['NET_ADMIN'], config['cap_add'])
        self.assertEqual([], config['security_opt'])

    def test_name_and_labels_identify_instance_and_host(self):
        inst = fakes.instance()
        container = self._spec(inst)
        self.assertEqual('nova-' + inst.uuid, container.name)
        self.assertEqual({spec.LABEL_UUID: inst.uuid,
                          spec.LABEL_HOST: 'host-a',
                          spec.LABEL_NAME: 'instance-00000001',
                          spec.LABEL_IMAGE: 'glance/x:y'},
                         container.labels)

    def test_fully_qualified_hostname_is_split(self):
        container = self._spec(fakes.instance(hostname='web1.example.org'))
        self.assertEqual('web1', container.hostname)
        self.assertEqual('example.org', container.domainname)

    def test_short_hostname(self):
        container = self._spec()
        self.assertEqual('web1', container.hostname)
        self.assertEqual('', container.domainname)


class PowerStateTest(testtools.TestCase):

    def test_every_engine_state(self):
        inst = fakes.instance()
        expected = {'running': power_state.RUNNING,
                    'paused': power_state.PAUSED,
                    'created': power_state.SHUTDOWN,
                    'exited': power_state.SHUTDOWN,
                    'dead': power_state.CRASHED,
                    'restarting': power_state.NOSTATE,
                    'removing': power_state.NOSTATE,
                    'something new': power_state.NOSTATE}
        for docker_state, nova_state in expected.items():
            self.assertEqual(nova_state,
                             spec.power_state_of(docker_state, inst),
                             docker_state)

    def test_frozen_suspended_instance_is_suspended(self):
        suspended = fakes.instance(vm_state=vm_states.SUSPENDED)
        suspending = fakes.instance(task_state=task_states.SUSPENDING)
        for inst in (suspended, suspending):
            self.assertEqual(power_state.SUSPENDED,
                             spec.power_state_of('paused', inst))

    def test_resumed_instance_runs(self):
        resuming = fakes.instance(vm_state=vm_states.SUSPENDED,
                                  task_state=task_states.RESUMING)
        self.assertEqual(power_state.RUNNING,
                         spec.power_state_of('running', resuming))


class InterfacesTest(testtools.TestCase):

    def test_every_fixed_ip_route_and_dns_server_in_port_order(self):
        first = fakes.vif(
            port_id='a6f1d1c8-0000-4000-8000-000000000001',
            subnets=(('10.20.0.0/24', ['10.20.0.5', '10.20.0.6'],
                      '10.20.0.1'),
                     ('fd00:20::/64', ['fd00:20::5'], 'fd00:20::1')),
            routes=(('192.168.0.0/16', '10.20.0.254'),),
            dns=('10.20.0.2',))
        second = fakes.vif(mac='fa:16:3e:00:00:02', mtu=None,
                           subnets=(('10.30.0.0/24', ['10.30.0.9'], None),))
        one, two = spec.interfaces([first, second])
        self.assertEqual(('eth0', 'eth1'), (one.name, two.name))
        self.assertEqual('tapa6f1d1c8-00', one.host_name)
        self.assertEqual('nsa6f1d1c8-0000', one.peer_name)
        self.assertEqual((('10.20.0.5', 24), ('10.20.0.6', 24),
                          ('fd00:20::5', 64)), one.addresses)
        self.assertEqual((('default', '10.20.0.1'),
                          ('192.168.0.0/16', '10.20.0.254'),
                          ('default', 'fd00:20::1')), one.routes)
        self.assertEqual(('10.20.0.2',), one.dns)
        self.assertEqual((1450, 'fa:16:3e:00:00:01', 'brq-test', True),
                         (one.mtu, one.mac, one.bridge, one.create_bridge))
        # No gateway, no default route; no MTU, the kernel's default.
        self.assertEqual((), two.routes)
        self.assertIsNone(two.mtu)
        self.assertFalse(one.software_checksums)

    def test_userspace_datapath_ports_checksum_in_software(self):
        interface, = spec.interfaces([fakes.vif(
            vif_type='ovs', details={'datapath_type': 'netdev'})])
        self.assertTrue(interface.software_checksums)

    def test_subnets_the_port_has_no_address_in_are_ignored(self):
        interface, = spec.interfaces([fakes.vif(
            subnets=(('10.20.0.0/24', ['10.20.0.5'], '10.20.0.1'),
                     ('fd00:20::/64', [], 'fd00:20::1')))])
        self.assertEqual((('10.20.0.5', 24),), interface.addresses)
        self.assertEqual((('default', '10.20.0.1'),), interface.routes)

    def test_no_ports_no_interfaces(self):
        self.assertEqual([], spec.interfaces(None))
        self.assertEqual([], spec.interfaces([]))


class NetnsContainerTest(testtools.TestCase):

    def test_instance_joins_the_holder_which_carries_hostname_and_dns(self):
        instance = fakes.instance(hostname='web1.example.org')
        interfaces = spec.interfaces([fakes.vif(dns=('10.20.0.2',)),
                                      fakes.vif(dns=('10.20.0.2', '9.9.9.9'))])
        holder = spec.netns_container_spec(instance, 'netns:1', 'host-a',
                                           interfaces)
        workload = spec.container_spec(instance, IMAGE, 'host-a', 2,
                                       POLICY, netns_container=holder.name)
        self.assertEqual('container:' + holder.name,
                         workload.host_config['network_mode'])
        self.assertIsNone(workload.hostname)
        self.assertEqual(('web1', 'example.org'),
                         (holder.hostname, holder.domainname))
        self.assertEqual(['10.20.0.2', '9.9.9.9'], holder.host_config['dns'])
        self.assertEqual('0', holder.host_config['sysctls'][
            'net.ipv6.conf.all.disable_ipv6'])
        # Not an instance: nova's listings must not see it.
        self.assertNotIn(spec.LABEL_UUID, holder.labels)
        self.assertNotIn(spec.LABEL_HOST, holder.labels)


class AttachedInterfaceTest(testtools.TestCase):

    def test_takes_the_first_free_name_and_its_metric(self):
        interface = spec.attached_interface(fakes.vif(),
                                            ['lo', 'eth0', 'eth2'])
        self.assertEqual(('eth1', 100), (interface.name, interface.metric))


class InstanceContainerTest(testtools.TestCase):

    def test_only_the_instances_own_container_is_an_instance(self):
        uuid = 'u-1'
        labels = {spec.LABEL_UUID: uuid}
        for names, expected in (
                (['/' + spec.container_name(uuid)], True),
                (['/' + spec.resize_container_name(uuid)], False),
                (['/made-by-hand'], False)):
            self.assertEqual(expected, spec.is_instance_container(
                engine.Container.from_listing(
                    {'Id': 'c', 'Names': names, 'Labels': labels,
                     'State': 'running'})), names)
        self.assertFalse(spec.is_instance_container(
            engine.Container.from_listing(
                {'Id': 'c', 'Names': ['/' + spec.container_name(uuid)],
                 'Labels': None, 'State': 'running'})))
