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

"""The instance's own filesystem, mounted for its rescue container.

A rescued virtual machine boots the rescue image with its own disk
attached; a rescued container runs the rescue image with the instance's
filesystem mounted read-write at ``spec.RESCUE_MOUNT``. That filesystem is
the stopped container's overlay layers: this module mounts them once more
(the engine has unmounted them at stop), so what the rescue fixes is in the
instance when it is unrescued, as a repaired disk is.

The mount is the privsep daemon's: the context has what overlayfs needs of
its mounter, who must be able to read every lower file and copy it up with
its owner and mode for whoever writes inside the container.
"""

import os
import re

from oslo_log import log as logging
from oslo_privsep import capabilities
from oslo_privsep import priv_context

from novadocker import libc

LOG = logging.getLogger(__name__)

CAPABILITIES = (capabilities.CAP_SYS_ADMIN, capabilities.CAP_CHOWN,
                capabilities.CAP_DAC_OVERRIDE,
                capabilities.CAP_DAC_READ_SEARCH, capabilities.CAP_FOWNER,
                capabilities.CAP_FSETID, capabilities.CAP_MKNOD)

sys_admin = priv_context.PrivContext(
    'novadocker',
    cfg_section='novadocker_rescue_privileged',
    pypath=__name__ + '.sys_admin',
    capabilities=list(CAPABILITIES),
)

# Where rescue mounts live, apart from the instances' own directories,
# which destroy removes recursively.
MOUNTS_DIRECTORY = 'nova-docker-rescue'
STORAGE_DRIVER = 'overlay2'
# A layer directory of the engine's overlay2 driver; "-init" is the layer
# the engine adds under every container's own.
_LAYER = re.compile(r'^[0-9a-f]{64}(-init)?$')
_UUID = re.compile(r'^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$')
# mount(2) takes one page of options.
MAX_OPTIONS = 4095
MS_NOSUID, MS_NODEV = 2, 4


class RescueRefused(ValueError):
    """The arguments name something other than a container's layers."""


def mount_point(instances_path, instance_uuid):
    return os.path.join(instances_path, MOUNTS_DIRECTORY, instance_uuid)


def _absolute(path, what):
    if not os.path.isabs(path) or os.path.realpath(path) != path:
        raise RescueRefused('%s %r is not an absolute path free of links'
                            % (what, path))
    return path


def _layer(data_root, layer, part='diff'):
    if not _LAYER.match(layer):
        raise RescueRefused('%r is not an overlay2 layer' % layer)
    path = os.path.join(data_root, STORAGE_DRIVER, layer, part)
    if not os.path.isdir(path) or os.path.islink(path):
        raise RescueRefused('%s is not a directory' % path)
    return path


def _target(instances_path, instance_uuid):
    if not _UUID.match(instance_uuid):
        raise RescueRefused('%r is not an instance uuid' % instance_uuid)
    target = _absolute(mount_point(_absolute(instances_path,
                                             'instances path'),
                                   instance_uuid), 'mount point')
    if not os.path.isdir(target):
        raise RescueRefused('%s is not a directory' % target)
    return target


def _mounted_overlays():
    """(mount point, upper layer) of every overlay mounted here."""
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            separator = fields.index('-')
            if fields[separator + 1] != 'overlay':
                continue
            options = dict(option.partition('=')[::2] for option in
                           fields[separator + 3].split(','))
            # The engine passes layers as relative paths when absolute
            # ones would not fit in a page.
            yield fields[4], options.get('upperdir', '').split('/')[-2:-1]


def overlay_options(data_root, layer, lowers):
    """The mount options over ``layer`` (the container's writable layer)
    and ``lowers`` (its image's layers, topmost first)."""
    data_root = _absolute(data_root, 'Docker data root')
    upper = _layer(data_root, layer)
    work = _layer(data_root, layer, 'work')
    if not lowers:
        raise RescueRefused('a container has at least one lower layer')
    options = 'lowerdir=%s,upperdir=%s,workdir=%s' % (
        ':'.join(_layer(data_root, lower) for lower in lowers), upper, work)
    if len(options) > MAX_OPTIONS:
        raise RescueRefused('the image has too many layers (%d) to mount '
                            'in one page of options' % len(lowers))
    return upper, options


@sys_admin.entrypoint
def mount(data_root, layer, lowers, instances_path, instance_uuid):
    """Mount a stopped container's layers at the instance's mount point,
    without set-user-id programs or device files taking effect."""
    target = _target(instances_path, instance_uuid)
    upper, options = overlay_options(data_root, layer, lowers)
    for mounted, mounted_layer in _mounted_overlays():
        # Two overlays writing one upper directory corrupt it.
        if mounted == target or mounted_layer == [layer]:
            raise RescueRefused('%s is mounted already, at %s'
                                % (upper, mounted))
    libc.call('mount', b'overlay', target.encode(), b'overlay',
              MS_NOSUID | MS_NODEV, options.encode(),
              what='mounting the layers of %s' % instance_uuid)


@sys_admin.entrypoint
def unmount(instances_path, instance_uuid):
    """Unmount the instance's rescue mount; False if nothing is mounted."""
    target = _target(instances_path, instance_uuid)
    if target not in (mounted for mounted, _ in _mounted_overlays()):
        return False
    libc.call('umount2', target.encode(), 0,
              what='unmounting the layers of %s' % instance_uuid)
    return True
