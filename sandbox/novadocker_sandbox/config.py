"""Where the sandbox listens and the configuration files it writes.

Everything binds to loopback. The files live in the state directory so an
operator can read exactly how nova was configured.
"""

import os

HOST = '127.0.0.1'
PORTS = {
    'nova-api': 8774,
    'placement-api': 8778,
    'glance-api': 9292,
    'neutron stand-in': 9696,
}
# The compute host's name: the label on every container the sandbox's
# nova-compute creates.
COMPUTE_HOST = 'nova-docker-sandbox'


def url(service):
    return 'http://%s:%d' % (HOST, PORTS[service])


NOVA_CONF = """\
[DEFAULT]
host = {compute_host}
my_ip = {host}
compute_driver = docker.DockerDriver
transport_url = fake:/
state_path = {dir}/nova
instances_path = {dir}/nova/instances
log_file = {dir}/nova.log
debug = {debug}
[api_database]
connection = sqlite:///{dir}/nova_api.sqlite
[database]
connection = sqlite:///{dir}/nova.sqlite
[wsgi]
api_paste_config = {dir}/api-paste.ini
[oslo_concurrency]
lock_path = {dir}/nova/locks
[oslo_messaging_notifications]
driver = noop
[glance]
endpoint_override = {glance}
[placement]
auth_type = admin_token
endpoint = {placement}
token = admin
[neutron]
# Requests on a user's behalf find the stand-in here (the sandbox has no
# service catalog); nova's own ones through the admin_token plugin.
endpoint_override = {neutron}
auth_type = admin_token
endpoint = {neutron}
token = nova-docker-sandbox
[scheduler]
# One host, mapped at start: no periodic discovery needed.
discover_hosts_in_cells_interval = -1
"""

PLACEMENT_CONF = """\
[placement_database]
connection = sqlite:///{dir}/placement.sqlite
sync_on_startup = true
[api]
# placement's noauth2 takes the token as the user: nova sends "admin".
auth_strategy = noauth2
"""

# nova's own pipeline with the sandbox's identity filter in the place of
# keystonemiddleware's authtoken.
API_PASTE = """\
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2.1: oscomputeversion_v2
/v2.1/+: openstack_compute_api_v21

[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log \
sizelimit sandbox_identity keystonecontext osapi_compute_app_v21

[filter:sandbox_identity]
paste.filter_factory = novadocker_sandbox.auth:filter_factory

[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory

[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory

[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = \
    oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = nova

[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory

[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory

[pipeline:oscomputeversions]
pipeline = cors faultwrap request_log http_proxy_to_wsgi oscomputeversionapp

[pipeline:oscomputeversion_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi \
oscomputeversionapp_v2

[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory

[app:oscomputeversionapp_v2]
paste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory
"""


def write(directory, debug=False):
    """Write nova's and placement's configuration into ``directory``."""
    values = dict(dir=directory, host=HOST, compute_host=COMPUTE_HOST,
                  debug=str(bool(debug)).lower(), glance=url('glance-api'),
                  placement=url('placement-api'),
                  neutron=url('neutron stand-in'))
    os.makedirs(os.path.join(directory, 'nova', 'locks'), exist_ok=True)
    for name, template in (('nova.conf', NOVA_CONF),
                           ('placement.conf', PLACEMENT_CONF),
                           ('api-paste.ini', API_PASTE)):
        with open(os.path.join(directory, name), 'w') as f:
            f.write(template.format(**values))
