# What every tests/test_*.sh script starts with; each one sources it first:
#   . "$(dirname "$0")/script_lib.sh"
# tests/run_tests.sh runs the scripts with PLAINCNN set to the binary and
# reads their output: "ok <check>" for each check passed, "FAIL: <why>" (and
# exit 1) at the first that fails, "skipped: <why>" for a check this machine
# cannot run. It also holds the helpers two or more scripts share (run,
# refused); a script may define its own instead. Not a test itself (its name
# does not start with test_).
set -u
export LC_ALL=C

fail() {
  echo "FAIL: $*"
  exit 1
}
ok() { echo "ok $*"; }

[ -n "${PLAINCNN:-}" ] || fail "set PLAINCNN to the plaincnn binary"
# The binary's absolute path, still right after the script changes folder.
bin=$(cd "$(dirname "$PLAINCNN")" && pwd)/$(basename "$PLAINCNN")

# run ARGS...: runs plaincnn in the current folder, keeping its status in rc
# and its output in stdout.txt and stderr.txt.
run() {
  "$bin" "$@" >stdout.txt 2>stderr.txt
  rc=$?
}

# refused WHAT MESSAGE_PART OUTPUTS ARGS...: exit 2, exactly one line on
# stderr containing MESSAGE_PART, none of the space-separated OUTPUTS
# created, and no temporary file left.
refused() {
  local what=$1 part=$2 outputs=$3 f
  shift 3
  rm -f $outputs
  run "$@"
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2; stderr: $(cat stderr.txt)"
  [ "$(wc -l <stderr.txt)" -eq 1 ] || fail "$what: expected exactly one line on stderr, got: $(cat stderr.txt)"
  grep -qF -- "$part" stderr.txt || fail "$what: stderr does not mention '$part': $(cat stderr.txt)"
  for f in $outputs; do [ ! -e "$f" ] || fail "$what: $f was created"; done
  ! ls ./*.tmp-* >/dev/null 2>&1 || fail "$what: a temporary file was left: $(ls ./*.tmp-*)"
  ok "$what: $(cat stderr.txt)"
}
