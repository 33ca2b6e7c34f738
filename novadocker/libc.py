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

"""The C library, for the few system calls Python does not wrap.

The library is the one Python itself runs on (``CDLL(None)``): looking it
up by name (``ctypes.util.find_library``) runs ``ldconfig``, and the driver
starts no process for that (nova's own test harness forbids it).
"""

import ctypes
import functools
import os


@functools.cache
def _library():
    return ctypes.CDLL(None, use_errno=True)


def call(function, *args, what):
    """Call libc's ``function``; OSError naming ``what`` if it fails."""
    if getattr(_library(), function)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, '%s: %s' % (what, os.strerror(error)))
