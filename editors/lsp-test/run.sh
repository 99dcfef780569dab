#!/usr/bin/env bash
# End-to-end tests of `labc lsp` with real LSP clients, each on a fresh copy of the
# fixture lab tests/lsp/lab/ in a temporary directory:
#   pytest-lsp (pygls) test_lsp.py, in a cached venv ~/.cache/labc-ci/lsp-venv
#     ($LABC_LSP_VENV) with the pinned packages of requirements.txt;
#   Neovim's built-in client, nvim.lua, in the Neovim of editors/neovim/test/setup.sh
#     ($NVIM, else ~/.cache/labc-editors/nvim-venv/bin/nvim).
# The server is $LABC, else target/release/labc (`.ci/run` has built it).
#
#   editors/lsp-test/run.sh            set up what is missing (network, once), then test
#   editors/lsp-test/run.sh --offline  test only; fail if a tool is missing
#
# editors/test.sh runs it. Exit 0 when both clients pass.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
offline=false
[ "${1:-}" = "--offline" ] && offline=true

labc=${LABC:-$root/target/release/labc}
if [ ! -x "$labc" ]; then
  echo "lsp-test: FAIL: no labc binary at $labc (run \`cargo build --release\` or set LABC)" >&2
  exit 1
fi
labc=$(cd "$(dirname "$labc")" && pwd)/$(basename "$labc")

# The venv is made again when requirements.txt changes: its copy in the venv says which
# pins it holds.
venv=${LABC_LSP_VENV:-$HOME/.cache/labc-ci/lsp-venv}
if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  if $offline; then
    echo "lsp-test: FAIL: no venv with requirements.txt's packages in $venv" >&2
    exit 1
  fi
  echo "lsp-test: installing pytest-lsp into $venv (once; cached)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
$offline || bash "$root/editors/neovim/test/setup.sh" >/dev/null
nvim=${NVIM:-${LAB_NVIM_VENV:-$HOME/.cache/labc-editors/nvim-venv}/bin/nvim}
if [ ! -x "$nvim" ]; then
  echo "lsp-test: FAIL: no Neovim at $nvim (run editors/neovim/test/setup.sh or set NVIM)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

echo "-- pytest-lsp ($("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pytest-lsp"))'))"
# No .pytest_cache or __pycache__ in the source tree.
(cd "$here" && PYTHONDONTWRITEBYTECODE=1 LABC=$labc timeout 300 "$venv/bin/python" -m pytest -q -rs \
  -p no:cacheprovider --basetemp "$tmp/pytest" test_lsp.py) || status=1

echo "-- Neovim's client ($("$nvim" --version | head -1))"
cp -r "$root/tests/lsp/lab" "$tmp/lab"
# Neovim's LSP log goes to the temporary directory, not ~/.local/state.
XDG_STATE_HOME=$tmp/state LABC=$labc LAB_ROOT=$tmp/lab timeout 180 "$nvim" --headless \
  -u NONE -i NONE -n -c "luafile $here/nvim.lua" </dev/null || {
  echo "lsp-test: Neovim's client FAILED (exit $?)" >&2
  status=1
}
exit $status
