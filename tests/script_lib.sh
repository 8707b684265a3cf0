# What every tests/test_*.sh script starts with; each one sources it first:
#   . "$(dirname "$0")/script_lib.sh"
# tests/run_tests.sh runs the scripts with PLAINCNN set to the binary and
# reads their output: "ok <check>" for each check passed, "FAIL: <why>" (and
# exit 1) at the first that fails, "skipped: <why>" for a check this machine
# cannot run. Not a test itself (its name does not start with test_).
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
