#!/usr/bin/env bash
# Runs every test binary in BUILD/tests and every tests/test_*.sh, then prints
# one closing line "N passed, N failed, N skipped" (each skip is named, with
# its reason, above it). Exit status: 0 only if none failed.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0 bad=() skips=()
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  out=$("$t" --gtest_brief=1 2>&1); rc=$?
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
  s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  # GoogleTest prints "file:line: Skipped" and then the reason GTEST_SKIP gave.
  while IFS= read -r why; do skips+=("$(basename "$t"): $why"); done < <(printf '%s\n' "$out" | sed -n '/: Skipped$/{n;p}')
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out"
    [ -z "$f" ] && failed=$((failed + 1))
    bad+=("$(basename "$t")")
  else
    printf '%-28s %s passed\n' "$(basename "$t")" "${p:-0}"
  fi
done
for s in "$here"/test_*.sh; do
  [ -f "$s" ] || continue
  if out=$(PLAINCNN="$build/bin/plaincnn" bash "$s" 2>&1); then
    n=$(printf '%s\n' "$out" | grep -c '^ok ')
    passed=$((passed + n))
    # A script names each check it could not run here (a tool or the data
    # missing) on a line "skipped: <reason>".
    while IFS= read -r why; do skips+=("$(basename "$s"): $why"); skipped=$((skipped + 1)); done < <(printf '%s\n' "$out" | sed -n 's/^skipped: //p')
    printf '%-28s %s passed\n' "$(basename "$s")" "$n"
  else
    printf '%s\n' "$out"
    failed=$((failed + 1)); bad+=("$(basename "$s")")
  fi
done
for why in "${skips[@]}"; do echo "skipped: $why"; done
[ ${#bad[@]} -gt 0 ] && echo "failing: ${bad[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#bad[@]} -eq 0 ]
