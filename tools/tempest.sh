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
# Runs Tempest's compute API tests against the running sandbox
# (tools/sandbox.sh up) and ends with "N passed, N failed, N skipped".
#
#   tools/tempest.sh            every test of tempest.api.compute
#   tools/tempest.sh --subset   the representative subset the README's test
#                               command runs (tools/tempest-subset.txt)
#   tools/tempest.sh REGEX      the tests matching REGEX
#
# Tests never run are in tools/tempest-exclude.txt, each with its reason.
# Tempest lives in NOVA_DOCKER_TEMPEST_VENV (default .venv-tempest), made on
# first use; its workspace (configuration, logs, results) in the sandbox's
# state directory, which "down" removes.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
VENV=${VENV:-.venv}
TEMPEST_VENV=${NOVA_DOCKER_TEMPEST_VENV:-$PWD/.venv-tempest}
export NOVA_DOCKER_SANDBOX_DIR=${NOVA_DOCKER_SANDBOX_DIR:-/var/lib/nova-docker/sandbox}
case "${1:-}" in
    --subset) select=(--include-list "$root/tools/tempest-subset.txt") ;;
    '') select=(--regex '^tempest\.api\.compute\.') ;;
    *) select=(--regex "$1") ;;
esac

if [ ! -x "$TEMPEST_VENV/bin/tempest" ]; then
    echo "tempest: installing Tempest into $TEMPEST_VENV" >&2
    python3 -m venv "$TEMPEST_VENV"
    "$TEMPEST_VENV/bin/pip" install -q -r tools/tempest-requirements.txt
fi

workspace=$NOVA_DOCKER_SANDBOX_DIR/tempest
# Tempest keeps its workspace registry in $HOME: the sandbox's, not the
# user's.
export HOME=$NOVA_DOCKER_SANDBOX_DIR/tempest-home
if [ ! -d "$workspace/etc" ]; then
    "$TEMPEST_VENV/bin/tempest" init \
        --workspace-path "$HOME/workspace.yaml" "$workspace" >/dev/null
fi
"$VENV/bin/nova-docker-sandbox" tempest-conf "$workspace/etc/tempest.conf"

cd "$workspace"
status=0
"$TEMPEST_VENV/bin/tempest" run "${select[@]}" \
    --exclude-list "$root/tools/tempest-exclude.txt" \
    --concurrency "${TEMPEST_CONCURRENCY:-2}" || status=$?
"$TEMPEST_VENV/bin/python" "$root/tools/stestr_totals.py" || status=1
exit $status
