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

"""The sandbox's pid files, against real processes."""

import os
import subprocess
import time

import fixtures
import testtools

from novadocker_sandbox import procs


class PidFileTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'nova.pid')
        self.sleeper = subprocess.Popen(['sleep', '60'])
        self.addCleanup(self.sleeper.wait)
        self.addCleanup(self.sleeper.kill)

    def write(self, text):
        with open(self.path, 'w') as f:
            f.write(text)

    def test_names_the_process_it_was_written_for(self):
        procs.write_pid(self.path, self.sleeper)
        self.assertEqual(self.sleeper.pid, procs.read_pid(self.path))

    def test_a_reused_pid_names_nothing(self):
        # The process it was written for ended; its number now belongs to
        # another process, which must never be signalled.
        self.write('%d 1\n' % self.sleeper.pid)
        self.assertIsNone(procs.read_pid(self.path))
        self.write('%d\n' % self.sleeper.pid)
        self.assertIsNone(procs.read_pid(self.path))

    def test_ended_process_names_nothing(self):
        procs.write_pid(self.path, self.sleeper)
        self.sleeper.kill()
        self.sleeper.wait()
        self.assertIsNone(procs.read_pid(self.path))


class StopTest(testtools.TestCase):

    def group(self, script):
        process = subprocess.Popen(['sh', '-c', script],
                                   start_new_session=True)
        self.addCleanup(process.wait)
        self.addCleanup(lambda: procs.alive(process.pid) and process.kill())
        return process.pid

    def test_stops_groups_side_by_side_killing_what_ignores_sigterm(self):
        # A child of the leader must go too: the group is signalled.
        polite = self.group('sleep 60 & wait')
        stubborn = self.group('trap "" TERM; sleep 60 & wait')
        time.sleep(0.2)
        started = time.monotonic()
        procs.stop([polite, stubborn], timeout=1)
        self.assertLess(time.monotonic() - started, 5)
        for pid in (polite, stubborn):
            self.assertFalse(procs.alive(pid), pid)
