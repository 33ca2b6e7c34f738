"""Identity for the sandbox's compute API, which runs without keystone.

nova 34 has no unauthenticated pipeline any more; this filter stands where
keystonemiddleware's ``authtoken`` would and gives every request the same
administrator of one project. The token is a placeholder that nova passes on
to glance-api and the Neutron stand-in, which ignore it.
"""

USER = 'admin'
PROJECT = 'sandbox'
TOKEN = 'nova-docker-sandbox'


class SandboxIdentity:

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        environ.update({
            'HTTP_X_IDENTITY_STATUS': 'Confirmed',
            'HTTP_X_USER_ID': USER,
            'HTTP_X_USER_NAME': USER,
            'HTTP_X_PROJECT_ID': PROJECT,
            'HTTP_X_PROJECT_NAME': PROJECT,
            'HTTP_X_ROLES': 'admin,member,reader',
            'HTTP_X_AUTH_TOKEN': TOKEN,
        })
        return self.application(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return SandboxIdentity
