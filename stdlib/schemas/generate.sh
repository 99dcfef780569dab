#!/usr/bin/env bash
# Generates every shipped schema file, <set>/<version>.json beside this script, from the
# upstream files collect-sources.sh gathered into SRC/<set>/<version>/, with
# `labc import crd` (LABC, default target/debug/labc). Each file's `source` names the
# repositories and tags it was made from (SRC/<set>/<version>/SOURCES).
#
#   generate.sh SRC
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 SRC" >&2
  exit 2
fi
src=$1
here=$(cd "$(dirname "$0")" && pwd)
labc=${LABC:-$here/../../target/debug/labc}

found=0
for dir in "$src"/*/*/; do
  dir=${dir%/}
  version=$(basename "$dir")
  set=$(basename "$(dirname "$dir")")
  # One `repo@ref` per upstream release, in the table's order.
  source=$(awk '!seen[$1 " " $2]++ {
      dir = $3; sub(/\/[^\/]*$/, "", dir)
      if ($1 == "shared") printf "%skubernetes-validate 1.37.0 (shared/schemas/%s)", sep, dir
      else printf "%sgithub.com/%s@%s", sep, $1, $2
      sep = ", "
    }' "$dir/SOURCES")
  mkdir -p "$here/$set"
  "$labc" import crd "$dir" --out "$here/$set/$version.json" \
    --name "$set" --version "$version" --source "$source" >/dev/null
  found=$((found + 1))
done
if [ "$found" -eq 0 ]; then
  echo "no <set>/<version>/ folder under $src: run collect-sources.sh first" >&2
  exit 1
fi
