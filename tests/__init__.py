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
