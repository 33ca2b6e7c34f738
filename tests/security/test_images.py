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

"""A hostile project's images against the driver, on the real engine.

Every attack here reached another project's server or the driver's own
images before the driver stopped letting archive names into the engine.
Each test checks the attack fails and that every other name in the engine
still names what it named before.
"""

import contextlib
import gzip
import io
import json
import subprocess
import tarfile
import threading
import time

import docker
import fixtures
from oslo_utils import units
from oslo_utils import uuidutils

import nova.conf
from nova import exception as nova_exception

from novadocker import images
from tests.integration import base
from tests.integration import test_images
from tests.security import crafted
from tests.unit import fakes

CONF = nova.conf.CONF
ATTACKER_COMMAND = ['/bin/sh', '-c', 'echo pwned; trap "exit 0" TERM; '
                    'while true; do sleep 1; done']


class EngineEvents:
    """The engine's image events while a block runs."""

    def __init__(self, client):
        self._client = client

    @contextlib.contextmanager
    def recording(self):
        # The engine filters by whole seconds; its events carry
        # nanoseconds.
        start = time.time_ns()
        self.events = []
        yield self
        self.events = [event for event in self._client.events(
            since=start // 10 ** 9, until=int(time.time()) + 1, decode=True,
            filters={'type': 'image'}) if event['timeNano'] >= start]

    def names(self, *actions):
        return sorted({event['Actor']['Attributes'].get('name', '')
                       for event in self.events
                       if event['Action'] in actions})


class HostileImageTestCase(test_images.GlanceImageTestCase):
    """A victim image cached on the host, as any public image would be."""

    def setUp(self):
        super().setUp()
        self.victim = self.upload(self.tarball)
        self.victim_ref = images.local_reference(self.registry,
                                                 self.meta(self.victim))
        self.spawn_from(self.victim)
        self.victim_id = self.client.inspect_image(self.victim_ref)['Id']
        self.events = EngineEvents(self.client)

    def hostile(self, repo_tags=(), **config):
        config.setdefault('Cmd', ATTACKER_COMMAND)
        return crafted.rewrite(self.tarball, repo_tags=repo_tags, **config)

    def names_of(self, image):
        return images.local_reference(self.registry, self.meta(image))

    def assert_victim_untouched(self):
        """The victim's name still names its image, and boots it."""
        self.assertEqual(self.victim_id,
                         self.client.inspect_image(self.victim_ref)['Id'])
        instance = self.spawn_from(self.victim)
        output = self.wait_for_console(instance, b'started')
        self.assertNotIn(b'pwned', output)

    def _remove(self, image_id):
        with contextlib.suppress(docker.errors.APIError):
            self.client.remove_image(image_id, force=True)

    def assert_victim_untouched_after_boot(self):
        """A host without the victim brings it in and boots it."""
        instance = self.spawn_from(self.victim)
        self.assertEqual(self.victim_id, self.inspect(instance)['Image'])
        self.assertNotIn(b'pwned', self.wait_for_console(instance,
                                                         b'started'))

    def assert_boots_moving_no_name(self, image, *names):
        """``image`` boots under its own name alone; none of ``names`` was
        moved, not even for a moment."""
        with self.events.recording():
            instance = self.spawn_from(image)
        self.assertIn(b'pwned', self.wait_for_console(instance, b'pwned'))
        moved = self.events.names('tag', 'untag')
        self.assertIn(self.names_of(image), moved)
        self.assertEqual([], [name for name in names if name in moved])


class NamesInsideTarballsTest(HostileImageTestCase):

    def test_manifest_naming_a_cached_image_and_an_invalid_name(self):
        image = self.upload(self.hostile(
            [self.victim_ref, 'x:NOT VALID!']))
        # The names are not the image's business: it boots under its own.
        self.assert_boots_moving_no_name(image, self.victim_ref)
        self.assert_victim_untouched()

    def test_manifest_naming_a_cached_image(self):
        image = self.upload(self.hostile([self.victim_ref]))
        self.assert_boots_moving_no_name(image, self.victim_ref)
        self.assert_victim_untouched()

    def test_manifest_naming_the_namespace_holder_image(self):
        holder = self.driver._images.netns_image(CONF.docker.netns_busybox)
        holder_id = self.client.inspect_image(holder)['Id']
        image = self.upload(self.hostile([holder]))
        self.assert_boots_moving_no_name(image, holder)
        self.assertEqual(holder_id, self.client.inspect_image(holder)['Id'])

    def test_legacy_repositories_file_naming_a_cached_image(self):
        tarball = self.hostile()
        manifest = json.loads(crafted.read(tarball, 'manifest.json'))
        top_layer = manifest[0]['Layers'][-1].split('/')[0]
        repository, tag = self.victim_ref.rsplit(':', 1)
        tarball = crafted.with_entry(
            crafted.without(tarball, 'manifest.json'), 'repositories',
            json.dumps({repository: {tag: top_layer}}).encode())
        image = self.upload(tarball)
        with self.events.recording():
            error = self.assertRaises(
                nova_exception.ImageUnacceptable, self.spawn_from, image)
        self.assertIn('no manifest.json', error.format_message())
        self.assertNotIn(self.victim_ref, self.events.names('tag', 'untag'))
        self.assert_victim_untouched()

    def test_two_images_in_one_tarball_move_no_name(self):
        names = [base.test_image('server'), base.test_image('stubborn')]
        two = subprocess.run(['docker', 'save'] + names, check=True,
                             capture_output=True).stdout
        image = self.upload(two)
        with self.events.recording():
            error = self.assertRaises(
                nova_exception.ImageUnacceptable, self.spawn_from, image)
        self.assertIn('holds 2 images', error.format_message())
        self.assertEqual([], [name for name in names if name in
                              self.events.names('tag', 'untag')])
        self.assertEqual([], self.engine_references(image['id']))

    def test_concurrent_first_boots_of_images_with_one_internal_name(self):
        # Another host's load lands between this load and its tagging:
        # the name inside both tarballs then names the other image.
        internal = 'app-%s:latest' % self.host
        self.addCleanup(self._untag, internal)
        mine = self.upload(self.hostile([internal]))
        theirs = crafted.rewrite(self.tarball, repo_tags=[internal],
                                 Cmd=['/bin/sh', '-c', 'echo theirs; '
                                      'trap "exit 0" TERM; while true; '
                                      'do sleep 1; done'])
        engine = self.driver._images._engine
        real_load = engine.load

        def load_then_another_host_loads(chunks):
            loaded = real_load(chunks)
            list(self.client.load_image(theirs))
            return loaded

        self.useFixture(fixtures.MockPatchObject(
            engine, 'load', load_then_another_host_loads))
        instance = self.spawn_from(mine)
        self.assertEqual(crafted.image_id(self.hostile([internal])),
                         self.inspect(instance)['Image'])
        output = self.wait_for_console(instance, b'pwned')
        self.assertNotIn(b'theirs', output)

    def _untag(self, name):
        with contextlib.suppress(docker.errors.NotFound):
            self.client.remove_image(name)

    def test_concurrent_first_boots_through_the_driver(self):
        internal = 'app-%s:latest' % self.host
        self.addCleanup(self._untag, internal)
        commands = {}
        uploads = []
        for word in ('alpha', 'beta', 'gamma'):
            command = ['/bin/sh', '-c', 'echo %s; trap "exit 0" TERM; '
                       'while true; do sleep 1; done' % word]
            uploads.append((word, self.upload(crafted.rewrite(
                self.tarball, repo_tags=[internal], Cmd=command))))
        barrier = threading.Barrier(len(uploads))

        def boot(upload):
            word, image = upload
            barrier.wait()
            commands[word] = self.spawn_from(image)

        threads = [threading.Thread(target=boot, args=(u,)) for u in uploads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for word, instance in commands.items():
            self.assertIn(word.encode(),
                          self.wait_for_console(instance, word.encode()))
        self.assertEqual(3, len(commands))
        # The internal name was never given to anything.
        self.assertRaises(docker.errors.ImageNotFound,
                          self.client.inspect_image, internal)


class OversizeImageTest(test_images.GlanceImageTestCase):

    def assert_refused_for_a_1_gib_root_disk(self, data):
        image = self.upload(data)
        instance = fakes.instance(flavor=fakes.flavor(root_gb=1))
        error = self.assertRaises(
            nova_exception.ImageUnacceptable, self.driver.spawn,
            self.context, instance, self.meta(image), [], None, {},
            network_info=[])
        self.assertIn('unpacks to more than 1024 MiB, the root disk of the '
                      'flavor', error.format_message())
        self.assertEqual([], self.engine_references(image['id']))

    def test_small_upload_unpacking_beyond_the_root_disk(self):
        # 1 MiB in Glance, 1.1 GiB once decompressed: nova's own check of
        # the Glance size against the flavor cannot see it.
        self.assert_refused_for_a_1_gib_root_disk(
            gzipped_zeros('zeros/layer.tar'))

    def test_compressed_layer_inside_a_plain_archive(self):
        # The engine decompresses layers it loads: the archive is 1 MiB and
        # plain, its one layer unpacks to 1.1 GiB.
        config = json.dumps({
            'architecture': 'amd64', 'os': 'linux', 'config': {},
            'rootfs': {'type': 'layers',
                       'diff_ids': ['sha256:' + '0' * 64]}}).encode()
        manifest = [{'Config': 'config.json', 'Layers': ['l/layer.tar']}]
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode='w') as tar:
            for name, data in (('l/layer.tar', gzipped_zeros('zeros')),
                               ('config.json', config),
                               ('manifest.json',
                                json.dumps(manifest).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        self.assert_refused_for_a_1_gib_root_disk(out.getvalue())


def gzipped_zeros(name):
    """A gzip tarball of one file, ``name``, of 1.1 GiB of zeros."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode='wb', compresslevel=1) as gz:
        with tarfile.open(fileobj=gz, mode='w|') as tar:
            info = tarfile.TarInfo(name)
            info.size = 1100 * units.Mi
            tar.addfile(info, Zeros())
    return out.getvalue()


class Zeros(io.RawIOBase):
    """As many zero bytes as are read."""

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = bytes(len(buffer))
        return len(buffer)


class RegistryPointerTest(HostileImageTestCase):

    def test_docker_image_naming_another_images_repository(self):
        self.wait_for_registry(self.victim)
        pointer = images.glance_repository_tag(self.victim['id'],
                                               self.victim['checksum'])
        image = self.upload(None, docker_image=pointer)
        self._forget(self.victim)
        instance = fakes.instance()
        error = self.assertRaises(
            nova_exception.ImageUnacceptable, self.driver.spawn,
            self.context, instance, self.meta(image), [], None, {},
            network_info=[])
        self.assertIn('docker_image', error.format_message())
        self.assertIn(pointer, error.format_message())
        self.assertEqual([], self.driver.list_instance_uuids())
        self.assertEqual([], self.engine_references(self.victim['id']))

    def test_moved_tag_is_dropped_and_fetched_again(self):
        # Something other than the driver (an operator's tool, another
        # program on the engine) puts the victim's name on other content.
        attacker = crafted.image_id(self.hostile())
        list(self.client.load_image(self.hostile()))
        self.addCleanup(self._remove, attacker)
        repository, tag = self.victim_ref.rsplit(':', 1)
        self.client.tag(attacker, repository, tag, force=True)
        logs = self.useFixture(fixtures.FakeLogger(level='WARNING'))
        self.assert_victim_untouched_after_boot()
        self.assertIn(self.victim_ref, logs.output)
        self.assertIn(attacker, logs.output)


class ImageVolumesTest(HostileImageTestCase):

    def test_volumes_stay_in_the_root_filesystem(self):
        # An engine volume lives outside the root disk's quota, outside
        # snapshots, outside everything the flavor bounds.
        volumes = {v['Name'] for v in
                   self.client.volumes()['Volumes'] or ()}
        image = self.upload(self.hostile(Volumes={'/data': {}}, Cmd=[
            '/bin/sh', '-c', 'mkdir -p /data; echo pwned > /data/file; '
            'echo pwned; '
            'trap "exit 0" TERM; while true; do sleep 1; done']))
        instance = self.spawn_from(image)
        self.wait_for_console(instance, b'pwned')
        details = self.inspect(instance)
        self.assertEqual([], details['Mounts'])
        self.assertFalse(details['Config']['Volumes'])
        self.assertEqual(volumes, {v['Name'] for v in
                                   self.client.volumes()['Volumes'] or ()})
        # What the workload wrote there is in the container's own layer.
        self.assertIn('/data/file', [
            change['Path'] for change in
            self.client.diff(details['Id']) or ()])


class RegistryContentTest(HostileImageTestCase):
    """Whoever can push to the registry, but holds no compute host's
    secret, chooses nothing a host runs."""

    def push_by_hand(self, content, reference):
        image_id = crafted.image_id(content)
        list(self.client.load_image(content))
        self.addCleanup(self._remove, image_id)
        repository, tag = reference.rsplit(':', 1)
        self.client.tag(image_id, repository, tag, force=True)
        for message in self.client.push(repository, tag=tag, stream=True,
                                        decode=True):
            self.assertNotIn('error', message)
        self.client.remove_image(reference)

    def test_registry_copy_replaced_by_hand(self):
        self.wait_for_registry(self.victim)
        self.push_by_hand(self.hostile(), self.victim_ref)
        self._forget(self.victim)
        downloads = self.count_downloads()
        logs = self.useFixture(fixtures.FakeLogger(level='WARNING'))
        # A host that never saw the victim: Glance's verified data, not
        # what the registry holds now.
        self.assert_victim_untouched_after_boot()
        self.assertEqual([self.victim['id']], downloads)
        self.assertIn('no compute host pushed it there', logs.output)

    def test_registry_only_image_pushed_by_hand(self):
        image_id = uuidutils.generate_uuid()
        source = images.glance_repository_tag(image_id, 'v1')
        self.push_by_hand(self.hostile(), '%s/%s' % (self.registry, source))
        image = self.upload(None, id=image_id, docker_image=source)
        error = self.assertRaises(
            nova_exception.ImageUnacceptable, self.driver.spawn,
            self.context, fakes.instance(), self.meta(image), [], None, {},
            network_info=[])
        self.assertIn('its docker_image %s cannot be pulled: no compute '
                      'host pushed what the registry holds' % source,
                      error.format_message())
        self.assertEqual([], self.engine_references(image_id))

    def test_host_without_the_secret_never_pulls(self):
        self.wait_for_registry(self.victim)
        self.flags.config(registry_shared_secret=None, group='docker')
        drv = self.make_driver(self.host + '-nosecret')
        self._forget(self.victim)
        downloads = self.count_downloads(drv)
        self.spawn_from(self.victim, drv)
        self.assertEqual([self.victim['id']], downloads)
