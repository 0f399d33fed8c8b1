#!/usr/bin/env bash
# Set up everything, then run the Cutover app on a demo project built from the bundled
# fixtures, with a local sandbox FHIR server (127.0.0.1:8090) as the push target.
# Without a display it runs under Xvfb and saves a screenshot; DEMO_SCREENSHOT_ONLY=1
# exits after the screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
port=${FHIR_PORT:-8090}

bash scripts/setup.sh
echo "== building (first build takes several minutes)"
npm --prefix ui run build --silent
cargo build --locked -p cutover-cli -p cutover-app

demo=target/demo
rm -rf "$demo"
mkdir -p "$demo"
cleanup() { kill $(jobs -p) 2>/dev/null || true; }
trap cleanup EXIT

echo "== sandbox FHIR server on 127.0.0.1:$port"
node tests/fhir-server/server.mjs --port "$port" >"$demo/fhir-server.log" 2>&1 &
for _ in $(seq 1 100); do grep -q "listening" "$demo/fhir-server.log" && break; sleep 0.1; done
grep -q "listening" "$demo/fhir-server.log" || { cat "$demo/fhir-server.log"; echo "the FHIR server did not start (is port $port free? set FHIR_PORT)"; exit 1; }

echo "== demo project $demo/demo.cutover"
cutover=target/debug/cutover
project="$demo/demo.cutover"
$cutover new "$project" --name "Demo clinic"
$cutover -p "$project" import fixtures/patients.csv
$cutover -p "$project" map fixtures/mappings/patients.toml
$cutover -p "$project" convert
$cutover -p "$project" validate
$cutover -p "$project" match run
$cutover -p "$project" target "http://127.0.0.1:$port/fhir/R4"

export GSETTINGS_BACKEND=memory
if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:97
  Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  sleep 1
  target/debug/cutover-app --project "$project" &
  for _ in $(seq 1 60); do xwininfo -name Cutover >/dev/null 2>&1 && break; sleep 0.5; done
  sleep 3
  import -window Cutover "$demo/screenshot.png"
  echo "== no display here: the app runs under Xvfb; screenshot: $demo/screenshot.png"
  [ "${DEMO_SCREENSHOT_ONLY:-}" = 1 ] && exit 0
  wait
else
  target/debug/cutover-app --project "$project"
fi
