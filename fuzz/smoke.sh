#!/usr/bin/env bash
# A bounded fuzz run, for CI (.ci/run): install cargo-afl if it is missing, build the
# target, fuzz for about a minute from the seeds, and fail if AFL saved a crash or a
# hang. SMOKE_SECONDS sets the length (default 60).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SMOKE_SECONDS:-60}

if ! cargo afl --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-afl"
  cargo install cargo-afl --locked --version '^0.18'
fi
# The AFL++ runtime is built once per toolchain under ~/.local/share/afl.rs; asking
# again when it is there is an error that says so.
log=$(mktemp)
if ! cargo afl config --build >"$log" 2>&1 && ! grep -q "already built" "$log"; then
  cat "$log"
  exit 1
fi
rm -f "$log"

# Outside the clone, so a machine that ran CI before reuses the instrumented build.
export CARGO_TARGET_DIR=${LABC_FUZZ_TARGET_DIR:-$HOME/.cache/labc/fuzz-target}
cargo afl build --release --quiet
./seed.sh >/dev/null

out=$(mktemp -d)
# As root without a terminal: no UI, no CPU-frequency or core-dump checks, and no
# binding to a core (other jobs may hold them all).
AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
  cargo afl fuzz -i corpus -o "$out" -V "$seconds" -t 10000 -m 1024 \
  "$CARGO_TARGET_DIR/release/check" >"$out/afl.log" 2>&1 || {
  tail -30 "$out/afl.log"
  echo "fuzz: afl-fuzz failed"
  exit 1
}
stats="$out/default/fuzzer_stats"
stat() { sed -n "s/^$1 *: *//p" "$stats"; }
echo "fuzz: $(stat execs_done) executions in $(stat run_time) s, $(stat saved_crashes) crash(es), $(stat saved_hangs) hang(s)"
found=0
for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
  [ -e "$f" ] || continue
  found=1
  echo "fuzz: finding ${f#"$out"/default/} (base64; decode it and run \`cargo run --manifest-path fuzz/Cargo.toml -- FILE\`):"
  base64 -w0 "$f"
  echo
done
rm -rf "$out"
if [ "$found" = 1 ]; then
  echo "fuzz: the checker crashed or hung; see fuzz/README.md to turn the input into a test"
  exit 1
fi
