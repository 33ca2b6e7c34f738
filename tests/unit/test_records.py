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

"""Records of the images the driver brought in, on a real directory."""

import os
import stat

import fixtures
import testtools

from novadocker import records


class ImageRecordsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'docker', 'images')
        self.records = records.ImageRecords(self.path)

    def test_put_get_drop(self):
        reference = '127.0.0.1:5042/glance/x:y'
        self.assertIsNone(self.records.get(reference))
        self.records.put(reference, 'sha256:1')
        self.records.put(reference, 'sha256:2')
        self.assertEqual('sha256:2', self.records.get(reference))
        self.assertIsNone(self.records.get(reference + 'z'))
        self.records.drop(reference)
        self.records.drop(reference)
        self.assertIsNone(self.records.get(reference))

    def test_directory_is_nova_computes_alone(self):
        self.records.put('a:b', 'sha256:1')
        self.assertEqual(0o700, stat.S_IMODE(os.stat(self.path).st_mode))
        # Nothing half-written is left next to the records.
        self.assertEqual(1, len(os.listdir(self.path)))

    def test_unreadable_record_is_no_record(self):
        self.records.put('a:b', 'sha256:1')
        name, = os.listdir(self.path)
        with open(os.path.join(self.path, name), 'w') as f:
            f.write('{not json')
        logs = self.useFixture(fixtures.FakeLogger())
        self.assertIsNone(self.records.get('a:b'))
        self.assertIn('unreadable image record of a:b', logs.output)
