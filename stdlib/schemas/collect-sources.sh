#!/usr/bin/env bash
# Collects the upstream files sources.txt names into SRC/<set>/<version>/, the input of
# generate.sh. Upstream files are never committed: they carry description text and
# licences of their own, and only the generated schemas (names, types, constraints) ship.
#
#   collect-sources.sh MIRRORS SHARED SRC
#
# MIRRORS holds git repositories with their tags, as MIRRORS/<owner>+<name>/repo (bare
# mirrors) or MIRRORS/<owner>/<name> (clones); SHARED is the shared schema snapshot (its
# kubernetes/ folder); SRC is created. A Helm template's action lines (`{{- if ... }}`)
# are dropped, so a chart's CRD file reads as the CRDs the chart installs. A KINDS column
# keeps only those CustomResourceDefinitions of a multi-document file.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 MIRRORS SHARED SRC" >&2
  exit 2
fi
mirrors=$1 shared=$2 src=$3
table="$(dirname "$0")/sources.txt"

repo_dir() {
  local owner=${1%%/*} name=${1#*/}
  for d in "$mirrors/$owner+$name/repo" "$mirrors/$owner/$name"; do
    if [ -d "$d" ]; then
      echo "$d"
      return
    fi
  done
  echo "no repository for $1 under $mirrors" >&2
  exit 1
}

# The CustomResourceDefinitions of a YAML stream whose `spec.names.kind` is in KINDS
# (",A,B,"), each as its own document.
keep_kinds() {
  awk -v kinds="$1" '
    function flush() {
      if (doc != "" && kind != "" && index(kinds, "," kind ",") > 0) printf "---\n%s", doc
      doc = ""; kind = ""; innames = 0
    }
    /^---/ { flush(); next }
    { doc = doc $0 "\n" }
    /^  names:/ { innames = 1; next }
    innames && /^    kind: / { if (kind == "") kind = $2; next }
    /^  [^ ]/ { innames = 0 }
    END { flush() }'
}

grep -v '^[[:space:]]*\(#\|$\)' "$table" | while read -r set version repo ref path kinds; do
  dir="$src/$set/$version"
  mkdir -p "$dir"
  if [ "$repo" = shared ]; then
    text=$(cat "$shared/$path")
  else
    text=$(git -C "$(repo_dir "$repo")" show "$ref:$path")
  fi
  # Whole-line Helm actions only: a CRD file has no template inside its values.
  text=$(printf '%s\n' "$text" | grep -vE '^[[:space:]]*\{\{.*\}\}[[:space:]]*$' || true)
  case "$path" in
    *.json)
      # The catalog's per-kind schema names no kind: give it the one the table spells.
      if [ -n "${kinds:-}" ]; then
        group=$(basename "$(dirname "$path")")
        kind_version=$(basename "$path" .json)
        text=$(printf '%s\n' "$text" | jq --arg g "$group" --arg v "${kind_version##*_}" --arg k "$kinds" \
          '. + {"x-kubernetes-group-version-kind": [{group: $g, version: $v, kind: $k}]}')
      fi
      ;;
    *)
      if [ -n "${kinds:-}" ]; then
        text=$(printf '%s\n' "$text" | keep_kinds ",$kinds,")
      fi
      ;;
  esac
  printf '%s\n' "$text" >"$dir/$(basename "$path")"
  # Where each file came from, for the generated file's `source`.
  echo "$repo $ref $path" >>"$dir/SOURCES"
done
