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

"""The dashboard: Horizon, logging in against the sandbox's keystone.

It runs from a virtualenv of its own (``NOVA_DOCKER_HORIZON_VENV``):
Horizon pins its own Django. Served by gunicorn in production mode
(``DEBUG = False``), its static files collected and compressed once per
virtualenv and served by WhiteNoise from the same process. There is no
memcached: sessions live in a file cache in the state directory, which
every gunicorn thread shares.

The settings are a ``local.local_settings`` module in the state directory,
first on the Python path: Horizon imports that name, so the virtualenv's
own files stay untouched.
"""

import glob
import os

from novadocker_sandbox import config
from novadocker_sandbox import procs
from novadocker_sandbox import wsgi

LOCAL_SETTINGS = """\
DEBUG = False
SECRET_KEY = {secret!r}
ALLOWED_HOSTS = ['{host}', 'localhost']
WEBROOT = '/'
OPENSTACK_HOST = '{host}'
OPENSTACK_KEYSTONE_URL = '{identity}'
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
STATIC_ROOT = {static!r}
COMPRESS_OFFLINE = True
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
CACHES = {{'default': {{
    'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache',
    'LOCATION': {cache!r}}}}}
# Uploaded images wait here for glance, not in the host's /tmp.
FILE_UPLOAD_TEMP_DIR = {uploads!r}
# There is no block storage: servers boot from their image.
LAUNCH_INSTANCE_DEFAULTS = {{'create_volume': False,
                            'hide_create_volume': True}}
# The sandbox's neutron makes a project's network on demand (--nic auto).
OPENSTACK_NEUTRON_NETWORK = {{'enable_auto_allocated_network': True}}
# What the sandbox's glance takes; "Docker" is what its compute hosts boot.
OPENSTACK_IMAGE_BACKEND = {{'image_formats': [
    ('', 'Select format'), ('docker', 'Docker'), ('raw', 'Raw'),
    ('qcow2', 'QCOW2')]}}
TIME_ZONE = 'UTC'
LOGGING = {{
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {{'line': {{
        'format': '%(asctime)s %(levelname)s %(name)s %(message)s'}}}},
    'handlers': {{'log': {{'class': 'logging.StreamHandler',
                          'formatter': 'line'}}}},
    'root': {{'handlers': ['log'], 'level': 'INFO'}},
}}
"""

# Horizon's WSGI app, its static files served in front of it. Horizon's
# own scripts ask for some of them with a doubled slash
# ("images//actions/..."): Apache merges slashes, WhiteNoise does not.
APP = """\
import re

import whitenoise

from openstack_dashboard.wsgi import application as dashboard

static = whitenoise.WhiteNoise(dashboard, root={static!r}, prefix='static/')


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path.startswith('/static/'):
        environ['PATH_INFO'] = re.sub('//+', '/', path)
    return static(environ, start_response)
"""
APP_MODULE = 'nova_docker_sandbox_horizon'
# What the static files were collected from: Horizon's and Django's
# distributions. Another version in the virtualenv collects them again.
STAMP = '.collected-from'


def _dir(directory, *names):
    return os.path.join(directory, 'horizon', *names)


def static_root(venv):
    return os.path.join(venv, 'static')


def configure(venv, directory):
    """Write Horizon's settings; collect and compress its static files
    unless this virtualenv's Horizon already did."""
    for name in ('local', 'cache', 'uploads'):
        os.makedirs(_dir(directory, name), exist_ok=True)
    static = static_root(venv)
    settings = LOCAL_SETTINGS.format(
        secret=config.passwords(directory)['horizon'], host=config.HOST,
        identity=config.identity_url(), static=static,
        cache=_dir(directory, 'cache'), uploads=_dir(directory, 'uploads'))
    for name, text in (('local/__init__.py', ''),
                       ('local/local_settings.py', settings),
                       (APP_MODULE + '.py', APP.format(static=static))):
        with open(_dir(directory, name), 'w') as f:
            f.write(text)
    _collect_static(venv, directory)


def _distributions(venv):
    return '\n'.join(sorted(
        os.path.basename(path) for pattern in ('horizon-*', 'Django-*',
                                               'django-*')
        for path in glob.glob(os.path.join(venv, 'lib', 'python*',
                                           'site-packages',
                                           pattern + '.dist-info'))))


def _collect_static(venv, directory):
    stamp = os.path.join(static_root(venv), STAMP)
    distributions = _distributions(venv)
    try:
        with open(stamp) as f:
            if f.read() == distributions:
                return
    except FileNotFoundError:
        pass
    admin = [os.path.join(venv, 'bin', 'django-admin')]
    env = dict(os.environ, **environment(directory))
    procs.run(admin + ['collectstatic', '--noinput', '--clear'],
              "collecting Horizon's static files", env=env)
    procs.run(admin + ['compress', '--force'],
              "compressing Horizon's static files", env=env)
    with open(stamp, 'w') as f:
        f.write(distributions)


def command(venv, address):
    # A page upload of an image may take longer than gunicorn's default
    # 30 s on a busy host.
    return wsgi.command(venv, address, APP_MODULE + ':application',
                        timeout=300)


def environment(directory):
    """Where Horizon's settings and the app module are found: by the
    server and by ``django-admin`` alike."""
    return {'DJANGO_SETTINGS_MODULE': 'openstack_dashboard.settings',
            'PYTHONPATH': _dir(directory)}
