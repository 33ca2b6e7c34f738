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

"""Root filesystems made of one static busybox, as tar archives.

No image can be pulled on many compute hosts; the images the driver needs
for itself (and the sandbox's demo image) are imported from these.
"""

import io
import tarfile


def busybox_rootfs(busybox, applets):
    """A tar archive: ``busybox`` as /bin/busybox, ``applets`` linked to it."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode='w') as tar:
        for directory in ('bin', 'etc', 'tmp', 'proc', 'sys', 'dev'):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        tar.add(busybox, arcname='bin/busybox')
        for applet in applets:
            info = tarfile.TarInfo('bin/' + applet)
            info.type, info.linkname = tarfile.SYMTYPE, 'busybox'
            tar.addfile(info)
    return data.getvalue()
