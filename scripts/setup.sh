#!/usr/bin/env bash
# One-command set-up for patroni-drill on Debian 12 / Ubuntu (apt-based), as root.
# Idempotent: re-running it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup: $*" >&2; exit 1; }

# --patroni <version>: also install that Patroni build side by side (Debian's package unpacked into
# /opt/patroni-drill/patroni-<version>), for experiments that choose it (cluster.patroni, --patroni).
# The system Patroni (4.0.7) stays the default. Repeatable. 3.0.2 is always installed: it is the
# positive control of the lost-write checker (test/cluster/patroni-builds.test.ts).
extra_patroni=(3.0.2)
while [ $# -gt 0 ]; do
  case "$1" in
    --patroni) [ $# -ge 2 ] || die "--patroni needs a version (e.g. 3.0.2)"; extra_patroni+=("$2"); shift 2 ;;
    --patroni=*) extra_patroni+=("${1#--patroni=}"); shift ;;
    *) die "unknown option $1 (known: --patroni <version>)" ;;
  esac
done
PATRONI_PREFIX=/opt/patroni-drill

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
  iproute2 iptables procps util-linux psmisc curl ca-certificates tini
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

# A side-by-side build: the package's files only (dpkg -x), its Python dependencies from the system.
# The local driver runs <prefix>/usr/bin/patroni with PYTHONPATH=<prefix>/usr/lib/python3/dist-packages.
install_patroni_build() {
  local version=$1 dir="$PATRONI_PREFIX/patroni-$1"
  if [ -x "$dir/usr/bin/patroni" ] && PYTHONPATH="$dir/usr/lib/python3/dist-packages" "$dir/usr/bin/patroni" --version 2>/dev/null | grep -qx "patroni $version"; then
    echo "setup: patroni $version already in $dir"
    return
  fi
  local pkg
  pkg=$(apt-cache madison patroni | awk -v v="$version" '$3 ~ "^"v"-" {print $3; exit}')
  if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg=$(apt-cache madison patroni | awk -v v="$version" '$3 ~ "^"v"-" {print $3; exit}')
  fi
  [ -n "$pkg" ] || die "no patroni $version in the apt sources (apt-cache madison patroni lists: $(apt-cache madison patroni | awk '{print $3}' | tr '\n' ' '))"
  # Its Python dependencies that the default build does not pull in (3.0.x needs cdiff, 4.x ydiff).
  local deps
  deps=$(apt-cache show "patroni=$pkg" | awk -F': ' '/^Depends:/ {print $2; exit}' | tr ',' '\n' | sed -E 's/^ *//; s/ *\|.*//; s/ *\(.*//; s/:any$//' | grep '^python3-' || true)
  # A dependency counts as met when an installed package is it or provides it (trixie's python3-ydiff
  # provides python3-cdiff: installing the real cdiff would remove ydiff and with it the default Patroni).
  local installed need=()
  installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}, ${Provides}\n' | awk '/^ii/ {$1=""; print}' | tr ',' '\n' | sed -E 's/^ *//; s/ *\(.*//')
  for d in $deps; do grep -qx "$d" <<<"$installed" || need+=("$d"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]} for patroni $version"
    apt-get install -y -qq --no-install-recommends --no-remove "${need[@]}" >/dev/null
  fi
  local tmp
  tmp=$(mktemp -d)
  chown _apt "$tmp" 2>/dev/null || true  # apt-get download fetches as _apt
  (cd "$tmp" && apt-get download -qq "patroni=$pkg") || die "apt-get download patroni=$pkg failed"
  rm -rf "$dir"
  mkdir -p "$dir"
  dpkg -x "$tmp"/patroni_*.deb "$dir"
  rm -rf "$tmp"
  PYTHONPATH="$dir/usr/lib/python3/dist-packages" "$dir/usr/bin/patroni" --version | grep -qx "patroni $version" \
    || die "patroni $version unpacked into $dir does not run"
  echo "setup: patroni $version installed side by side in $dir"
}
for v in "${extra_patroni[@]}"; do install_patroni_build "$v"; done

npm ci --no-audit --no-fund
echo "setup: ready (patroni $patroni_version, $(ls /usr/lib/postgresql | sort -n | tail -1 | sed 's/^/postgresql /'), $(etcd --version 2>/dev/null | head -1), $(haproxy -v 2>/dev/null | head -1 | awk '{print "haproxy", $3}'))"
