#!/usr/bin/env bash
# Run the end-to-end tests: a virtual display, then node's test runner, which starts
# tauri-driver (and through it the real app) for each test file. Needs the app and CLI
# built (target/debug) and `npm ci --ignore-scripts` done here.
set -euo pipefail
cd "$(dirname "$0")"
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null || true; pkill -f "tauri-driver --port" 2>/dev/null || true' EXIT
export DISPLAY="$display" GSETTINGS_BACKEND=memory
for _ in $(seq 1 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
[ $# -gt 0 ] || set -- ./*.test.mjs
node --test --test-concurrency=1 --test-timeout=180000 "$@"
