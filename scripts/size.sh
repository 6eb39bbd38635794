#!/usr/bin/env bash
# Prints what a first visit downloads from a release dist/: each WASM, JS and CSS file,
# raw and gzip -9, and the total. A figure to watch, not a pass/fail test.
set -euo pipefail
dist=${1:-dist}
[[ -f "$dist/index.html" ]] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
total_raw=0
total_gz=0
printf '%-48s %10s %10s\n' file raw gzip-9
for f in "$dist"/*.wasm "$dist"/*.js "$dist"/*.css "$dist"/index.html; do
  [[ -f "$f" ]] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-48s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-48s %10d %10d\n' "first load (bytes)" "$total_raw" "$total_gz"
awk -v b="$total_gz" 'BEGIN { printf "first load gzip -9: %.1f KB\n", b / 1000 }' 
