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

"""Servers with Neutron ports, through nova's API and network code.

nova's NeutronFixture stands in for Neutron's API; its ports are of VIF type
ovs. The driver plugs them for real, through os-vif, into an Open vSwitch
bridge of this test's own (userspace datapath: this kernel has no OVS
module), and the two servers ping each other.
"""

import copy

from oslo_concurrency import processutils
from oslo_utils import uuidutils
from vif_plug_ovs import privsep as ovs_privsep

from nova import context
from nova import objects

from novadocker.network import privsep
from tests.functional import base


class PortsTest(base.DockerTestCase):

    def setUp(self):
        super().setUp()
        privsep.net_admin.set_client_mode(False)
        ovs_privsep.vif_plug.set_client_mode(False)
        # ping needs raw sockets.
        self.flags(cap_drop=['AUDIT_WRITE', 'MKNOD'], group='docker')
        bridge = 'brf' + uuidutils.generate_uuid(dashed=False)[:8]
        self.flags(ovs_bridge=bridge, group='neutron')
        self.addCleanup(processutils.execute, 'ovs-vsctl', '--if-exists',
                        'del-br', bridge)
        # The fixture knows port_1 only; both get the binding details
        # ML2/OVS gives a userspace-datapath host.
        for port in (self.neutron.port_1, self.neutron.port_2):
            self.neutron._ports[port['id']] = dict(
                copy.deepcopy(port), **{'binding:vif_details': {
                    'datapath_type': 'netdev', 'port_filter': True,
                    'ovs_hybrid_plug': False}})

    def run_in(self, server, *command):
        execution = self.docker.exec_create(
            self.container(server)['Id'], list(command))
        output = self.docker.exec_start(execution).decode()
        return self.docker.exec_inspect(execution)['ExitCode'], output

    def boot_two(self):
        """Servers on the fixture's two ports of one network."""
        return [self._create_server(image_uuid=self.image['id'],
                                    networks=[{'port': port['id']}])
                for port in (self.neutron.port_1, self.neutron.port_2)]

    def test_servers_on_one_network_reach_each_other(self):
        web, db = self.boot_two()
        code, addresses = self.run_in(web, 'ip', 'addr', 'show', 'eth0')
        self.assertEqual(0, code, addresses)
        self.assertIn(self.neutron.port_1['mac_address'], addresses)
        self.assertIn('inet 192.168.1.3/24', addresses)
        code, output = self.run_in(db, 'ping', '-c', '1', '-W', '3',
                                   '192.168.1.3')
        self.assertEqual(0, code, output)

        for server, port in ((web, self.neutron.port_1),
                             (db, self.neutron.port_2)):
            self._delete_server(server)
            devices = processutils.execute('ip', '-o', 'link')[0]
            self.assertNotIn('tap' + port['id'][:11], devices)
        self.assertEqual([], self.containers(holders=True))

    def test_port_unpluggable_at_compute_start_errors_its_server_only(self):
        web, db = self.boot_two()
        # While nova-compute is down, web's port loses its binding (its
        # agent went, say): nova's cache of it says binding_failed.
        ctx = context.get_admin_context()
        instance = objects.Instance.get_by_uuid(
            ctx, web['id'], expected_attrs=['info_cache'])
        network_info = instance.info_cache.network_info
        network_info[0]['type'] = 'binding_failed'
        instance.info_cache.network_info = network_info
        instance.info_cache.save()
        host = self.hosts[0]
        self.computes[host] = self.restart_compute_service(
            self.computes[host], keep_hypervisor_state=False)
        # nova records no fault for it: its log names the port binding.
        self._wait_for_server_parameter(web, {'status': 'ERROR'},
                                        wait_for_fault_key=False)
        self.assertEqual('ACTIVE', self._show_server(db)['status'])
        service, = self.admin_api.get_services(binary='nova-compute',
                                               host=host)
        self.assertEqual('up', service['state'])
        self.assertTrue(self.container(db)['State']['Running'])
