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

"""A real glance-api for ``docker`` images: file store, with or without
keystone.

The sandbox runs it behind keystone on its MariaDB; the tests run it alone
(sqlite, no keystone, every caller an administrator).

glance takes over the process-wide oslo.config object and the root logger,
so it always runs as a child process, served by gunicorn from a virtualenv
of its own (glance's dependencies are not nova's).
"""

import os
import shutil
import subprocess

from novadocker_sandbox import procs
from novadocker_sandbox import wsgi

CONFIG = """
[DEFAULT]
enabled_backends = fs:file
# No web-download: glance-api would fetch any URL a user names, from the
# host's own network.
enabled_import_methods = [glance-direct]
[database]
connection = {database}
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = {dir}/images
[os_glance_staging_store]
filesystem_store_datadir = {dir}/staging
[os_glance_tasks_store]
filesystem_store_datadir = {dir}/tasks
[image_format]
container_formats = bare,docker
# "docker": Horizon offers its "Docker" image format only when glance
# lists it (and then sends raw with container format docker).
disk_formats = raw,qcow2,docker
[paste_deploy]
flavor = {flavor}
config_file = {dir}/glance-api-paste.ini
"""

# Without keystone: glance's unauthenticated pipeline, in which the new
# default policies refuse everything.
NO_KEYSTONE = """
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
policy_file = {dir}/policy.yaml
"""

# Without keystone every caller is glance's anonymous admin; publishing an
# image must not need a role nobody can have.
POLICY = '"publicize_image": ""\n'


def configure(venv, directory, database=None, authtoken=None,
              metadefs=False):
    """Write glance-api's configuration into ``directory``; sync its DB.

    ``database`` defaults to sqlite in ``directory``; ``authtoken``, a
    ``[keystone_authtoken]`` section, puts glance behind keystone;
    ``metadefs``: also load glance's metadata definitions, as deployments
    do (Horizon's image pages fail on a glance that has none). Keeps an
    existing database and image store, so a stopped glance-api comes back
    with its images.
    """
    os.makedirs(directory, exist_ok=True)
    shutil.copy(os.path.join(venv, 'etc', 'glance', 'glance-api-paste.ini'),
                directory)
    conf = os.path.join(directory, 'glance-api.conf')
    text = CONFIG.format(
        dir=directory, flavor='keystone' if authtoken else '',
        database=database or 'sqlite:///%s/glance.sqlite' % directory)
    with open(conf, 'w') as f:
        f.write(text + (authtoken or NO_KEYSTONE.format(dir=directory)))
    if not authtoken:
        with open(os.path.join(directory, 'policy.yaml'), 'w') as f:
            f.write(POLICY)
    manage = [os.path.join(venv, 'bin', 'glance-manage'), '--config-file',
              conf]
    procs.run(manage + ['db_sync'], 'glance-manage db_sync')
    if metadefs:
        procs.run(manage + ['db_load_metadefs', os.path.join(
            venv, 'etc', 'glance', 'metadefs')],
            'glance-manage db_load_metadefs')


def command(venv, address):
    """The command line that serves glance-api on ``address`` (host:port)."""
    return wsgi.command(venv, address, 'glance.wsgi.api:application')


def environment(directory):
    """The environment in which glance-api reads ``directory``'s config."""
    return dict(os.environ, OS_GLANCE_CONFIG_DIR=directory)


def start(venv, directory, address, log):
    """Start glance-api in a session of its own; ``log`` takes its output."""
    return subprocess.Popen(
        command(venv, address), env=environment(directory), stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
