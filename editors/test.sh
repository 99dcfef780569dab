#!/usr/bin/env bash
# The editor grammars' tests, each in the engine real editors run (see docs/editors.md).
# Run from anywhere; exit 0 when every engine passes. `.ci/run` calls it.
#
#   editors/test.sh            set up what is missing (cached), then test
#   editors/test.sh --offline  test only; fail if a tool is missing
#
# Set-up, cached between runs (each skipped when the right version is there):
#   tree-sitter CLI 0.27.1   cargo install tree-sitter-cli --locked (into ~/.cargo/bin;
#                            about 11 CPU minutes once)
#   Neovim 0.12 (nightly)    pip venv in ~/.cache/labc-editors/nvim-venv (setup.sh)
#   vscode-textmate 9,       npm ci in editors/vscode/test (node_modules, ~/.npm cache)
#   vscode-languageclient 9
#   pytest-lsp 1.0.1         pip venv in ~/.cache/labc-ci/lsp-venv (editors/lsp-test/run.sh,
#                            pinned in its requirements.txt; the same Neovim as above)
# The language server's end-to-end tests drive target/release/labc (or $LABC), which
# `.ci/run` builds before it calls this. Vim 9 and a C compiler come with the machine.
# The Sublime grammar is tested by `cargo test` (syntect), so it is not repeated here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
offline=false
[ "${1:-}" = "--offline" ] && offline=true
export PATH="$HOME/.cargo/bin:$PATH"

setup() {
  local want=0.27.1
  if [ "$(tree-sitter --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    $offline && { echo "editors: tree-sitter CLI $want missing" >&2; exit 1; }
    echo "== editors: installing tree-sitter-cli $want (once; cached in ~/.cargo/bin)"
    cargo install tree-sitter-cli --locked --version "$want" --quiet
  fi
  $offline || bash editors/neovim/test/setup.sh
  if [ -f editors/vscode/test/package-lock.json ] && ! $offline; then
    npm ci --prefix editors/vscode/test --no-audit --no-fund --prefer-offline --silent
  fi
}

setup
status=0
run() {
  echo "== editors: $1"
  shift
  if ! "$@"; then
    echo "editors: FAILED: $*" >&2
    status=1
  fi
}
run "tree-sitter (corpus, highlights, every valid .lab file)" bash editors/tree-sitter-lab/test.sh
run "Neovim (tree-sitter captures and folds in a real Neovim)" bash editors/neovim/test/run.sh
[ -f editors/vscode/test/run.js ] &&
  run "VS Code (TextMate grammar in vscode-textmate)" node editors/vscode/test/run.js
run "VS Code (the extension starts labc lsp through vscode-languageclient 9)" \
  node editors/vscode/test/server.js
run "Vim (syntax groups, highlight links, indent)" bash editors/vim/test/run.sh
lsp_args=()
$offline && lsp_args=(--offline)
run "labc lsp with real clients (pytest-lsp, Neovim's built-in client)" \
  bash editors/lsp-test/run.sh "${lsp_args[@]}"
exit $status
