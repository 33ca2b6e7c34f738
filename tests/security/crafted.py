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

"""Images as a hostile project would upload them.

Each helper takes a real ``docker save`` tarball and changes what an
uploader controls: the names its manifest asks for, the image
configuration (command, labels, healthcheck), the number of images.
"""

import hashlib
import io
import json
import tarfile


def _members(tarball):
    with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
        return [(member, tar.extractfile(member).read()
                 if member.isfile() else None) for member in tar]


def _write(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w') as tar:
        for member, data in members:
            if data is not None:
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None
                        else None)
    return out.getvalue()


def rewrite(tarball, repo_tags=(), **config):
    """``tarball`` naming ``repo_tags`` (and nothing else), its image
    configuration changed by ``config`` (keys of the image's ``config``
    object)."""
    members = _members(tarball)
    files = {member.name: data for member, data in members}
    manifest = json.loads(files['manifest.json'])
    image_config = json.loads(files[manifest[0]['Config']])
    image_config['config'].update(config)
    data = json.dumps(image_config).encode()
    name = hashlib.sha256(data).hexdigest() + '.json'
    old_name = manifest[0]['Config']
    manifest[0]['Config'] = name
    manifest[0]['RepoTags'] = list(repo_tags)
    rewritten = []
    for member, content in members:
        if member.name == 'repositories':
            continue
        if member.name == old_name:
            member.name, content = name, data
        elif member.name == 'manifest.json':
            content = json.dumps(manifest).encode()
        rewritten.append((member, content))
    return _write(rewritten)


def image_id(tarball):
    """The engine's id of the (first) image in a docker save tarball."""
    files = {member.name: data for member, data in _members(tarball)}
    manifest = json.loads(files['manifest.json'])
    return 'sha256:' + hashlib.sha256(
        files[manifest[0]['Config']]).hexdigest()


def with_entry(tarball, name, data=None, link=None, first=False):
    """``tarball`` with one more entry: a file, or a symlink to ``link``."""
    member = tarfile.TarInfo(name)
    if link is not None:
        member.type, member.linkname = tarfile.SYMTYPE, link
    members = _members(tarball)
    entry = [(member, data)]
    return _write(entry + members if first else members + entry)


def read(tarball, name):
    return {member.name: data for member, data in _members(tarball)}[name]


def without(tarball, name):
    return _write([(member, data) for member, data in _members(tarball)
                   if member.name != name])
