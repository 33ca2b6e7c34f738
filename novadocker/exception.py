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

"""Errors of the Docker compute driver, in nova's exception hierarchy."""

from nova import exception
from nova.i18n import _


class EngineUnavailable(exception.HypervisorUnavailable):
    msg_fmt = _("Docker engine at %(url)s is unavailable: %(reason)s")


class EngineError(exception.NovaException):
    msg_fmt = _("Docker engine refused %(operation)s: %(reason)s")


class EngineTimeout(EngineError):
    msg_fmt = _("Docker engine did not finish %(operation)s within "
                "%(seconds)d seconds ([docker] image_transfer_timeout)")


class ContainerNotFound(exception.NotFound):
    msg_fmt = _("Container %(name)s does not exist in the Docker engine.")


class VifTypeNotSupported(exception.InvalidInput):
    msg_fmt = _("Port %(port_id)s has VIF type %(vif_type)s, which the Docker "
                "driver cannot plug; it plugs: %(supported)s.")


class VifPlugFailed(exception.NovaException):
    msg_fmt = _("Could not plug port %(port_id)s into bridge %(bridge)s: "
                "%(reason)s")


class AttachNeedsPorts(exception.InterfaceAttachFailed):
    msg_fmt = _("Server %(instance_uuid)s was booted without ports: the "
                "Docker driver attaches interfaces only to servers booted "
                "with at least one port.")


class PasswordNotSet(exception.NovaException):
    msg_fmt = _("chpasswd in the container exited with %(code)d: "
                "%(output)s")


class BlockDevicesNotSupported(exception.InvalidInput):
    msg_fmt = _("Server %(instance_uuid)s asks for %(volumes)d volume(s) and "
                "%(ephemerals)d ephemeral disk(s): the Docker driver boots "
                "servers from images only, with neither.")
