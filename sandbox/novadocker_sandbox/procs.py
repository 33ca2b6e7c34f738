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

"""The sandbox's processes: setup commands, pid files, stopping, ports
and memory.

Linux only: reads /proc.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time


def _stat(pid):
    """The fields of /proc/<pid>/stat after the command name, or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            # The command name is parenthesised and may hold anything.
            return f.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None


def run(argv, what, env=None, stdin=None):
    """Run a setup command; a failure raises RuntimeError naming ``what``
    with the end of its error output. ``stdin``: text fed to it (secrets
    go there, never into ``argv``, which ``ps`` shows)."""
    result = subprocess.run(argv, env=env, input=stdin, capture_output=True,
                            text=True)
    if result.returncode:
        raise RuntimeError('%s failed: %s' % (
            what, (result.stderr or result.stdout).strip()[-2000:]))


def alive(pid):
    fields = _stat(pid)
    return fields is not None and fields[0] != 'Z'


def start_time(pid):
    """When ``pid`` started (clock ticks since boot): with the pid, what
    tells a process from a later one that got its recycled number."""
    fields = _stat(pid)
    return fields[19] if fields else None


def read_pid(path):
    """The pid in ``path`` if that very process is alive, else None.

    A pid file holds "pid start-time"; a file without the start time, or
    a pid now used by another process, names nothing to signal.
    """
    try:
        with open(path) as f:
            pid, started = f.read().split()
        pid = int(pid)
    except (OSError, ValueError):
        return None
    return pid if alive(pid) and start_time(pid) == started else None


def write_pid(path, process):
    with open(path, 'w') as f:
        f.write('%d %s\n' % (process.pid, start_time(process.pid)))


def remove_pid(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def stop(pids, timeout):
    """SIGTERM the process groups led by ``pids``; SIGKILL those still
    running after ``timeout`` seconds. They stop side by side."""
    for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            pids = [pid for pid in pids if alive(pid)]
            if not pids:
                return
            time.sleep(0.2)


def _listening_inodes(port):
    inodes = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with contextlib.suppress(OSError), open(table) as f:
            for line in list(f)[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == '0A' and int(local.rsplit(':', 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def _cmdline(pid):
    with open('/proc/%s/cmdline' % pid, 'rb') as f:
        return f.read().replace(b'\0', b' ').decode(errors='replace').strip()


def port_owner(host, port):
    """Who listens on ``port``: "pid N (command)", or None if nobody."""
    with socket.socket() as s:
        s.settimeout(2)
        if s.connect_ex((host, port)) != 0:
            return None
    sockets = {'socket:[%s]' % inode for inode in _listening_inodes(port)}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        with contextlib.suppress(OSError):
            fd_dir = '/proc/%s/fd' % pid
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    if os.readlink(os.path.join(fd_dir, fd)) in sockets:
                        return 'pid %s (%s)' % (pid, _cmdline(pid)[:80])
    return 'another process'


def tree_rss(pid):
    """Resident memory in bytes of ``pid`` and all its descendants."""
    children, rss = {}, {}
    page = os.sysconf('SC_PAGE_SIZE')
    for entry in filter(str.isdigit, os.listdir('/proc')):
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * page
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, ()))
    return total


def tail(path, lines=20):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''
