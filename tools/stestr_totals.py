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
