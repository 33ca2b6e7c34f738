#!/usr/bin/env bash
# Regenerates the dashboard's screenshots in doc/images from the running
# sandbox (tools/sandbox.sh up): Instances with a running server, its
# console log, Images, and the administrator's Hypervisors page. Launches
# a server for them, and deletes it after, if the demo project has none
# running.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# Chromium and its driver, from Debian.
WITH_BROWSER=1 bash tools/services.sh
"$VENV/bin/pip" install -q -r test-requirements.txt
exec "$VENV/bin/python" -m tests.sandbox.dashboard --screenshots doc/images "$@"
