#!/usr/bin/env bash
# The benchmark (not part of the tests' pass/fail): builds the release and the build with
# test hooks (which seeds history through the app's own storage code), then measures in
# headless Chromium. Arguments go to bench/run.mjs, e.g. --runs 5 --messages 20000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh
trunk build --release
trunk build --release --features e2e-hooks --dist target/dist-e2e
node bench/run.mjs "$@"
