#!/usr/bin/env bash
# Prints what a first visit downloads from a release dist/: each WASM, JS and CSS file
# index.html loads, raw and gzip -9, and the total; then what loads later. A figure to
# watch, not a pass/fail test.
set -euo pipefail
dist=${1:-dist}
[[ -f "$dist/index.html" ]] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
total_raw=0
total_gz=0
printf '%-48s %10s %10s\n' file raw gzip-9
# What index.html loads (by href or src), and index.html: not what loads later (the data
# worker, fetched at the first export or import, is listed after the total).
loaded=$(grep -oE '(href|src)="[^"]+\.(wasm|js|css)"' "$dist/index.html" | sed -E 's/^[a-z]+="(.*)"$/\1/' | xargs -n1 basename | sort -u)
for f in $(printf '%s\n' $loaded | sed "s|^|$dist/|") "$dist"/index.html; do
  [[ -f "$f" ]] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-48s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-48s %10d %10d\n' "first load (bytes)" "$total_raw" "$total_gz"
awk -v b="$total_gz" 'BEGIN { printf "first load gzip -9: %.1f KB\n", b / 1000 }' 
for f in "$dist"/*.wasm "$dist"/*.js; do
  name=$(basename "$f")
  printf '%s\n' $loaded | grep -qxF "$name" && continue
  printf '%-48s %10d %10d  (loaded later)\n' "$name" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
