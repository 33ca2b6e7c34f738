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

"""Plugging an instance's Neutron ports, by VIF type.

Every port becomes a veth pair whose peer goes into the instance's network
namespace (``linux_net``). The host end, by VIF type:

- ``bridge``: joins the network's Linux bridge (os-vif no longer has a
  plugin for that, so the driver does it);
- ``ovs``: becomes a port of the integration bridge through os-vif's ovs
  plugin, with the external-ids Neutron's agents look for; with hybrid plug
  (the port asks for it) os-vif makes the per-port Linux bridge linked to
  the integration bridge, and the host end joins that bridge.

Other types are refused before anything is created.
"""

import dataclasses

import os_vif
from os_vif import objects as osvif_objects
from oslo_log import log as logging

from nova.network import os_vif_util

from novadocker import exception
from novadocker.network import checks
from novadocker.network import linux_net
from novadocker import rollback
from novadocker import spec

LOG = logging.getLogger(__name__)

SUPPORTED_VIF_TYPES = ('bridge', 'ovs')


def check_supported(network_info):
    """Refuse, up front, a port of a VIF type the driver cannot plug."""
    for interface in spec.interfaces(network_info):
        if interface.vif_type not in SUPPORTED_VIF_TYPES:
            raise exception.VifTypeNotSupported(
                port_id=interface.port_id, vif_type=interface.vif_type,
                supported=', '.join(SUPPORTED_VIF_TYPES))


def _osvif(vif):
    """os-vif's view of an ovs port, set to create its OVS port itself:
    there is no libvirt here to do it. The host end is the driver's veth,
    never a tap of os-vif's, whatever the binding asks (ovs_create_tap):
    os-vif would delete it on unplug, and the veth can vanish between its
    check and its delete (the namespace holder just went), which ends the
    unplug before the OVS port goes."""
    converted = os_vif_util.nova_to_osvif_vif(vif)
    if isinstance(converted, osvif_objects.vif.VIFOpenVSwitch):
        profile = converted.port_profile
        profile.create_port = True
        if 'create_tap' in profile.fields:
            profile.create_tap = False
    return converted


def plug(pid, network_info, instance, interfaces=None, again=False):
    """Plug the ports of ``network_info`` into the namespace of ``pid``.

    ``interfaces`` overrides the interfaces derived from ``network_info``
    (an attached port takes the next free name). ``again``: the ports were
    plugged into a namespace that is gone; what is left of them on the
    host goes first (Open vSwitch would keep its port on the dead device).
    """
    interfaces = interfaces or spec.interfaces(network_info)
    if again:
        unplug(network_info, instance)
    for vif, interface in zip(network_info, interfaces):
        try:
            _plug_one(pid, vif, interface, instance)
        except Exception as e:
            raise exception.VifPlugFailed(
                port_id=interface.port_id,
                bridge=interface.bridge, reason=e) from e


def _undo(vif, interface, instance, error):
    """What a plug failing half-way made goes: nova's attach asks for
    nothing more, and a veth left would pass for a plugged port."""
    LOG.warning('Could not plug port %(port)s, removing what was made of '
                'it: %(error)s', {'port': interface.port_id,
                                  'error': error}, instance=instance)
    rollback.undo(instance, 'removing port %s' % interface.port_id, unplug,
                  [vif], instance)


def _plug_one(pid, vif, interface, instance):
    bridge = allowed = None
    osvif = None
    plugged = None
    try:
        if interface.vif_type == 'bridge':
            bridge = allowed = interface.bridge
        else:
            osvif = _osvif(vif)
            if isinstance(osvif, osvif_objects.vif.VIFBridge):
                # Hybrid plug: os-vif makes the per-port bridge first.
                os_vif.plug(osvif,
                            os_vif_util.nova_to_osvif_instance(instance))
                bridge, osvif = osvif.bridge_name, None
                # One rule for all per-port bridges, not one left per port.
                allowed = checks.HYBRID_BRIDGES
                interface = dataclasses.replace(interface,
                                                create_bridge=False)
        plugged = linux_net.plug_veth(pid, dataclasses.asdict(interface),
                                      bridge)
        if osvif is not None and plugged != linux_net.PRESENT:
            # The host end exists now: os-vif makes it an OVS port.
            os_vif.plug(osvif, os_vif_util.nova_to_osvif_instance(instance))
        if allowed is not None:
            linux_net.allow_bridged_traffic(allowed)
    except Exception as e:
        # A port plugged before stays as it was.
        if plugged != linux_net.PRESENT:
            _undo(vif, interface, instance, e)
        raise
    if plugged != linux_net.PRESENT:
        LOG.info('Plugged port %(port)s as %(name)s (host side %(host)s, '
                 'VIF type %(type)s)',
                 {'port': interface.port_id, 'name': interface.name,
                  'host': interface.host_name, 'type': interface.vif_type},
                 instance=instance)


def unplug(network_info, instance):
    """Remove the ports of ``network_info`` from the host: OVS ports and
    per-port bridges through os-vif, then the veth pairs."""
    for vif, interface in zip(network_info, spec.interfaces(network_info)):
        if interface.vif_type == 'ovs':
            try:
                os_vif.unplug(_osvif(vif),
                              os_vif_util.nova_to_osvif_instance(instance))
            except Exception as e:
                # Go on: the veth pair must go in any case.
                LOG.warning('os-vif could not unplug port %(port)s: '
                            '%(error)s', {'port': interface.port_id,
                                          'error': e}, instance=instance)
        if linux_net.delete_link(interface.host_name):
            LOG.info('Unplugged port %(port)s (%(host)s)',
                     {'port': interface.port_id,
                      'host': interface.host_name}, instance=instance)


def remove_leftovers(instance_uuid):
    """What Open vSwitch still holds of a reaped instance's ports."""
    try:
        removed = linux_net.remove_ovs_ports(instance_uuid)
    except Exception as e:
        # No Open vSwitch on this host, or it does not answer.
        LOG.debug('No OVS ports of instance %(uuid)s removed: %(error)s',
                  {'uuid': instance_uuid, 'error': e})
        return
    if removed:
        LOG.info('Removed OVS ports %(ports)s of instance %(uuid)s',
                 {'ports': ', '.join(removed), 'uuid': instance_uuid})


def attach(pid, vif, instance):
    """Plug a port into the running namespace of ``pid`` as the next ethN."""
    interface = spec.attached_interface(vif, linux_net.interface_names(pid))
    plug(pid, [vif], instance, interfaces=[interface])
