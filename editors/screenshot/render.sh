#!/usr/bin/env bash
# Render docs/editors/lab-highlighted.png: real lab code highlighted by the tree-sitter
# grammar (the engine Neovim and Helix run), shown in headless Chromium.
# config.json names the captures the CLI emits (its theme keys; the colours are in
# style.css). Needs the tree-sitter CLI 0.27.1 and chromium (apt-get install -y chromium).
# Usage: editors/screenshot/render.sh   (from anywhere; writes into docs/editors/)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
grammar=$root/editors/tree-sitter-lab
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The excerpts: a tenant-facing install (interpolation, secrets, units) and a cluster
# (IPs, CIDRs, records, a CRD declaration, a pool range).
excerpts=("lab/tenants/harbor.lab:1:32" "lab/clusters.lab:6:24" "lab/clusters.lab:44:45")
{
  echo '<!doctype html><html><head><meta charset="utf-8"><style>'
  cat "$root/editors/screenshot/style.css"
  echo '</style></head><body>'
  for e in "${excerpts[@]}"; do
    IFS=: read -r file from to <<<"$e"
    sed -n "${from},${to}p" "$root/$file" >"$work/excerpt.lab"
    echo "<h2>$file, lines $from-$to</h2>"
    TREE_SITTER_LIBDIR=$root/target/tree-sitter-lab \
      tree-sitter highlight -p "$grammar" --config-path "$root/editors/screenshot/config.json" \
      --html --layout fragment --style minimal \
      "$work/excerpt.lab" 2>/dev/null
  done
  echo '</body></html>'
} >"$work/page.html"
grep -q "class=" "$work/page.html" || { echo "render.sh: no highlight in the page" >&2; exit 1; }
mkdir -p "$root/docs/editors"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1000,1230 --screenshot="$root/docs/editors/lab-highlighted.png" \
  "file://$work/page.html" 2>/dev/null
echo "wrote docs/editors/lab-highlighted.png"
