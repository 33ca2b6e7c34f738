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

"""nova's config drive, as a directory the container mounts read-only.

A virtual machine gets an ISO image labelled ``config-2``; a container gets
the same tree (``openstack/latest/meta_data.json``, ``user_data``,
``network_data.json``, ``ec2/...``) as a read-only bind mount at
cloud-init's seed directory for its ConfigDrive datasource
(``spec.CONFIG_DRIVE``), where cloud-init in the image (or anything else)
reads it. The files are
root's alone inside the container, as a VM's config drive device is.
"""

import os
import shutil
import tempfile

from oslo_log import log as logging

from nova.api.metadata import base as instance_metadata
import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def path(instance):
    return os.path.join(_directory(instance), 'config-drive')


def _directory(instance):
    return os.path.join(CONF.instances_path, instance.uuid)


def build(instance, injected_files, admin_password, network_info):
    """Write the instance's config drive; the directory to mount."""
    extra_md = {'admin_pass': admin_password} if admin_password else {}
    metadata = instance_metadata.InstanceMetadata(
        instance, content=injected_files, extra_md=extra_md,
        network_info=network_info)
    target = path(instance)
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    # Written aside and renamed into place: a container never sees half.
    staging = tempfile.mkdtemp(prefix='.config-drive-',
                               dir=os.path.dirname(target))
    try:
        for relative, data in metadata.metadata_for_config_drive():
            _write(staging, relative, data)
        shutil.rmtree(target, ignore_errors=True)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    LOG.info('Built the config drive in %s', target, instance=instance)
    return target


def _write(root, relative, data):
    full = os.path.normpath(os.path.join(root, relative))
    if not full.startswith(root + os.sep):
        raise ValueError('config drive path %r leaves the drive' % relative)
    os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
    with open(os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
              'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)


def remove(instance):
    """The instance's directory, its config drive with it."""
    shutil.rmtree(_directory(instance), ignore_errors=True)
