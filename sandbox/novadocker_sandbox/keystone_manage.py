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
