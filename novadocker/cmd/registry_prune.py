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

"""nova-docker-registry-prune: registry copies of deleted Glance images go.

Compute hosts push every image they load to the shared registry as
``glance/<image id>``; deleting the image in Glance leaves that copy behind
(and with it the project's data). Run this periodically (cron, a systemd
timer) with an administrator's credentials, from any host that reaches
both Keystone and the registry: it removes every ``glance/<id>`` repository
whose image Glance no longer has. An administrator's token is required:
anyone else sees only some images, and would take the others' copies for
deleted ones.
"""

import argparse
import os
import sys

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from oslo_utils import uuidutils

from novadocker import images
from novadocker import registry as registry_api

PASSWORD_VARIABLE = 'NOVA_DOCKER_REGISTRY_PASSWORD'


def parser(argv):
    result = argparse.ArgumentParser(
        prog='nova-docker-registry-prune',
        description='Remove from the registry the copies of images that '
                    'Glance no longer holds. Keystone credentials come '
                    'from the usual OS_* variables or options.')
    result.add_argument(
        '--registry', default='http://127.0.0.1:5042',
        help='URL of the registry the compute hosts share (default: '
             '%(default)s).')
    result.add_argument(
        '--registry-cacert',
        help='CA bundle to verify the registry\'s TLS certificate with.')
    result.add_argument(
        '--registry-user',
        help='User for the registry\'s basic authentication; the password '
             'is read from $%s.' % PASSWORD_VARIABLE)
    result.add_argument(
        '--dry-run', action='store_true',
        help='Say what would be removed, remove nothing.')
    result.add_argument(
        '--os-interface', default=os.environ.get('OS_INTERFACE', 'public'),
        help='Which of Glance\'s endpoints to use (default: $OS_INTERFACE '
             'or public).')
    result.add_argument(
        '--os-region-name', default=os.environ.get('OS_REGION_NAME'),
        help='Region of Glance\'s endpoint (default: $OS_REGION_NAME).')
    ks_loading.register_session_argparse_arguments(result)
    ks_loading.register_auth_argparse_arguments(result, argv,
                                                default='password')
    return result


class GlanceUnclear(Exception):
    """Glance did not say whether it holds an image."""


def glance_has(glance, image_id):
    """Whether Glance holds ``image_id``, in any state."""
    try:
        response = glance.get('/v2/images/%s' % image_id, raise_exc=False)
    except ks_exceptions.ClientException as e:
        raise GlanceUnclear('Glance: %s' % e) from e
    if response.status_code == 404:
        return False
    if not response.ok:
        raise GlanceUnclear('Glance answered HTTP %d for image %s' % (
            response.status_code, image_id))
    return True


def prune(registry, glance, dry_run=False, out=None):
    """(repositories removed, repositories that failed); what is done goes
    to ``out`` (sys.stdout as it is at the call)."""
    out = out or sys.stdout
    removed = failed = 0
    for repository in registry.repositories(images.REPOSITORY):
        image_id = repository[len(images.REPOSITORY):]
        if not uuidutils.is_uuid_like(image_id):
            continue
        try:
            if glance_has(glance, image_id):
                continue
            tags = len(registry.tags(repository)) if dry_run else \
                registry.delete(repository)
        except (registry_api.RegistryError, GlanceUnclear) as e:
            print('%s: %s' % (repository, e), file=out)
            failed += 1
            continue
        print('%s: image %s is not in Glance; %s %d tags' % (
            repository, image_id, 'would remove' if dry_run else 'removed',
            tags), file=out)
        removed += 1
    return removed, failed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    try:
        # Options missing (no --os-auth-url) are the user's to fix too.
        auth = ks_loading.load_auth_from_argparse_arguments(args)
        session = ks_loading.load_session_from_argparse_arguments(
            args, auth=auth)
        roles = auth.get_access(session).role_names
    except ks_exceptions.ClientException as e:
        sys.exit('nova-docker-registry-prune: cannot authenticate: %s' % e)
    if 'admin' not in roles:
        sys.exit('nova-docker-registry-prune: needs an administrator\'s '
                 'token: other projects\' private images would look deleted')
    registry = registry_api.Registry(
        args.registry, verify=args.registry_cacert or True,
        auth=(args.registry_user, os.environ.get(PASSWORD_VARIABLE, ''))
        if args.registry_user else None)
    glance = adapter.Adapter(session, service_type='image',
                             interface=args.os_interface,
                             region_name=args.os_region_name)
    try:
        removed, failed = prune(registry, glance, args.dry_run)
    except registry_api.RegistryError as e:
        sys.exit('nova-docker-registry-prune: %s' % e)
    print('%d repositories %s; the registry frees their layers at its next '
          'garbage-collect.' % (removed, 'to remove' if args.dry_run
                                else 'removed'))
    return 1 if failed else 0
