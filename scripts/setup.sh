#!/usr/bin/env bash
# Install everything Cutover needs on a fresh Debian 12 machine (run as root): system
# packages, the front end's and the test tools' npm packages, and tauri-driver.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

PACKAGES=(build-essential pkg-config curl file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth x11-utils fonts-dejavu-core
  webkit2gtk-driver imagemagick sqlite3 python3 nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from elsewhere than Debian's packages; keep those.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "cargo is needed (Rust 1.95+): https://rustup.rs" >&2; exit 1; }

step "npm packages (ui, test FHIR server, end-to-end tests)"
npm ci --prefix ui --no-audit --no-fund --loglevel=error
npm ci --prefix tests/fhir-server --no-audit --no-fund --loglevel=error
# --ignore-scripts: WebdriverIO's optional postinstall would try to download browsers.
npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund --loglevel=error

if ! command -v tauri-driver >/dev/null; then
  step "cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
