#!/usr/bin/env bash
# Installs what pocket-chat needs to build (and, with --test, to test), from the package
# registries only. Idempotent: every step checks first, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

TRUNK_VERSION=0.21.14
say() { printf '\033[1m== %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# The wasm-bindgen CLI must be exactly the version the app links against.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! grep -q "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
  echo "Trunk.toml names another wasm-bindgen than Cargo.lock ($WASM_BINDGEN_VERSION): update [tools] wasm_bindgen." >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if $want_test; then
  for component in clippy rustfmt; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding $component"
      rustup component add "$component"
    fi
  done
fi

if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION (about 6 minutes, once)"
  # trunk 0.22 needs a newer rustc than this toolchain.
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]] ||
  ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # Not --locked: its lockfile pins a crate version the registry here does not serve.
  cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi

# npm: binaryen's wasm-opt 132 for release builds, playwright-core for end-to-end tests,
# axe-core for their accessibility check.
if [[ ! -x node_modules/.bin/wasm-opt || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi

# Chromium and its driver for browser tests; a Japanese font so screenshots show the UI
# as a Japanese user sees it instead of empty boxes; nginx to run the container recipe's
# server config (deploy/nginx.conf) in e2e/deploy.test.mjs.
if $want_test && ! [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver && -d /usr/share/fonts/opentype/ipafont-gothic &&
  -x /usr/sbin/nginx ]]; then
  say "installing Debian chromium, chromium-driver, fonts-ipafont-gothic and nginx"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    chromium chromium-driver fonts-ipafont-gothic nginx
fi

say "cargo fetch (trunk builds offline)"
cargo fetch --quiet
