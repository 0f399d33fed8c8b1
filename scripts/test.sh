#!/usr/bin/env bash
# Run every test: formatting, the front end's type check, the engine's unit tests, the
# CLI's integration tests (with a real FHIR server), the FHIR server's own smoke test and
# the end-to-end tests of the real app under Xvfb. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" CARGO_TERM_COLOR=never

timings=()
run() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  local start=$SECONDS
  "$@"
  timings+=("$(printf '%5ds  %s' $((SECONDS - start)) "$name")")
}
trap 'printf "\n== timings\n"; printf "%s\n" "${timings[@]}"' EXIT

run "setup" bash scripts/setup.sh
run "cargo fmt --check" cargo fmt --all -- --check
run "ui: type check" npm --prefix ui run check
run "ui: build" npm --prefix ui run build
run "cargo build" cargo build --workspace --locked
run "cargo test (engine, cli)" cargo test --workspace --exclude cutover-app --locked
run "test FHIR server" node --test tests/fhir-server/
run "end-to-end (real app under Xvfb)" tests/e2e/run.sh
