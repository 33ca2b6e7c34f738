"""The sandbox's nova: every nova service in one process, on loopback.

Runs nova's own code: the compute API (WSGI, on HTTP), conductor,
scheduler and nova-compute with ``docker.DockerDriver``, talking over
oslo.messaging's in-process ``fake`` transport (which is why they share one
process), plus placement's WSGI app and the Neutron stand-in. Started by
``nova-docker-sandbox up`` as ``python -m novadocker_sandbox.cloud DIR``.
"""

# nova-compute runs native threads in 2026.2; so does everything here.
import os  # noqa: I100
os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', 'True')
from nova import monkey_patch  # noqa: E402
monkey_patch.patch(backend='threading')

import signal  # noqa: E402
import socketserver  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from wsgiref import simple_server  # noqa: E402

from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402
from paste import deploy  # noqa: E402
import sqlalchemy  # noqa: E402

from nova.cmd import manage  # noqa: E402
from nova.compute import rpcapi as compute_rpcapi  # noqa: E402
from nova import config as nova_config  # noqa: E402
from nova import context  # noqa: E402
from nova import objects  # noqa: E402
from nova import service  # noqa: E402

from novadocker_sandbox import config  # noqa: E402
from novadocker_sandbox import neutron  # noqa: E402

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _Handler(simple_server.WSGIRequestHandler):

    def log_message(self, format, *args):
        # nova's request_log middleware already logs every API call.
        LOG.debug('%s %s', self.address_string(), format % args)


def _serve(name, app):
    server = simple_server.make_server(
        config.HOST, config.PORTS[name], app, server_class=_Server,
        handler_class=_Handler)
    thread = threading.Thread(target=server.serve_forever, name=name,
                              daemon=True)
    thread.start()
    LOG.info('%s listening on %s', name, config.url(name))
    return server


def _serialize_sqlite():
    """Make every sqlite transaction take the write lock when it begins.

    nova's services write one database from many threads. With sqlite's
    default deferred transactions, two that read and then write deadlock
    and one fails at once with "database is locked"; transactions that
    lock up front wait for each other instead.
    """
    @sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, 'connect')
    def connect(dbapi_connection, record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute('PRAGMA busy_timeout = 60000')

    # Runs before the listener oslo.db adds to each engine, which emits a
    # plain BEGIN unless it finds its marker.
    @sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, 'begin',
                                  insert=True)
    def begin(connection):
        if (connection.dialect.name == 'sqlite' and
                'in_transaction' not in connection.info):
            connection.exec_driver_sql('BEGIN IMMEDIATE')
            connection.info['in_transaction'] = True


def _placement_app(directory):
    from placement import conf as placement_conf
    from placement import db_api
    from placement import deploy as placement_deploy

    # placement keeps a configuration object of its own, apart from nova's.
    conf = cfg.ConfigOpts()
    placement_conf.register_opts(conf)
    conf([], project='placement', default_config_files=[
        os.path.join(directory, 'placement.conf')])
    db_api.configure(conf)
    return placement_deploy.loadapp(conf)


def _prepare_databases():
    """Create or upgrade the databases and the cell mappings (idempotent)."""
    manage.ApiDbCommands().sync()
    ctxt = context.get_admin_context()
    manage.CellV2Commands().map_cell0(
        database_connection=CONF.database.connection.replace(
            '.sqlite', '_cell0.sqlite'))
    if not any(cell.name == 'cell1' for cell in
               objects.CellMappingList.get_all(ctxt)):
        manage.CellV2Commands().create_cell(name='cell1')
    manage.DbCommands().sync()


def main(directory):
    _serialize_sqlite()
    # neutronclient warns of its own deprecation on every client nova makes.
    logging.set_defaults(default_log_levels=logging.get_default_log_levels() +
                         ['neutronclient.v2_0.client=ERROR'])
    nova_config.parse_args(
        [sys.argv[0], '--config-file', os.path.join(directory, 'nova.conf')])
    logging.setup(CONF, 'nova')
    objects.register_all()
    _prepare_databases()

    servers = [_serve('placement-api', _placement_app(directory)),
               _serve('neutron stand-in', neutron.application)]
    services = [
        service.Service.create(binary='nova-conductor', topic='conductor'),
        service.Service.create(binary='nova-scheduler', topic='scheduler'),
        service.Service.create(binary='nova-compute',
                               topic=compute_rpcapi.RPC_TOPIC,
                               topic_alt=compute_rpcapi.RPC_TOPIC_ALT),
    ]
    for svc in services:
        svc.start()
    manage.CellV2Commands().discover_hosts()
    servers.append(_serve('nova-api', deploy.loadapp(
        'config:' + CONF.wsgi.api_paste_config, name='osapi_compute')))
    LOG.info('nova-docker sandbox ready')

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *args: stopping.set())
    stopping.wait()
    LOG.info('nova-docker sandbox stopping')
    for server in servers:
        server.shutdown()
    for svc in reversed(services):
        svc.stop()
    for svc in reversed(services):
        svc.wait()


if __name__ == '__main__':
    main(os.path.abspath(sys.argv[1]))
