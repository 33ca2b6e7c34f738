"""A stand-in for Neutron, for servers booted with ``--nic none``.

nova asks Neutron about a server even when it has no ports: which ports,
networks, floating IPs and security groups it has, and which API
extensions exist. This app answers every listing with an empty list and
everything else with Neutron's own 404 body, so nova's real network code
runs unchanged. It cannot create anything: a server asking for a port fails
with a fault that says so.
"""

import json
import logging

LOG = logging.getLogger(__name__)


def _reply(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(data)))])
    return [data]


def application(environ, start_response):
    method = environ['REQUEST_METHOD']
    path = environ.get('PATH_INFO', '').rstrip('/')
    LOG.debug('neutron stand-in: %s %s?%s', method, path,
              environ.get('QUERY_STRING', ''))
    parts = path.split('/')
    # /v2.0/<collection>, e.g. /v2.0/ports or /v2.0/security-groups
    if method == 'GET' and len(parts) == 3 and parts[1] == 'v2.0':
        collection = parts[2].replace('-', '_')
        return _reply(start_response, '200 OK', {collection: []})
    # Before microversion 2.37 a server may name no network; nova then
    # checks the project's port quota, and boots it with none.
    if method == 'GET' and len(parts) == 4 and parts[2] == 'quotas':
        return _reply(start_response, '200 OK', {'quota': dict.fromkeys(
            ('network', 'subnet', 'port', 'router', 'floatingip',
             'security_group', 'security_group_rule'), -1)})
    LOG.warning('neutron stand-in cannot answer %s %s: the sandbox runs '
                'servers without ports only (--nic none)', method, path)
    return _reply(start_response, '404 Not Found', {'NeutronError': {
        'type': 'HTTPNotFound',
        'message': 'The nova-docker sandbox runs no Neutron: only servers '
                   'without ports (--nic none) are supported.',
        'detail': ''}})
