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
