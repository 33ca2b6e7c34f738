"""Serving OpenStack's WSGI apps with gunicorn, as operators do.

keystone, placement and nova's API read their configuration with
oslo.config, which also parses ``sys.argv``: under gunicorn that holds
gunicorn's own options, which they would refuse. ``app`` imports an app's
module with only the program name left.
"""

import importlib
import os
import sys


def app(module):
    """The ``application`` of ``module``, imported without gunicorn's
    arguments (gunicorn: ``'novadocker_sandbox.wsgi:app("MODULE")'``)."""
    sys.argv = sys.argv[:1]
    return importlib.import_module(module).application


def command(venv, address, application, threads=4, pythonpath=None,
            timeout=None):
    """gunicorn serving ``application`` (``module:name``) on ``address``.

    One worker: the services keep caches and locks per process, and one is
    enough for a sandbox. No control socket: gunicorn would make one in
    the user's home.
    """
    return [os.path.join(venv, 'bin', 'gunicorn'), '--bind', address,
            '--workers', '1', '--threads', str(threads),
            '--graceful-timeout', '5', '--no-control-socket'] + (
                ['--pythonpath', pythonpath] if pythonpath else []) + (
                ['--timeout', str(timeout)] if timeout else []) + [
                application]
