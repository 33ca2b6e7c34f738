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
# Runs the whole test suite from a fresh clone: installs what it needs,
# starts the Docker engine and the registry, installs the project into
# .venv and runs every test with stestr. Ends with "N passed, N failed".
#
# Extra arguments are passed to "stestr run" (e.g. a test filter).
set -euo pipefail

cd "$(dirname "$0")/.."
export VENV=${VENV:-.venv}
# A real glance-api runs in the tests, from its own virtualenv.
export NOVA_DOCKER_GLANCE_VENV=${NOVA_DOCKER_GLANCE_VENV:-$PWD/.venv-glance}
# The sandbox's neutron API and dashboard, from virtualenvs of their own.
export NOVA_DOCKER_NEUTRON_VENV=${NOVA_DOCKER_NEUTRON_VENV:-$PWD/.venv-neutron}
export NOVA_DOCKER_HORIZON_VENV=${NOVA_DOCKER_HORIZON_VENV:-$PWD/.venv-horizon}

WITH_OVS=1 WITH_SANDBOX=1 WITH_BROWSER=1 bash tools/services.sh

WITH_TEMPEST=1 bash tools/venvs.sh test-requirements.txt

export OS_NOVA_DISABLE_EVENTLET_PATCHING=True
# nova's test base fails a test that runs longer than this instead of
# letting a hang eat CI's time.
export OS_TEST_TIMEOUT=${OS_TEST_TIMEOUT:-300}
status=0
echo "run-tests: flake8" >&2
"$VENV/bin/flake8" || status=$?
"$VENV/bin/stestr" run "$@" || status=$?

"$VENV/bin/python" tools/stestr_totals.py || status=1
exit $status
