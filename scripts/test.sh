#!/usr/bin/env bash
# Installs what tests need, then runs every layer: format and lint, host tests of the pure
# core, browser tests (wasm-bindgen-test in headless Chromium), the mock provider's own
# tests, and end-to-end tests of the release build. Runs all layers, then exits non-zero
# if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1
source scripts/env.sh

LOGS=target/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
failed=()
step() {
  local name=$1
  shift
  printf '\n\033[1m== %s\033[0m\n' "$name"
  if ! "$@" 2>&1 | tee "$LOGS/$name.log"; then
    failed+=("$name")
  fi
}

step fmt cargo fmt --all --check
step module-graph python3 scripts/module-graph.py
step module-graph-tests python3 scripts/module-graph-test.py
# Every data-testid in the page object: no test file names one.
step testids node scripts/check-testids.mjs
step clippy-host cargo clippy --workspace --all-targets --quiet -- -D warnings
step clippy-wasm cargo clippy --target wasm32-unknown-unknown -p pocket-chat --all-targets --features e2e-hooks --quiet -- -D warnings
step host-tests cargo test -p pocket-chat-core --tests
# The runner gives the whole storage suite 20 s by default, and ChromeDriver 5 s to start:
# about 15 s on an idle machine, so a loaded one ran over (a fresh-clone run failed with
# "Failed to detect test as having been run"). Generous limits: a slow machine is not a
# failure.
step browser-tests env WASM_BINDGEN_TEST_TIMEOUT=600 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=120 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p pocket-chat --test storage
step mock-provider-tests node --test --test-reporter=spec tests/mock-provider/
step build-release trunk build --release
step build-subpath trunk build --release --public-url /pocket-chat/ --dist target/dist-subpath
# With test hooks that drive storage directly (never shipped).
step build-e2e trunk build --release --features e2e-hooks --dist target/dist-e2e
step e2e-tests node --test --test-reporter=spec --test-concurrency=1 e2e/
step size scripts/size.sh dist

# Chromium leaves scratch folders behind in TMPDIR.
rm -rf .tmp/org.chromium.Chromium.* 2>/dev/null

# One closing line for the whole run: tests passed and failed across all layers.
read -r passed nfailed < <(cat "$LOGS"/*.log | awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^ℹ pass [0-9]+$/ { p += $3 }
  /^ℹ fail [0-9]+$/ { f += $3 }
  END { print p + 0, f + 0 }')
echo
if ((${#failed[@]})); then
  echo "FAILED steps: ${failed[*]}"
  echo "total: $passed passed, $((nfailed > 0 ? nfailed : 1)) failed"
  exit 1
fi
echo "total: $passed passed, $nfailed failed"
