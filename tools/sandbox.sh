#!/usr/bin/env bash
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
#
# The main job: the all-in-one sandbox, from a fresh clone on a fresh
# machine.
#
#   tools/sandbox.sh up            install what is missing, start everything
#   tools/sandbox.sh status        processes, endpoints, servers
#   tools/sandbox.sh logs [-f] [SERVICE]
#   tools/sandbox.sh add-compute [--own-engine] NAME | remove-compute NAME
#   tools/sandbox.sh down [--keep] stop everything the sandbox started
#
# tools/tempest.sh runs Tempest's compute API tests against it.
#
# "up" uses a running Docker engine and registry on 127.0.0.1:5042, or
# installs and starts them (as root); "down" stops them only if "up"
# started them. State, logs and data: NOVA_DOCKER_SANDBOX_DIR (default
# /var/lib/nova-docker/sandbox).
set -euo pipefail

cd "$(dirname "$0")/.."
export VENV=${VENV:-.venv}
export NOVA_DOCKER_GLANCE_VENV=${NOVA_DOCKER_GLANCE_VENV:-$PWD/.venv-glance}
export NOVA_DOCKER_NEUTRON_VENV=${NOVA_DOCKER_NEUTRON_VENV:-$PWD/.venv-neutron}
export NOVA_DOCKER_HORIZON_VENV=${NOVA_DOCKER_HORIZON_VENV:-$PWD/.venv-horizon}
export NOVA_DOCKER_SANDBOX_DIR=${NOVA_DOCKER_SANDBOX_DIR:-/var/lib/nova-docker/sandbox}

if [ "${1:-}" = up ]; then
    # The state directory is the sandbox's alone ("down" removes it): made
    # here with the marker nova-docker-sandbox checks, or already marked.
    marker=$NOVA_DOCKER_SANDBOX_DIR/.nova-docker-sandbox
    if [ ! -e "$NOVA_DOCKER_SANDBOX_DIR" ]; then
        mkdir -p -m 700 "$NOVA_DOCKER_SANDBOX_DIR"
        echo "nova-docker-sandbox state directory" >"$marker"
    elif [ "$(cat "$marker" 2>/dev/null)" != "nova-docker-sandbox state directory" ]; then
        echo "sandbox: $NOVA_DOCKER_SANDBOX_DIR exists and was not made by" \
            "the sandbox; choose another NOVA_DOCKER_SANDBOX_DIR" >&2
        exit 1
    fi
    # Open vSwitch carries the servers' ports (OVN).
    (umask 077; STATE_DIR=$NOVA_DOCKER_SANDBOX_DIR/services WITH_OVS=1 \
        WITH_SANDBOX=1 bash tools/services.sh)
    bash tools/venvs.sh sandbox/requirements.txt
fi
if [ ! -x "$VENV/bin/nova-docker-sandbox" ]; then
    echo "sandbox: not installed yet; run: tools/sandbox.sh up" >&2
    exit 1
fi
exec "$VENV/bin/nova-docker-sandbox" "$@"
