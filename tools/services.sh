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
# Makes sure a Docker engine and the image registry on 127.0.0.1:5042 are up.
#
# Uses an engine that already answers on /var/run/docker.sock; otherwise
# installs Debian's docker.io (as root) and starts dockerd. The registry is
# Debian's docker-registry, serving REGISTRY_DATA (default /var/lib/nova-docker/registry).
# With WITH_OVS=1 (the tests) also Open vSwitch from Debian; its database
# is reached through its root-only socket (/var/run/openvswitch/db.sock),
# not TCP; this kernel may have no OVS module, so bridges use the
# userspace datapath.
# With WITH_SANDBOX=1 (the sandbox and its tests) also Debian's mariadb-server,
# rabbitmq-server, ovn-central and ovn-host, installed but not started: the
# sandbox runs its own.
# With WITH_BROWSER=1 (the dashboard's browser test, tools/screenshots.sh)
# also Debian's chromium and chromium-driver.
# Logs of what this script starts go to STATE_DIR (default /var/lib/nova-docker),
# with a pid file for each (dockerd.pid, registry.pid; ovs.started for Open
# vSwitch, which ovs-ctl stops): whoever asked for it can stop what was
# started, and only that.
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/nova-docker}
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5042}
REGISTRY_DATA=${REGISTRY_DATA:-$STATE_DIR/registry}
SOCKET=/var/run/docker.sock

say() { echo "services: $*" >&2; }

need_packages=()
command -v curl >/dev/null || need_packages+=(curl)
command -v dockerd >/dev/null || need_packages+=(docker.io)
command -v docker-registry >/dev/null || need_packages+=(docker-registry)
[ -x /bin/busybox ] || need_packages+=(busybox-static)
if [ "${WITH_OVS:-0}" = 1 ]; then
    command -v ovs-vsctl >/dev/null || need_packages+=(openvswitch-switch)
    command -v iptables >/dev/null || need_packages+=(iptables)
fi
if [ "${WITH_SANDBOX:-0}" = 1 ]; then
    command -v mariadbd >/dev/null || need_packages+=(mariadb-server)
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] ||
        need_packages+=(rabbitmq-server)
    command -v ovn-northd >/dev/null || need_packages+=(ovn-central)
    command -v ovn-controller >/dev/null || need_packages+=(ovn-host)
fi
# Without their recommends: chromium's bring avahi, printing helpers and
# more system services.
lean_packages=()
if [ "${WITH_BROWSER:-0}" = 1 ]; then
    command -v chromium >/dev/null || lean_packages+=(chromium)
    command -v chromedriver >/dev/null || lean_packages+=(chromium-driver)
fi
if [ $((${#need_packages[@]} + ${#lean_packages[@]})) -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        say "missing ${need_packages[*]} ${lean_packages[*]}; run as root to install them"
        exit 1
    fi
    say "installing ${need_packages[*]} ${lean_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages must not start system services: a system RabbitMQ or MariaDB
    # would take the ports the sandbox's own use.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' >$policy
        chmod 755 $policy
        trap 'rm -f $policy' EXIT
    fi
    apt-get update -qq
    if [ ${#need_packages[@]} -gt 0 ]; then
        apt-get install -y -qq "${need_packages[@]}" >/dev/null
    fi
    if [ ${#lean_packages[@]} -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${lean_packages[@]}" \
            >/dev/null
    fi
    rm -f $policy
    trap - EXIT
fi

mkdir -p "$STATE_DIR"

engine_answers() {
    curl -sf --unix-socket "$SOCKET" http://localhost/_ping >/dev/null 2>&1
}

# "pid start-time": what the sandbox's "down" checks before it signals a
# process, so a recycled pid is never mistaken for one started here.
write_pid() {
    local pid=$1 file=$2
    echo "$pid $(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" >"$file"
}

wait_for() {
    local what=$1 check=$2 tries=${3:-60}
    for _ in $(seq "$tries"); do
        if $check; then return 0; fi
        sleep 1
    done
    say "$what did not come up; see $STATE_DIR"
    return 1
}

if engine_answers; then
    say "using the running Docker engine at $SOCKET"
else
    say "starting dockerd (log: $STATE_DIR/dockerd.log)"
    setsid dockerd >"$STATE_DIR/dockerd.log" 2>&1 < /dev/null &
    write_pid $! "$STATE_DIR/dockerd.pid"
    wait_for dockerd engine_answers
fi

registry_answers() {
    curl -sf "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1
}

if registry_answers; then
    say "using the running registry at $REGISTRY_ADDR"
else
    mkdir -p "$REGISTRY_DATA"
    cat >"$STATE_DIR/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DATA
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
    say "starting the registry on $REGISTRY_ADDR (log: $STATE_DIR/registry.log)"
    setsid docker-registry serve "$STATE_DIR/registry.yml" \
        >"$STATE_DIR/registry.log" 2>&1 < /dev/null &
    write_pid $! "$STATE_DIR/registry.pid"
    wait_for registry registry_answers 30
fi

if [ "${WITH_OVS:-0}" = 1 ]; then
    if ovs-vsctl --timeout=2 show >/dev/null 2>&1; then
        say "using the running Open vSwitch"
    else
        say "starting Open vSwitch (log: $STATE_DIR/ovs.log)"
        /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random \
            >"$STATE_DIR/ovs.log" 2>&1 || true
        ovs-vsctl --timeout=10 show >/dev/null
        # ovs-ctl keeps its own pid files; this says who started it.
        echo "started by tools/services.sh" >"$STATE_DIR/ovs.started"
    fi
fi
