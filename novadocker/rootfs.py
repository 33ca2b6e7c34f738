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
