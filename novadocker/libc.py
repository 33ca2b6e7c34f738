"""The C library, for the few system calls Python does not wrap.

Loaded on first use: finding it runs ``ldconfig``, and importing the
driver must start no process (nova's own test harness forbids it).
"""

import ctypes
import ctypes.util
import functools
import os


@functools.cache
def _library():
    return ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)


def call(function, *args, what):
    """Call libc's ``function``; OSError naming ``what`` if it fails."""
    if getattr(_library(), function)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, '%s: %s' % (what, os.strerror(error)))
