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

"""Glance images into the engine, and snapshots back, against raw Docker.

Measured in one run, on this machine's engine, registry and a real
glance-api (tests/glance.py):

- first boot of an uncached image of --size-mib (default 256 MiB of
  incompressible data), Glance -> engine (the archive rewritten on the way
  so that the engine sees no names, its hash verified by glanceclient),
  against (a) ``docker load < file`` of the same tarball, (b) the
  hand-made pipeline ``curl <glance>/v2/images/ID/file | docker load``
  (target <= 1.05), which checks no hash, (b') the same through the
  Python clients: nova's Glance download (glanceclient, which checks the
  hash) piped into ``docker load`` (target <= 1.05), (c) the original
  nova-docker's way, nova's download into a temporary file and then
  ``docker load`` (target < 1.00), and (c') the same with curl, which
  checks no hash;
  the time until the first container runs; how long until the background
  push has shared it through the registry;
- the process's peak RSS growth during that load (target <= 64 MiB, not
  growing with the image's size);
- a cache hit, which checks the engine's image id against the driver's
  record (target < 10 ms);
- first boot on a host that never saw the image (the engine emptied of
  it), which pulls the copy the first host pushed to the registry, against
  a raw ``docker pull`` of the same reference (target <= 1.10);
- snapshot (commit, push, docker save streamed into Glance) against (b)
  ``docker commit`` + ``docker save | curl -T - <glance>`` (target <=
  1.05) and (c) commit, ``docker save`` to a temporary file, then its
  upload (target < 1.00); the snapshot without its push to the registry
  (what sharing it with other hosts costs); and how long the server is
  paused: only while its filesystem is committed.

Every way is measured once per run, the runs interleaved, so the ratios
compare neighbours; each figure is the median with the range of the runs.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid

import requests

from nova import context as nova_context
from nova import objects

from bench import common
from novadocker import images
from novadocker_sandbox import demo
from tests import glance
from tests.integration import base
from tests.unit import fakes


class PeakRss:
    """Samples this process's resident set while a block runs."""

    def __init__(self):
        self.peak = self.start = common.rss_bytes()
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, common.rss_bytes())

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self):
        return (self.peak - self.start) / 2 ** 20


def _timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def _wait_for_push(registry, image):
    """Seconds until the background push of ``image`` reached the registry.

    Waiting also keeps that push from competing with the next measurement.
    """
    start = time.perf_counter()
    url = 'http://%s/v2/glance/%s/tags/list' % (registry, image['id'])
    while image['checksum'] not in (requests.get(url, timeout=10).json()
                                    .get('tags') or ()):
        time.sleep(0.05)
    return time.perf_counter() - start


def _remove_loaded(client, output):
    """Remove the image ``docker load`` reported in ``output``."""
    client.remove_image(output.split('Loaded image: ')[-1].strip())


def _docker_load(client, command):
    """Seconds a hand-made load takes; the image is removed after."""
    start = time.perf_counter()
    loaded = subprocess.run(['bash', '-c', command], check=True,
                            capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - start
    _remove_loaded(client, loaded)
    return elapsed


def _client_pipe(client, glance_api, context, image_id):
    """Seconds of nova's own Glance download (glanceclient, which checks
    the image's hash) piped into ``docker load``, as a script with the
    Python clients would; the image is removed after."""
    start = time.perf_counter()
    load = subprocess.Popen(['docker', 'load'], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=False)
    for chunk in glance_api.download(context, image_id):
        load.stdin.write(chunk)
    loaded, _ = load.communicate()
    elapsed = time.perf_counter() - start
    if load.returncode:
        raise RuntimeError('docker load failed: %r' % loaded)
    _remove_loaded(client, loaded.decode())
    return elapsed


def _nova_docker_way(client, glance_api, context, image_id, path):
    """Seconds of the original nova-docker's first boot: nova's download
    of the image into a file (its hash checked), then ``docker load`` of
    the file; the file and the image are removed after."""
    start = time.perf_counter()
    glance_api.download(context, image_id, dest_path=path)
    elapsed = time.perf_counter() - start + _docker_load(
        client, 'docker load -i ' + path)
    os.unlink(path)
    return elapsed


def _hand_snapshot(server, container, command):
    """Seconds ``command`` takes to put a commit of ``container`` into a
    new Glance image ($IMAGE is the commit, $URL the image's data); the
    commit and the Glance image are removed after."""
    target = server.create(name='bench hand snapshot')
    start = time.perf_counter()
    committed = subprocess.run(['docker', 'commit', container], check=True,
                               capture_output=True, text=True).stdout.strip()
    subprocess.run(['bash', '-c', 'set -o pipefail; ' + command], check=True,
                   env=dict(os.environ, IMAGE=committed,
                            URL='%s/v2/images/%s/file' % (server.endpoint,
                                                          target['id'])))
    elapsed = time.perf_counter() - start
    server.delete(target['id'])
    subprocess.run(['docker', 'rmi', committed], check=True,
                   capture_output=True)
    return elapsed


def _second_host(bench, context, image, reverse):
    """Seconds the driver takes to bring in ``image`` on an engine that
    does not hold it, from the registry, and seconds of a raw ``docker
    pull`` of the same reference; each is removed after, and which goes
    first alternates with ``reverse``."""
    handler = bench.driver._images
    source = images.content_reference(handler.registry, image['id'],
                                      image['checksum'])
    downloads = []
    download = handler._glance.download
    handler._glance.download = lambda *a, **kw: downloads.append(a) or (
        download(*a, **kw))

    def driver_side():
        elapsed = _timed(bench.driver.cache_image, context, image['id'])[0]
        for tag in base.glance_references(bench.client, image['id']):
            bench.client.remove_image(tag)
        return elapsed

    def raw_side():
        elapsed = _timed(bench.client.pull, source)[0]
        bench.client.remove_image(source)
        return elapsed

    sides = [driver_side, raw_side]
    try:
        times = {side: side() for side in (sides[::-1] if reverse else
                                           sides)}
    finally:
        handler._glance.download = download
    if downloads:
        raise RuntimeError('the second host downloaded %s from Glance: the '
                           'registry copy was refused' % image['id'])
    return times[driver_side], times[raw_side]


def _unshared_snapshot(bench, context, instance, glance_image):
    """Seconds of a snapshot into ``glance_image`` that skips the push to
    the registry (as without [docker] registry_shared_secret): what the
    push costs the snapshot."""
    handler = bench.driver._images
    secret, handler._secret = handler._secret, None
    try:
        return _timed(bench.driver.snapshot, context, instance,
                      glance_image['id'], lambda **kw: None)[0]
    finally:
        handler._secret = secret


class _PauseTimer:
    """How long the driver keeps a container paused for a snapshot: the
    engine pauses it only inside a commit with pause=True."""

    def __init__(self, engine):
        self.paused = []
        self._commit = engine.commit
        engine.commit = self._timed_commit

    def _timed_commit(self, name, reference, pause=True):
        start = time.perf_counter()
        try:
            return self._commit(name, reference, pause=pause)
        finally:
            if pause:
                self.paused.append(time.perf_counter() - start)


def big_image(client, size_mib, workdir):
    """A docker save tarball of busybox plus size_mib of random data."""
    rootfs = os.path.join(workdir, 'rootfs')
    os.makedirs(os.path.join(rootfs, 'bin'))
    subprocess.run(['cp', demo.BUSYBOX, os.path.join(rootfs, 'bin')],
                   check=True)
    os.symlink('busybox', os.path.join(rootfs, 'bin', 'sh'))
    os.symlink('busybox', os.path.join(rootfs, 'bin', 'sleep'))
    with open(os.path.join(rootfs, 'payload'), 'wb') as f:
        for _ in range(size_mib):
            f.write(os.urandom(2 ** 20))
    name = 'nova-docker-bench/big:%s' % uuid.uuid4().hex[:8]
    tar = subprocess.Popen(['tar', '-C', rootfs, '-c', '.'],
                           stdout=subprocess.PIPE)
    subprocess.run(['docker', 'import', '--change',
                    'CMD ["/bin/sh", "-c", "trap \\"exit 0\\" TERM; '
                    'while true; do sleep 1; done"]', '-', name],
                   stdin=tar.stdout, check=True, capture_output=True)
    tar.wait()
    path = os.path.join(workdir, 'image.tar')
    subprocess.run(['docker', 'save', '-o', path, name], check=True)
    client.remove_image(name)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--size-mib', type=int, default=256)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    bench = common.Bench()
    server = glance.server()
    common.CONF.set_override('api_servers', [server.endpoint], 'glance')
    context = nova_context.RequestContext('bench', 'bench',
                                          auth_token='bench', is_admin=True)
    registry = bench.driver._images.registry
    loads, raw_loads, growths, hits, snaps = [], [], [], [], []
    pushes, pipes, downloads, starts = [], [], [], []
    snap_pipes, snap_files = [], []
    second_hosts, raw_pulls, curl_files, client_pipes = [], [], [], []
    unshared_snaps = []
    paused = _PauseTimer(bench.driver._engine)
    upload = ('curl -sf -X PUT -H "Content-Type: application/octet-stream" '
              '-T %s "$URL"')
    with tempfile.TemporaryDirectory(prefix='nova-docker-bench-') as workdir:
        path = big_image(bench.client, args.size_mib, workdir)
        for _ in range(args.runs):
            with open(path, 'rb') as f:
                image = server.create(data=f)
            meta = objects.ImageMeta.from_dict(dict(
                id=image['id'], checksum=image['checksum'],
                container_format='docker', disk_format='raw'))
            with PeakRss() as rss:
                elapsed, _ = _timed(bench.driver.cache_image, context,
                                    image['id'])
            loads.append(elapsed)
            growths.append(rss.growth_mib)
            pushes.append(_wait_for_push(registry, image) + elapsed)
            hits.extend(_timed(bench.driver._images.ensure, context,
                               meta)[0] for _ in range(20))

            instance = fakes.instance()
            starts.append(elapsed + _timed(
                bench.driver.spawn, context, instance, meta, [], None, {},
                network_info=[])[0])
            snapshot = server.create(name='bench snapshot',
                                     container_format='bare')
            snaps.append(_timed(bench.driver.snapshot, context, instance,
                                snapshot['id'], lambda **kw: None)[0])
            unshared = server.create(name='bench snapshot, not shared',
                                     container_format='bare')
            unshared_snaps.append(_unshared_snapshot(bench, context,
                                                     instance, unshared))
            container = 'nova-' + instance.uuid
            snap_pipes.append(_hand_snapshot(
                server, container, 'docker save "$IMAGE" | ' + upload % '-'))
            snap_tar = os.path.join(workdir, 'snap.tar')
            snap_files.append(_hand_snapshot(
                server, container, 'docker save -o %s "$IMAGE" && %s; '
                'status=$?; rm -f %s; exit $status' % (
                    snap_tar, upload % snap_tar, snap_tar)))
            bench.driver.destroy(context, instance, [])
            for glance_image in (image, snapshot, unshared):
                for tag in base.glance_references(bench.client,
                                                  glance_image['id']):
                    bench.client.remove_image(tag)
                if glance_image is not image:
                    server.delete(glance_image['id'])
            second, pulled = _second_host(bench, context, image, reverse=len(
                second_hosts) % 2)
            second_hosts.append(second)
            raw_pulls.append(pulled)

            raw_loads.append(_docker_load(bench.client,
                                          'docker load -i ' + path))
            url = '%s/v2/images/%s/file' % (server.endpoint, image['id'])
            pipes.append(_docker_load(
                bench.client, 'set -o pipefail; curl -sf %s | docker load'
                % url))
            download = os.path.join(workdir, 'download.tar')
            curl_files.append(_docker_load(
                bench.client, 'curl -sf -o %s %s && docker load -i %s; '
                'status=$?; rm -f %s; exit $status' % (
                    download, url, download, download)))
            glance_api = bench.driver._images._glance
            client_pipes.append(_client_pipe(bench.client, glance_api,
                                             context, image['id']))
            downloads.append(_nova_docker_way(bench.client, glance_api,
                                              context, image['id'],
                                              download))
            server.delete(image['id'])
    bench.close()
    print('first boot of a %d MiB image from Glance into the engine, %d '
          'interleaved runs: %s' % (args.size_mib, args.runs,
                                    common.spread(loads, 's')))
    _compare(loads, (('(a) docker load < file', raw_loads, None),
                     ('(b) curl glance | docker load', pipes, '<= 1.05'),
                     ("(b') glanceclient | docker load", client_pipes,
                      '<= 1.05'),
                     ("(c) nova's download to a file, docker load",
                      downloads, '< 1.00'),
                     ("(c') curl to a file, docker load", curl_files,
                      None)))
    print('until the first container runs: %s' % common.spread(starts, 's'))
    print('peak RSS growth during the load: %.1f MiB (target <= 64)' %
          max(growths))
    print('until the registry has it too (background push): %.2f s' %
          statistics.median(pushes))
    print('cache hit: %s (target < 10 ms)' % common.spread(
        [hit * 1000 for hit in hits], 'ms'))
    print('first boot on a host that never saw it (pulled from the '
          'registry): %s' % common.spread(second_hosts, 's'))
    _compare(second_hosts, (('docker pull', raw_pulls, '<= 1.10'),))
    print('snapshot (commit, push, save streamed into Glance): %s' %
          common.spread(snaps, 's'))
    _compare(snaps, (('(b) commit, docker save | upload', snap_pipes,
                      '<= 1.05'),
                     ('(c) commit, save to a file, upload', snap_files,
                      '< 1.00')))
    print('  the driver without the registry push (no shared secret): %s' %
          common.spread(unshared_snaps, 's'))
    _compare(unshared_snaps, (('(b) commit, docker save | upload',
                               snap_pipes, None),))
    print('  the server paused (its commit): %s' % common.spread(
        paused.paused, 's'))


def _compare(ours, peers):
    """Each peer's times and our ratio to it, run by run."""
    for name, theirs, target in peers:
        print('  %s: %s; ratio %s%s' % (
            name, common.spread(theirs, 's'),
            common.ratios(ours, theirs),
            ' (target %s)' % target if target else ''))


if __name__ == '__main__':
    main()
