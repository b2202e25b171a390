#!/usr/bin/env bash
# Makes this machine ready for `--driver docker` without Docker Hub, as root. Idempotent: each step is
# skipped when its result is already there.
#   1. Debian's Docker engine (docker.io), docker-compose and debootstrap, if missing;
#   2. a running dockerd (started here in the background when nothing answers on the socket: no systemd
#      needed), with overlay2 when the kernel allows it, otherwise vfs;
#   3. the base image the Dockerfile starts FROM (debian:bookworm-slim): pulled when a registry answers,
#      otherwise built locally from Debian's mirror with debootstrap and imported under that name.
# The project's own image is built from it by the driver (`npm run cluster -- up --driver docker`).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${DRILL_BASE_IMAGE:-debian:bookworm-slim}
SUITE=bookworm
DOCKERD_LOG=${DRILL_DOCKERD_LOG:-/var/log/patroni-drill-dockerd.log}

say() { echo "docker-prepare: $*" >&2; }
die() { say "$*"; exit 1; }
engine_up() { timeout 10 docker info >/dev/null 2>&1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts dockerd)"
export DEBIAN_FRONTEND=noninteractive

# 1. Packages. policy-rc.d keeps the packages' own init scripts from starting services on a systemd host.
if ! engine_up; then
  missing=()
  for p in docker.io docker-compose debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# 2. The engine. A dockerd started here outlives this script (setsid) and is reused by later runs.
start_dockerd() {
  local driver=$1
  say "starting dockerd (storage driver $driver, log $DOCKERD_LOG)"
  setsid dockerd --storage-driver="$driver" </dev/null >>"$DOCKERD_LOG" 2>&1 &
  local pid=$!
  for _ in $(seq 1 150); do
    engine_up && { say "dockerd is up (pid $pid, storage driver $driver)"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  return 1
}
if ! engine_up; then
  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
    die "a dockerd is running but does not answer on /var/run/docker.sock (see $DOCKERD_LOG)"
  fi
  start_dockerd overlay2 || start_dockerd vfs || die "dockerd did not start with overlay2 nor vfs (see $DOCKERD_LOG)"
fi

# 3. The base image.
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "base image $BASE_IMAGE is present"
  exit 0
fi
if timeout 120 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  say "pulled $BASE_IMAGE"
  exit 0
fi
say "no registry answers for $BASE_IMAGE: building it from Debian's mirror with debootstrap"
mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=$(grep -hoE 'https?://[^ ]+/debian-security/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 | tr -d ' ' || true)
security=${security:-http://deb.debian.org/debian-security}
rootfs=$(mktemp -d /var/tmp/patroni-drill-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
started=$(date +%s)
debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >/dev/null
# The same suites as the official image, so the Dockerfile's apt-get sees updates and security fixes.
cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
SOURCES
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
say "built $BASE_IMAGE locally in $(( $(date +%s) - started )) s"
