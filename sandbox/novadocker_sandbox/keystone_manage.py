"""Runs several ``keystone-manage`` commands in one process.

Each ``keystone-manage`` run spends seconds importing keystone; one process
running its commands one after the other takes a third of the time.

    python -m novadocker_sandbox.keystone_manage CONF 'CMD ARG...' ...

``bootstrap`` reads the admin password from ``OS_BOOTSTRAP_PASSWORD``, as
``keystone-manage`` does: not on a command line that ``ps`` shows.
"""

import shlex
import sys

from keystone.cmd import cli
from keystone import conf as keystone_conf


def main(conf, *commands):
    for command in commands:
        # keystone-manage parses the command line once per process.
        keystone_conf.CONF.reset()
        cli.main(argv=['keystone-manage', '--config-file', conf] +
                 shlex.split(command))


if __name__ == '__main__':
    main(*sys.argv[1:])
