# Sourced by the scripts: the environment every build and test step shares.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# trunk's update check queries an API the registry mirror does not serve.
export TRUNK_SKIP_VERSION_CHECK=true
# Browser test runs leave Chromium scratch folders in TMPDIR: keep them in the project.
export TMPDIR="$PWD/.tmp"
mkdir -p "$TMPDIR"
