#!/usr/bin/env bash
# Makes the virtualenvs: VENV (default .venv) with nova-docker, the
# sandbox's distribution (sandbox/) and the requirement files given as
# arguments, NOVA_DOCKER_GLANCE_VENV (default .venv-glance) with glance-api,
# which runs as a child process (glance takes over the process-wide
# configuration and logging), and NOVA_DOCKER_NEUTRON_VENV (default
# .venv-neutron) with the sandbox's neutron API.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
GLANCE_VENV=${NOVA_DOCKER_GLANCE_VENV:-$PWD/.venv-glance}
NEUTRON_VENV=${NOVA_DOCKER_NEUTRON_VENV:-$PWD/.venv-neutron}

for venv in "$VENV" "$GLANCE_VENV" "$NEUTRON_VENV"; do
    if [ ! -x "$venv/bin/python" ]; then
        echo "venvs: creating $venv" >&2
        "$PYTHON" -m venv "$venv"
    fi
done
requirements=(-r requirements.txt)
for file in "$@"; do requirements+=(-r "$file"); done
echo "venvs: installing requirements into $VENV" >&2
"$VENV/bin/pip" install -q "${requirements[@]}"
echo "venvs: installing glance into $GLANCE_VENV" >&2
"$GLANCE_VENV/bin/pip" install -q -r tools/glance-requirements.txt
echo "venvs: installing neutron into $NEUTRON_VENV" >&2
"$NEUTRON_VENV/bin/pip" install -q -r tools/neutron-requirements.txt
# Not editable: nova/virt/docker must land inside nova's own package
# directory for nova's loader to find it.
"$VENV/bin/pip" install -q --no-deps --force-reinstall . ./sandbox
