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

"""The sandbox's demo image: Debian's static busybox and a shell loop.

Nothing can be pulled from the internet on a sandbox host, so the image is
imported from a root filesystem made on the spot.
"""

import json

from novadocker import rootfs as rootfs_tar

BUSYBOX = '/bin/busybox'
APPLETS = ('sh', 'sleep', 'echo', 'cat', 'ls', 'hostname', 'ps', 'id', '[',
           'test', 'true', 'grep', 'wc', 'head', 'seq', 'date', 'uptime',
           'ip', 'ping', 'ping6', 'nc', 'httpd', 'mkdir')
REPOSITORY = 'nova-docker-sandbox/demo'
# Says hello on the console and over HTTP on port 80 (what a security
# group rule opens: "curl http://ADDRESS/"), then ticks; ends at once on
# SIGTERM so that stop and soft reboot do not wait for the kill timeout.
COMMAND = ['/bin/sh', '-c',
           'hello="Hello from nova-docker: $(hostname)"; echo "$hello"; '
           'mkdir -p /www; echo "$hello" > /www/index.html; '
           'httpd -p 80 -h /www; '
           'trap "exit 0" TERM; while true; do date; sleep 10 & wait; done']


def rootfs(applets=APPLETS):
    return rootfs_tar.busybox_rootfs(BUSYBOX, applets)


def build(client):
    """Import the demo image into the engine; returns its reference."""
    reference = REPOSITORY + ':latest'
    client.import_image_from_data(
        rootfs(), repository=REPOSITORY, tag='latest',
        changes=['CMD ' + json.dumps(COMMAND)])
    return reference
