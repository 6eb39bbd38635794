#!/usr/bin/env bash
# The benchmark (not part of the tests' pass/fail): builds the release and the build with
# test hooks (which seeds history through the app's own storage code), then measures in
# headless Chromium: the 2,000-message history, then the 20,000-message one, then how
# each figure grew between them (flat cost); then the 20,000-message one with a branch
# every 100 exchanges, against the straight one; then sync's time and bytes (bench/sync.mjs).
# Arguments go to every run, e.g. --runs 3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh
trunk build --release
trunk build --release --features e2e-hooks --dist target/dist-e2e
node bench/run.mjs --messages 2000 --out target/bench.json "$@"
node bench/run.mjs --messages 20000 --out target/bench-20k.json "$@"
node bench/run.mjs --messages 20000 --branch-every 100 --out target/bench-20k-branched.json "$@"
node bench/flat.mjs target/bench.json target/bench-20k.json
node bench/flat.mjs target/bench-20k.json target/bench-20k-branched.json
# Sync: the 2,000-exchange history to an empty database, then into an empty browser.
node bench/sync.mjs "$@"
