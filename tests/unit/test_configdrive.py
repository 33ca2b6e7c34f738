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

"""The config drive directory, made by nova's own InstanceMetadata.

Only what InstanceMetadata would read from the database (block device
mappings) and ask neutron (security groups) is faked; the instance comes
with every field it reads, so nothing is lazy-loaded.
tests/functional/test_metadata.py reads the drive inside a container.
"""

import base64
import json
import os
import stat

import fixtures
from oslo_config import fixture as config_fixture
import testtools

from nova.api.metadata import base as instance_metadata
import nova.conf
from nova import objects

from novadocker import configdrive
from tests.unit import fakes

CONF = nova.conf.CONF
USER_DATA = b'#cloud-config\nhostname: web1\n'


def instance(**kwargs):
    """An instance with all InstanceMetadata reads."""
    values = dict(
        user_data=base64.b64encode(USER_DATA).decode(), display_name='web1',
        project_id='project', key_name=None, launch_index=0,
        reservation_id='r-1', availability_zone='nova',
        root_device_name=None, device_metadata=None, numa_topology=None,
        keypairs=objects.KeyPairList(objects=[]),
        ec2_ids=objects.EC2Ids(instance_id='i-00000001', ami_id='ami-1',
                               kernel_id=None, ramdisk_id=None))
    values.update(kwargs)
    return fakes.instance(**values)


class ConfigDriveTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.instances_path = self.useFixture(fixtures.TempDir()).path
        self.useFixture(config_fixture.Config(CONF)).config(
            instances_path=self.instances_path)
        self.useFixture(fixtures.MockPatch(
            'nova.objects.BlockDeviceMappingList.get_by_instance_uuid',
            return_value=objects.BlockDeviceMappingList(objects=[])))
        self.useFixture(fixtures.MockPatch(
            'nova.network.security_group_api.get_instance_security_groups',
            return_value=[]))
        self.logs = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.instance = instance()

    def build(self, injected_files=(), admin_password=None):
        return configdrive.build(self.instance, injected_files,
                                 admin_password, [])

    def files(self, root):
        return sorted(os.path.relpath(os.path.join(directory, name), root)
                      for directory, _, names in os.walk(root)
                      for name in names)

    def read(self, relative):
        with open(os.path.join(configdrive.path(self.instance),
                               relative), 'rb') as f:
            return f.read()

    def meta_data(self):
        return json.loads(self.read('openstack/latest/meta_data.json'))

    def use_tree(self, tree):
        """Make nova's metadata the (path, data) pairs of ``tree``."""
        self.useFixture(fixtures.MockPatchObject(
            instance_metadata.InstanceMetadata, 'metadata_for_config_drive',
            return_value=tree))

    def test_the_drive_is_in_the_instances_directory(self):
        self.assertEqual(os.path.join(self.instances_path,
                                      self.instance.uuid, 'config-drive'),
                         configdrive.path(self.instance))

    def test_the_drive_holds_nova_metadata_user_data_and_files(self):
        target = self.build(injected_files=[('/etc/motd', b'hello\n')])
        self.assertEqual(configdrive.path(self.instance), target)
        meta = self.meta_data()
        self.assertEqual(self.instance.uuid, meta['uuid'])
        self.assertEqual([{'path': '/etc/motd',
                           'content_path': '/content/0000'}], meta['files'])
        self.assertEqual(b'hello\n', self.read('openstack/content/0000'))
        self.assertEqual(USER_DATA, self.read('openstack/latest/user_data'))
        files = self.files(target)
        for relative in ('openstack/latest/network_data.json',
                         'openstack/latest/vendor_data2.json',
                         'ec2/latest/meta-data.json'):
            self.assertIn(relative, files)
        self.assertIn('Built the config drive in ' + target,
                      self.logs.output)

    def test_the_admin_password_only_when_there_is_one(self):
        self.build()
        self.assertNotIn('admin_pass', self.meta_data())
        self.build(admin_password='s3cret')
        self.assertEqual('s3cret', self.meta_data()['admin_pass'])

    def test_the_drive_is_the_owners_alone(self):
        target = self.build()
        # Directories within may take the umask's mode (makedirs gives
        # its mode to the leaf only): the two around them close them.
        for directory in (target, os.path.dirname(target)):
            self.assertEqual(0o700, stat.S_IMODE(os.stat(directory).st_mode),
                             directory)
        for relative in self.files(target):
            mode = os.stat(os.path.join(target, relative)).st_mode
            self.assertEqual(0o600, stat.S_IMODE(mode), relative)

    def test_a_rebuild_replaces_the_drive_whole(self):
        self.use_tree([('old', b'1'), ('both', b'1')])
        self.build()
        self.use_tree([('both', '2'), ('new/file', b'2')])
        target = self.build()
        self.assertEqual(['both', 'new/file'], self.files(target))
        self.assertEqual(b'2', self.read('both'))
        # No staging directory left beside it.
        self.assertEqual(['config-drive'],
                         os.listdir(os.path.dirname(target)))

    def test_text_is_written_as_utf8(self):
        self.use_tree([('openstack/latest/name', 'caf\xe9')])
        self.build()
        self.assertEqual(b'caf\xc3\xa9', self.read('openstack/latest/name'))

    def test_a_path_out_of_the_drive_is_refused_and_the_old_drive_kept(self):
        self.use_tree([('kept', b'1')])
        target = self.build()
        for escape in ('../x', 'ok/../../x', '/etc/x', '.'):
            self.use_tree([('first', b'1'), (escape, b'2')])
            error = self.assertRaises(ValueError, self.build)
            self.assertIn('config drive path %r leaves the drive' % escape,
                          str(error))
            self.assertEqual(['kept'], self.files(target))
            self.assertEqual(['config-drive'],
                             os.listdir(os.path.dirname(target)))
        self.assertEqual([self.instance.uuid],
                         os.listdir(self.instances_path))

    def test_removal_takes_the_instances_directory_once_and_only_it(self):
        other = instance()
        configdrive.build(other, (), None, [])
        self.build()
        configdrive.remove(self.instance)
        self.assertEqual([other.uuid], os.listdir(self.instances_path))
        configdrive.remove(self.instance)
        self.assertTrue(os.path.isdir(configdrive.path(other)))
