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
# Makes the virtualenvs: VENV (default .venv) with nova-docker, the
# sandbox's distribution (sandbox/) and the requirement files given as
# arguments, NOVA_DOCKER_GLANCE_VENV (default .venv-glance) with glance-api,
# which runs as a child process (glance takes over the process-wide
# configuration and logging), NOVA_DOCKER_NEUTRON_VENV (default
# .venv-neutron) with the sandbox's neutron API, NOVA_DOCKER_HORIZON_VENV
# (default .venv-horizon) with its dashboard, and with WITH_TEMPEST=1
# NOVA_DOCKER_TEMPEST_VENV (default .venv-tempest) with Tempest.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
GLANCE_VENV=${NOVA_DOCKER_GLANCE_VENV:-$PWD/.venv-glance}
NEUTRON_VENV=${NOVA_DOCKER_NEUTRON_VENV:-$PWD/.venv-neutron}
HORIZON_VENV=${NOVA_DOCKER_HORIZON_VENV:-$PWD/.venv-horizon}
TEMPEST_VENV=${NOVA_DOCKER_TEMPEST_VENV:-$PWD/.venv-tempest}

# install VENV PIP-ARGS...: make VENV if needed and install into it, pip's
# output into VENV/install.log.
install() {
    local venv=$1
    shift
    if [ ! -x "$venv/bin/python" ]; then
        "$PYTHON" -m venv "$venv"
    fi
    echo "venvs: installing $* into $venv" >&2
    "$venv/bin/pip" install -q "$@" > "$venv/install.log" 2>&1 || {
        tail -20 "$venv/install.log" >&2
        return 1
    }
}

# Side by side: on a fresh machine pip waits on downloads more than on
# the cores, and the virtualenvs share nothing.
pids=()
install "$GLANCE_VENV" -r tools/glance-requirements.txt & pids+=($!)
install "$NEUTRON_VENV" -r tools/neutron-requirements.txt & pids+=($!)
install "$HORIZON_VENV" -r tools/horizon-requirements.txt & pids+=($!)
# WITH_TEMPEST=1: also Tempest's (tools/tempest.sh makes it on first use
# otherwise, which inside a test counts against the test's time).
if [ "${WITH_TEMPEST:-0}" = 1 ]; then
    install "$TEMPEST_VENV" -r tools/tempest-requirements.txt & pids+=($!)
fi
requirements=(-r requirements.txt)
for file in "$@"; do requirements+=(-r "$file"); done
status=0
install "$VENV" "${requirements[@]}" || status=1
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
[ "$status" = 0 ] || exit 1
# Not editable: nova/virt/docker must land inside nova's own package
# directory for nova's loader to find it.
"$VENV/bin/pip" install -q --no-deps --force-reinstall . ./sandbox
