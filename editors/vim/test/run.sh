#!/bin/sh
# The Vim test of editors/vim (see check.vim): runs from anywhere, exits 0 on pass.
# Needs vim (8.2+; the test runs on Vim 9.0); also runs under nvim when it is on PATH.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0

run() {
  name=$1
  shift
  : >"$out"
  if ! (cd "$root" && "$@" </dev/null >/dev/null 2>&1); then
    status=1
  fi
  if [ -s "$out" ]; then
    cat "$out"
  else
    echo "$name: no result (the script did not finish)"
    status=1
  fi
}

vars="let g:labroot='$root' | let g:labout='$out'"
run vim timeout 120 vim -Nu NONE -i NONE -es --cmd "$vars" -S editors/vim/test/check.vim
if command -v nvim >/dev/null 2>&1; then
  run nvim timeout 120 nvim --headless -u NONE -i NONE -n --cmd "$vars" -S editors/vim/test/check.vim
fi
exit $status
