"""The sandbox's demo image: Debian's static busybox and a shell loop.

Nothing can be pulled from the internet on a sandbox host, so the image is
imported from a root filesystem made on the spot.
"""

import io
import json
import tarfile

BUSYBOX = '/bin/busybox'
APPLETS = ('sh', 'sleep', 'echo', 'cat', 'ls', 'hostname', 'ps', 'id', '[',
           'test', 'true', 'grep', 'wc', 'head', 'seq', 'date', 'uptime')
REPOSITORY = 'nova-docker-sandbox/demo'
# Says hello on the console, then ticks; ends at once on SIGTERM so that
# stop and soft reboot do not wait for the kill timeout.
COMMAND = ['/bin/sh', '-c',
           'echo "Hello from nova-docker: $(hostname)"; trap "exit 0" TERM; '
           'while true; do date; sleep 10 & wait; done']


def rootfs(applets=APPLETS):
    """A tar archive of a root filesystem: busybox and ``applets`` links."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode='w') as tar:
        for directory in ('bin', 'etc', 'tmp', 'proc', 'sys', 'dev'):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        tar.add(BUSYBOX, arcname='bin/busybox')
        for applet in applets:
            info = tarfile.TarInfo('bin/' + applet)
            info.type, info.linkname = tarfile.SYMTYPE, 'busybox'
            tar.addfile(info)
    return data.getvalue()


def build(client):
    """Import the demo image into the engine; returns its reference."""
    reference = REPOSITORY + ':latest'
    client.import_image_from_data(
        rootfs(), repository=REPOSITORY, tag='latest',
        changes=['CMD ' + json.dumps(COMMAND)])
    return reference
