#!/usr/bin/env bash
# Fill fuzz/corpus/ with seeds: every .lab file of the example lab, the stdlib and the UI
# fixtures, one file each (two files of a multi-file fixture joined with the NUL byte the
# target splits on).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf corpus
mkdir -p corpus
n=0
add() { # add SOURCE...: one seed from the files given, NUL-separated
  n=$((n + 1))
  local out
  out=$(printf 'corpus/seed-%03d' "$n")
  local first=1
  for f in "$@"; do
    if [ $first = 0 ]; then printf '\0' >> "$out"; fi
    cat "$f" >> "$out"
    first=0
  done
}
for f in ../lab/*.lab ../lab/*/*.lab ../stdlib/*.lab ../tests/ui/*.lab; do
  [ -f "$f" ] && add "$f"
done
for d in ../tests/ui/*/; do
  files=("$d"*.lab)
  [ -e "${files[0]}" ] && add "${files[@]:0:2}"
done
# Two lab files together: the example lab's entry point with one of its modules.
add ../lab/lab.lab ../lab/clusters.lab
echo "seeded $n inputs into fuzz/corpus/"
