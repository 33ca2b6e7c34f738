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

"""Which engine image the driver put under each of its names.

Any program with access to the engine can move a name; a cached name is
trusted only while it still names the image recorded here when the driver
brought it in. The records live in a directory of nova-compute's own
(mode 0700), one small file per name, written atomically; hosts sharing an
engine share the directory.
"""

import hashlib
import json
import os
import tempfile

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class ImageRecords:

    def __init__(self, path):
        self._path = path

    def _file(self, reference):
        # Names hold characters (':', '/') that make poor file names.
        return os.path.join(self._path,
                            hashlib.sha256(reference.encode()).hexdigest())

    def get(self, reference):
        """The image id recorded for ``reference``, or None."""
        try:
            with open(self._file(reference)) as f:
                record = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            LOG.warning('Ignoring the unreadable image record of %(ref)s: '
                        '%(error)s', {'ref': reference, 'error': e})
            return None
        if record.get('reference') != reference:
            return None
        return record.get('image_id')

    def put(self, reference, image_id):
        os.makedirs(self._path, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self._path, prefix='.record-')
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump({'reference': reference, 'image_id': image_id}, f)
            os.replace(temporary, self._file(reference))
        except BaseException:
            os.unlink(temporary)
            raise

    def drop(self, reference):
        try:
            os.unlink(self._file(reference))
        except FileNotFoundError:
            pass
