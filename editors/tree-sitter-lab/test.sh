#!/usr/bin/env bash
# Tests of the tree-sitter grammar of .lab (Neovim, Helix). Runs offline, from anywhere.
#
#   editors/tree-sitter-lab/test.sh
#
# Needs: the tree-sitter CLI 0.27.1 on PATH (`cargo install tree-sitter-cli --locked
# --version 0.27.1`; the npm package downloads from GitHub and does not work offline)
# and a C compiler (cc). The CLI compiles the parser into $TREE_SITTER_LIBDIR
# (default: target/tree-sitter-lab/ of the project, a cache that may be deleted).
#
# Steps:
#   1. the committed src/ (parser.c, grammar.json, node-types.json, headers) is what
#      `tree-sitter generate --abi 14` makes of grammar.js;
#   2. the Helix queries are what editors/helix/gen-queries.sh makes of queries/;
#   3. `tree-sitter test`: the corpus (test/corpus/*.txt) and the highlight assertions
#      (test/highlight/*.lab);
#   4. every .lab file of lab/, stdlib/ and tests/ that labc parses (all but those whose
#      `# expect:` line names E0101 or E0102), and every ```lab block of
#      docs/language.md and README.md, parses without an ERROR or MISSING node;
#   5. and every name (identifier) in them has a highlight capture.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
want=0.27.1
ts=${TREE_SITTER:-tree-sitter}

fail() { echo "tree-sitter-lab: FAIL: $*" >&2; exit 1; }

command -v "$ts" >/dev/null || fail "no tree-sitter CLI on PATH (cargo install tree-sitter-cli --locked --version $want)"
got=$("$ts" --version | awk '{print $2}')
[ "$got" = "$want" ] || fail "tree-sitter $got, want $want ($("$ts" --version))"

export TREE_SITTER_LIBDIR=${TREE_SITTER_LIBDIR:-$root/target/tree-sitter-lab}
mkdir -p "$TREE_SITTER_LIBDIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here"

# 1. Generated sources are up to date.
"$ts" generate --abi 14 --js-runtime native -o "$tmp/src" grammar.js
if ! diff -r "$tmp/src" src >"$tmp/gen.diff"; then
  head -20 "$tmp/gen.diff" >&2
  fail "src/ is stale: run (cd editors/tree-sitter-lab && tree-sitter generate --abi 14) and commit src/"
fi
echo "ok: src/ matches grammar.js (ABI 14)"

# 2. Helix queries are in sync.
"$root/editors/helix/gen-queries.sh" "$tmp/helix"
if ! diff -r "$tmp/helix" "$root/editors/helix/queries/lab" >"$tmp/helix.diff"; then
  head -20 "$tmp/helix.diff" >&2
  fail "editors/helix/queries/lab is stale: run editors/helix/gen-queries.sh"
fi
for q in "$root"/editors/helix/queries/lab/*.scm; do
  "$ts" query -p . "$q" test/highlight/declarations.lab >/dev/null 2>"$tmp/query.err" ||
    { cat "$tmp/query.err" >&2; fail "invalid query $q"; }
done
echo "ok: Helix queries match queries/ and are valid"

# 3. Corpus and highlight tests.
"$ts" test 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$tmp/test.out" || {
  grep -v '✓' "$tmp/test.out" >&2
  fail "tree-sitter test"
}
corpus=$(grep '✓' "$tmp/test.out" | grep -vc 'assertions)' || true)
asserts=$(grep -o '([0-9]* assertions)' "$tmp/test.out" | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}')
echo "ok: tree-sitter test ($corpus corpus tests, $asserts highlight assertions)"

# 4. Real code parses clean.
"$ts" build -o "$tmp/lab.so" . 2>/dev/null
: >"$tmp/paths"
skipped=0
while IFS= read -r f; do
  if head -n 1 "$f" | grep -qE '^# expect:.*E010[12]'; then
    skipped=$((skipped + 1))
  else
    echo "$f" >>"$tmp/paths"
  fi
done < <(cd "$root" && find lab stdlib tests -name '*.lab' | sort | sed "s|^|$root/|")
mkdir "$tmp/blocks"
for md in docs/language.md README.md; do
  # Blocks fenced exactly ```lab are complete examples that compile.
  awk -v out="$tmp/blocks/$(echo "$md" | tr / _)" '
    $0 == "```lab" { n++; f = sprintf("%s-%d-line%d.lab", out, n, NR + 1); inb = 1; next }
    inb && $0 == "```" { inb = 0; close(f); next }
    inb { print > f }
  ' "$root/$md"
done
find "$tmp/blocks" -name '*.lab' | sort >>"$tmp/paths"
total=$(wc -l <"$tmp/paths")
if ! "$ts" parse -l "$tmp/lab.so" --lang-name lab -q --paths "$tmp/paths" >"$tmp/parse.out" 2>/dev/null; then
  echo "files with ERROR or MISSING nodes:" >&2
  sed "s|$root/||; s|$tmp/blocks/||" "$tmp/parse.out" >&2
  fail "$(grep -c . "$tmp/parse.out") of $total files do not parse clean"
fi
echo "ok: $total files parse clean ($(grep -c "$tmp/blocks" "$tmp/paths") doc blocks; $skipped files with E0101/E0102 skipped)"

# 5. In those files, every name (identifier, variable, type_identifier) has a highlight.
# A file's line is its path as listed (a capture's text may span lines, so a line at
# column 0 may be the inside of a block string); a capture's line starts with `pattern:`.
positions() { # file row col of each capture in `tree-sitter query` output
  awk 'NR == FNR { path[$0] = 1; next }
       $0 in path { f = $0; next }
       /^ +pattern: +[0-9]+, capture:/ { match($0, /start: \([0-9]+, [0-9]+\)/); p = substr($0, RSTART + 8, RLENGTH - 9)
                    sub(", ", " ", p); print f " " p }' "$tmp/paths" - | sort -u
}
echo '[(identifier) (variable) (type_identifier)] @name' >"$tmp/names.scm"
"$ts" query -l "$tmp/lab.so" --lang-name lab -c --paths "$tmp/paths" "$tmp/names.scm" 2>/dev/null | positions >"$tmp/names"
"$ts" query -l "$tmp/lab.so" --lang-name lab -c --paths "$tmp/paths" queries/highlights.scm 2>/dev/null | positions >"$tmp/captured"
comm -23 "$tmp/names" "$tmp/captured" >"$tmp/bare"
if [ -s "$tmp/bare" ]; then
  sed "s|$root/||; s|$tmp/blocks/||" "$tmp/bare" | head -20 >&2
  fail "$(wc -l <"$tmp/bare") names without a highlight (file row col, from 0)"
fi
echo "ok: all $(wc -l <"$tmp/names") names in those files have a highlight"
