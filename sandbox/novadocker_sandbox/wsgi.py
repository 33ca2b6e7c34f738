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
