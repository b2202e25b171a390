#!/usr/bin/env bash
# One-command set-up for patroni-drill on Debian 12 / Ubuntu (apt-based), as root.
# Idempotent: re-running it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and creates network namespaces); try: sudo npm run setup"
command -v apt-get >/dev/null || die "needs an apt-based system (Debian 12 or Ubuntu); apt-get not found"
command -v node >/dev/null || die "needs Node.js 20 on PATH"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "needs Node.js 20 or newer, found $(node --version)"

export DEBIAN_FRONTEND=noninteractive

. /etc/os-release
codename=${VERSION_CODENAME:-}

# Debian 12's Patroni 3.0.2 loses acknowledged writes when a paused leader resumes (fixed in 3.0.3).
# Debian 13 ships Patroni 4.0.7 as an arch-all package that installs on Debian 12: take just patroni
# and python3-ydiff from trixie, pinned low so nothing else is upgraded from it.
if [ "${ID:-}" = debian ] && [ "$codename" = bookworm ]; then
  mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  if [ ! -f /etc/apt/sources.list.d/patroni-drill-trixie.list ]; then
    echo "deb $mirror trixie main" > /etc/apt/sources.list.d/patroni-drill-trixie.list
  fi
  cat > /etc/apt/preferences.d/patroni-drill-trixie <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 50

Package: patroni python3-ydiff
Pin: release n=trixie
Pin-Priority: 990
PIN
fi

# Stop package scripts from starting default services (postgresql, etcd, haproxy) on systemd hosts.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

packages=(
  postgresql postgresql-contrib patroni python3-etcd python3-psycopg2
  etcd-server etcd-client haproxy pgbouncer keepalived
  iproute2 iptables procps util-linux psmisc curl ca-certificates
  build-essential libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev
  chromium fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# An installed Patroni older than 3.0.3 is replaced by the pinned one.
case "$(dpkg-query -W -f='${Version}' patroni 2>/dev/null || true)" in 1.*|2.*|3.0.0*|3.0.1*|3.0.2*) missing+=(patroni) ;; esac
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Nothing of the stack may run as a system service: the drill starts its own processes.
for svc in patroni postgresql etcd haproxy pgbouncer keepalived; do
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done

patroni_version=$(patroni --version 2>/dev/null | awk '{print $2}')
case "$patroni_version" in
  3.0.0|3.0.1|3.0.2|2.*|1.*) die "Patroni $patroni_version loses acknowledged writes after a paused leader resumes; need 3.0.3 or newer" ;;
esac

npm ci --no-audit --no-fund
echo "setup: ready (patroni $patroni_version, $(ls /usr/lib/postgresql | sort -n | tail -1 | sed 's/^/postgresql /'), $(etcd --version 2>/dev/null | head -1), $(haproxy -v 2>/dev/null | head -1 | awk '{print "haproxy", $3}'))"
