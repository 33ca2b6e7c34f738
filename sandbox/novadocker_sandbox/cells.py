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

"""Creates or upgrades nova's databases and maps its cells (idempotent).

What ``nova-manage api_db sync``, ``cell_v2 map_cell0``, ``cell_v2
create_cell`` and ``db sync`` do, in one process instead of four: each
``nova-manage`` run spends seconds importing nova.

    python -m novadocker_sandbox.cells NOVA_CONF CELL0_DATABASE_URL
"""

import sys

from nova.cmd import manage
from nova import config
from nova import context
from nova import objects


def main(conf, cell0_url):
    config.parse_args([sys.argv[0], '--config-file', conf])
    objects.register_all()
    manage.ApiDbCommands().sync()
    manage.CellV2Commands().map_cell0(database_connection=cell0_url)
    cells = objects.CellMappingList.get_all(context.get_admin_context())
    if not any(cell.name == 'cell1' for cell in cells):
        manage.CellV2Commands().create_cell(name='cell1')
    manage.DbCommands().sync()


if __name__ == '__main__':
    main(*sys.argv[1:])
