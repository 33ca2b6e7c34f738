# nova decides between eventlet and native threads once per process, before
# anything imports eventlet (futurist would, through nova's modules): every
# test process makes that choice first, as nova's own test packages do.
from nova import monkey_patch

monkey_patch.patch()

# os-vif's ovs plugin reaches ovsdb-server through the socket only root can
# open, not through a TCP port every local process can reach. The plugin
# reads the option once, when os-vif loads it: set before any test does.
from oslo_config import cfg  # noqa: E402
from vif_plug_ovs import ovs  # noqa: E402

cfg.CONF.register_opts(ovs.OvsPlugin.CONFIG_OPTS, group='os_vif_ovs')
cfg.CONF.set_default('ovsdb_connection',
                     'unix:/var/run/openvswitch/db.sock', group='os_vif_ovs')
