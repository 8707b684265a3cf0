#!/usr/bin/env bash
# Threads fail cleanly: `plaincnn train` and `plaincnn bench` never hang or
# crash over threads. A --threads count above the machine's cores is capped
# with one warning line; a system that refuses a thread (a process limit,
# `ulimit -u`) gives exit 2 and one line "cannot start N threads: ...".
# Before, the pool's constructor unwound into its condition variables while
# the workers it had started still waited on them, and train never returned.
# Run by tests/run_tests.sh with PLAINCNN set to the binary. Prints "ok ..."
# per passing check and "skipped: ..." (counted as skipped) where this machine cannot
# play the case; stops at the first failure. The training runs take no
# epoch (--epochs 0, Keras: nothing is evaluated either), so that they stay
# quick under the sanitizers.
. "$(dirname "$0")/script_lib.sh"
skip() { echo "skipped: $*"; }
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/mnist
tmp=$(mktemp -d) || fail "mktemp -d failed"
chmod 755 "$tmp"  # readable by the unprivileged user the limited runs use
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"
cores=$(nproc)

# limited LIMIT CMD...: runs CMD under `ulimit -u LIMIT` (processes and
# threads of the user), as an unprivileged user when run as root (root is
# exempt from the limit), with a timeout so that a hang fails the test.
# Leaves the exit status in rc and stderr in $tmp/err. Under the sanitizers
# the leak check is off for these runs: it needs a thread of its own at exit,
# which the limit refuses.
limited() {
  local limit=$1
  shift
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  if [ "$(id -u)" -eq 0 ]; then
    timeout 120 setpriv --reuid=65534 --regid=65534 --clear-groups \
      bash -c 'ulimit -u "$0" && exec "$@"' "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
  else
    timeout 120 bash -c 'ulimit -u "$0" && exec "$@"' "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
  fi
  rc=$?
}

# refused_threads WHAT CMD...: CMD must end with exit 2 and exactly one line "plaincnn ...: cannot start N threads: ...".
refused_threads() {
  local what=$1
  shift
  limited 1 "$@"
  [ "$rc" -ne 124 ] || fail "$what: still running after 120 s (hang)"
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2; stderr: $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: expected one line on stderr, got: $(cat "$tmp/err")"
  grep -q "cannot start $cores threads: " "$tmp/err" || fail "$what: stderr does not say so: $(cat "$tmp/err")"
  ok "$what"
}

can_limit=yes
if [ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null; then
  can_limit="no: running as root without setpriv (util-linux) to drop to an unprivileged user"
elif [ "$cores" -lt 2 ]; then
  can_limit="no: one core, so no worker thread is ever started"
fi

# ---- a refused thread: exit 2, one line, no hang ----
if [ "$can_limit" = yes ]; then
  refused_threads "bench with its threads refused" "$bin" bench --only lenet --runs 1 --threads "$cores"
  if [ -f "$data/train-images-idx3-ubyte" ]; then
    refused_threads "train --api keras with its threads refused" "$bin" train --api keras --epochs 0 --data "$data" --threads 0
    refused_threads "train --api tf1 with its threads refused" "$bin" train --api tf1 --epochs 0 --data "$data" --threads 0
  else
    skip "train with its threads refused (no MNIST in $data; make data)"
  fi
else
  skip "a refused thread ($can_limit)"
fi

# ---- more threads than cores: capped, one warning, trains ----
if [ -f "$data/train-images-idx3-ubyte" ]; then
  timeout 120 "$bin" train --api keras --epochs 0 --data "$data" --threads 100000 >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "train --threads 100000: exit $rc; stderr: $(cat "$tmp/err")"
  [ "$(cat "$tmp/err")" = "plaincnn train: warning: --threads 100000 is more than the $cores core$([ "$cores" -eq 1 ] || echo s) of this machine; using $cores" ] ||
    fail "train --threads 100000: unexpected stderr: $(cat "$tmp/err")"
  ok "train --threads 100000 is capped to the cores with one warning"
  if [ "$can_limit" = yes ]; then
    # The issue's case: 200 threads under a limit of 60 processes hung for ever.
    limited 60 "$bin" train --api keras --epochs 0 --data "$data" --threads 200
    [ "$rc" -eq 0 ] || fail "train --threads 200 under ulimit -u 60: exit $rc; stderr: $(cat "$tmp/err")"
    grep -q "^plaincnn train: warning: --threads 200 is more than" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"
    ok "train --threads 200 under ulimit -u 60 is capped and trains"
  else
    skip "train --threads 200 under ulimit -u 60 ($can_limit)"
  fi
else
  skip "train --threads 100000 (no MNIST in $data; make data)"
fi
