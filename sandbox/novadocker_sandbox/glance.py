"""A real glance-api without keystone: sqlite, file store, ``docker`` images.

glance takes over the process-wide oslo.config object and the root logger,
so it always runs as a child process, served by gunicorn from a virtualenv
of its own (glance's dependencies are not nova's).
"""

import os
import shutil
import subprocess

CONFIG = """
[DEFAULT]
enabled_backends = fs:file
# No web-download: glance-api would fetch any URL a user names, from the
# host's own network.
enabled_import_methods = [glance-direct]
[database]
connection = sqlite:///{dir}/glance.sqlite
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
disk_formats = raw,qcow2
[paste_deploy]
# Empty: the pipeline without keystone.
flavor =
config_file = {dir}/glance-api-paste.ini
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
policy_file = {dir}/policy.yaml
"""

# Without keystone every caller is glance's anonymous admin; publishing an
# image must not need a role nobody can have.
POLICY = '"publicize_image": ""\n'


def configure(venv, directory):
    """Write glance-api's configuration into ``directory``; create its DB.

    Keeps an existing database and image store, so a stopped glance-api
    comes back with its images.
    """
    os.makedirs(directory, exist_ok=True)
    shutil.copy(os.path.join(venv, 'etc', 'glance', 'glance-api-paste.ini'),
                directory)
    conf = os.path.join(directory, 'glance-api.conf')
    with open(conf, 'w') as f:
        f.write(CONFIG.format(dir=directory))
    with open(os.path.join(directory, 'policy.yaml'), 'w') as f:
        f.write(POLICY)
    result = subprocess.run(
        [os.path.join(venv, 'bin', 'glance-manage'), '--config-file', conf,
         'db_sync'], capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError('glance-manage db_sync failed: %s'
                           % result.stderr.strip()[-2000:])


def command(venv, address):
    """The command line that serves glance-api on ``address`` (host:port)."""
    return [os.path.join(venv, 'bin', 'gunicorn'), '--bind', address,
            '--workers', '1', '--threads', '4', 'glance.wsgi.api:application']


def environment(directory):
    """The environment in which glance-api reads ``directory``'s config."""
    return dict(os.environ, OS_GLANCE_CONFIG_DIR=directory)


def start(venv, directory, address, log):
    """Start glance-api in a session of its own; ``log`` takes its output."""
    return subprocess.Popen(
        command(venv, address), env=environment(directory), stdout=log,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
