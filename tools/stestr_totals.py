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

"""Prints "N passed, N failed, N skipped" for stestr's last run.

stestr prints its totals only as a multi-line block; CI reads one line.
Exits non-zero on any failure and when no test ran at all.
"""

import io
import subprocess
import sys

import subunit
import testtools


def main():
    stream = subprocess.run([sys.executable, '-m', 'stestr', 'last',
                             '--subunit'], capture_output=True).stdout
    summary = testtools.StreamSummary()
    summary.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(stream)).run(summary)
    summary.stopTestRun()
    failed = (len(summary.failures) + len(summary.errors) +
              len(summary.unexpectedSuccesses))
    skipped = len(summary.skipped)
    passed = summary.testsRun - failed - skipped
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 0 if passed and not failed else 1


if __name__ == '__main__':
    sys.exit(main())
