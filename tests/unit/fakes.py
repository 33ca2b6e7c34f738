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

"""Nova objects for driver tests, without a database."""

from oslo_utils import uuidutils

from nova.compute import vm_states
from nova.network import model as network_model
from nova import objects

objects.register_all()


def flavor(memory_mb=64, vcpus=1, swap=0, root_gb=1):
    return objects.Flavor(name='m1.test', memory_mb=memory_mb, vcpus=vcpus,
                          swap=swap, root_gb=root_gb, ephemeral_gb=0,
                          extra_specs={})


def instance(**kwargs):
    values = dict(id=1, uuid=uuidutils.generate_uuid(), hostname='web1',
                  vm_state=vm_states.ACTIVE, task_state=None,
                  flavor=flavor(), metadata={}, system_metadata={},
                  config_drive='', launched_at=None, image_ref='',
                  info_cache=None)
    values.update(kwargs)
    return objects.Instance(**values)


def image_meta(image_id=None, container_format='docker', **kwargs):
    values = dict(id=image_id or uuidutils.generate_uuid(),
                  name='any name at all', container_format=container_format,
                  disk_format='raw')
    values.update(kwargs)
    return objects.ImageMeta.from_dict(values)


def vif(port_id=None, bridge='brq-test', mac='fa:16:3e:00:00:01',
        subnets=(('10.20.0.0/24', ['10.20.0.5'], '10.20.0.1'),), mtu=1450,
        vif_type='bridge', should_create_bridge=True, active=True,
        routes=(), dns=(), details=None):
    """A port as nova's network_info has it: subnets are (cidr, fixed IPs,
    gateway or None); ``routes`` and ``dns`` go with the first subnet."""
    port_id = port_id or uuidutils.generate_uuid()
    return network_model.VIF(
        id=port_id, address=mac, type=vif_type, active=active,
        details=details or {},
        devname=('tap' + port_id)[:network_model.NIC_NAME_LEN],
        network=network_model.Network(
            id=uuidutils.generate_uuid(), bridge=bridge,
            meta={'mtu': mtu, 'should_create_bridge': should_create_bridge},
            subnets=[network_model.Subnet(
                cidr=cidr,
                ips=[network_model.FixedIP(address=ip) for ip in ips],
                gateway=(network_model.IP(address=gateway) if gateway
                         else None),
                routes=[network_model.Route(
                    cidr=route_cidr, gateway=network_model.IP(address=via))
                    for route_cidr, via in (routes if index == 0 else ())],
                dns=[network_model.IP(address=server)
                     for server in (dns if index == 0 else ())])
                for index, (cidr, ips, gateway) in enumerate(subnets)]))
