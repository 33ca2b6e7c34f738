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

"""The rescue mount's privileged entrypoints refuse what is not a
container's layers, before anything is mounted."""

import os

import fixtures
import testtools

from novadocker import engine
from novadocker import rescue

LAYER = 'a' * 64
LOWER = 'b' * 64
UUID = '8ddc29a2-9e71-45ed-a2a3-e6ed7e4aafa1'


class MountArgumentsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        rescue.sys_admin.set_client_mode(False)
        self.addCleanup(rescue.sys_admin.set_client_mode, True)
        self.root = os.path.realpath(self.useFixture(fixtures.TempDir()).path)
        for layer in (LAYER, LOWER, LOWER + '-init'):
            for part in ('diff', 'work'):
                os.makedirs(os.path.join(self.root, 'overlay2', layer, part))
        self.instances = os.path.join(self.root, 'instances')
        os.makedirs(rescue.mount_point(self.instances, UUID))
        self.mounts = []
        self.useFixture(fixtures.MockPatch(
            'novadocker.libc.call',
            side_effect=lambda *args, **kw: self.mounts.append(args)))

    def mount(self, data_root=None, layer=LAYER, lowers=(LOWER,),
              instances=None, uuid=UUID):
        rescue.mount(data_root or self.root, layer, list(lowers),
                     instances or self.instances, uuid)

    def test_the_layers_of_a_container(self):
        self.mount(lowers=(LOWER + '-init', LOWER))
        ((function, source, target, kind, flags, options),) = self.mounts
        self.assertEqual(('mount', b'overlay', b'overlay'),
                         (function, source, kind))
        self.assertEqual(rescue.mount_point(self.instances, UUID).encode(),
                         target)
        self.assertEqual(rescue.MS_NOSUID | rescue.MS_NODEV, flags)
        layer = os.path.join(self.root, 'overlay2', '%s', '%s')
        self.assertEqual('lowerdir=%s:%s,upperdir=%s,workdir=%s' % (
            layer % (LOWER + '-init', 'diff'), layer % (LOWER, 'diff'),
            layer % (LAYER, 'diff'), layer % (LAYER, 'work')),
            options.decode())

    def test_hostile_arguments_are_refused(self):
        link = os.path.join(self.root, 'link')
        os.symlink(self.root, link)
        outside = os.path.join(self.root, 'overlay2', '..', '..')
        for arguments in (
                {'layer': '../../../etc'},
                {'layer': LAYER + '/../' + LOWER},
                {'lowers': ('../' * 8 + 'etc',)},
                {'lowers': ()},
                {'lowers': ('c' * 64,)},  # no such layer
                {'data_root': link},
                {'data_root': outside},
                {'data_root': 'relative/root'},
                {'uuid': '../../etc'},
                {'uuid': UUID.replace('8', '9')},  # no mount point
                {'instances': os.path.join(link, 'instances')}):
            self.assertRaises(rescue.RescueRefused, self.mount, **arguments)
        self.assertEqual([], self.mounts)

    def test_too_many_layers_for_one_page_of_options(self):
        lowers = ['%064x' % n for n in range(60)]
        for lower in lowers:
            os.makedirs(os.path.join(self.root, 'overlay2', lower, 'diff'))
        error = self.assertRaises(rescue.RescueRefused, self.mount,
                                  lowers=lowers)
        self.assertIn('too many layers (60)', str(error))

    def test_unmount_of_what_is_not_mounted(self):
        self.assertFalse(rescue.unmount(self.instances, UUID))
        self.assertRaises(rescue.RescueRefused, rescue.unmount,
                          self.instances, '../x')
        self.assertEqual([], self.mounts)


class LayersTest(testtools.TestCase):

    def test_overlay2_layers_from_inspection(self):
        layer = '/var/lib/docker/overlay2/%s/%s'
        layers = engine.Layers.from_inspection({'GraphDriver': {
            'Name': 'overlay2', 'Data': {
                'LowerDir': '%s:%s' % (layer % (LOWER + '-init', 'diff'),
                                       layer % (LOWER, 'diff')),
                'UpperDir': layer % (LAYER, 'diff'),
                'WorkDir': layer % (LAYER, 'work')}}})
        self.assertEqual(engine.Layers(
            storage_driver='overlay2', data_root='/var/lib/docker',
            layer=LAYER, lowers=(LOWER + '-init', LOWER)), layers)

    def test_other_storage_drivers(self):
        self.assertEqual(engine.Layers(storage_driver='vfs'),
                         engine.Layers.from_inspection(
                             {'GraphDriver': {'Name': 'vfs', 'Data': None}}))
