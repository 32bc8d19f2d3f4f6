#!/usr/bin/env bash
# Installs everything Osprey needs to build, run and test on Debian 12, as root. Idempotent:
# apt runs only when a package is missing, npm ci only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # eBPF toolchain: CO-RE programs, skeleton, loader
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc pkg-config libc6-dev
  # runtime helpers: mount (util-linux), unshare, openssl CLI, test clients
  util-linux mount openssl ca-certificates curl gnutls-bin python3 iproute2
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Native addons (better-sqlite3) compile against the running Node's own headers: prebuilt
# downloads are not reachable everywhere we run.
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$nodedir/include/node/node.h" ] && export npm_config_nodedir="$nodedir"

# npm ci only when package-lock.json is newer than the last install.
stamp=node_modules/.osprey-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
