"""Plugging an instance's Neutron ports, by VIF type.

``bridge`` ports get a veth pair whose host end joins the network's Linux
bridge (os-vif no longer has a plugin for that); other types are refused
before anything is created.
"""

import dataclasses

from oslo_log import log as logging

from novadocker import exception
from novadocker.network import linux_net
from novadocker import spec

LOG = logging.getLogger(__name__)

SUPPORTED_VIF_TYPES = ('bridge',)


def check_supported(interfaces):
    """Refuse, up front, a port of a VIF type the driver cannot plug."""
    for interface in interfaces:
        if interface.vif_type not in SUPPORTED_VIF_TYPES:
            raise exception.VifTypeNotSupported(
                port_id=interface.port_id, vif_type=interface.vif_type,
                supported=', '.join(SUPPORTED_VIF_TYPES))


def plug(pid, interfaces, instance=None):
    """Plug ``interfaces`` into the namespace of process ``pid``."""
    for interface in interfaces:
        try:
            plugged = linux_net.plug_veth(
                pid, dataclasses.asdict(interface), interface.bridge)
        except Exception as e:
            raise exception.VifPlugFailed(
                port_id=interface.port_id, bridge=interface.bridge,
                reason=e) from e
        if plugged:
            LOG.info('Plugged port %(port)s as %(name)s (host side %(host)s '
                     'on bridge %(bridge)s)',
                     {'port': interface.port_id, 'name': interface.name,
                      'host': interface.host_name,
                      'bridge': interface.bridge}, instance=instance)
        linux_net.allow_bridged_traffic(interface.bridge)


def unplug(interfaces, instance=None):
    """Remove the host ends (and so the veth pairs) of ``interfaces``."""
    for interface in interfaces:
        if linux_net.delete_link(interface.host_name):
            LOG.info('Unplugged port %(port)s (%(host)s)',
                     {'port': interface.port_id,
                      'host': interface.host_name}, instance=instance)


def attach(pid, vif, instance=None):
    """Plug a port into the running namespace of ``pid`` as the next ethN."""
    interface = spec.attached_interface(vif, linux_net.interface_names(pid))
    check_supported([interface])
    plug(pid, [interface], instance=instance)
    return interface
