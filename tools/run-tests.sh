#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what it needs,
# starts the Docker engine and the registry, installs the project into
# .venv and runs every test with stestr. Ends with "N passed, N failed".
#
# Extra arguments are passed to "stestr run" (e.g. a test filter).
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
# A real glance-api runs in the tests, from its own virtualenv.
export NOVA_DOCKER_GLANCE_VENV=${NOVA_DOCKER_GLANCE_VENV:-$PWD/.venv-glance}

bash tools/services.sh

if [ ! -x "$VENV/bin/python" ]; then
    echo "run-tests: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
echo "run-tests: installing requirements into $VENV" >&2
"$VENV/bin/pip" install -q -r requirements.txt -r test-requirements.txt
if [ ! -x "$NOVA_DOCKER_GLANCE_VENV/bin/python" ]; then
    echo "run-tests: creating $NOVA_DOCKER_GLANCE_VENV" >&2
    "$PYTHON" -m venv "$NOVA_DOCKER_GLANCE_VENV"
fi
echo "run-tests: installing glance into $NOVA_DOCKER_GLANCE_VENV" >&2
"$NOVA_DOCKER_GLANCE_VENV/bin/pip" install -q -r tools/glance-requirements.txt
# Not editable: nova/virt/docker must land inside nova's own package
# directory for nova's loader to find it.
"$VENV/bin/pip" install -q --no-deps --force-reinstall .

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
