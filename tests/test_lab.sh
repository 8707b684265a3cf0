#!/usr/bin/env bash
# The LeNet-5 lab in a real browser: builds it (make lab: emscripten, the
# MNIST subset, the weights of `make train`, trained first if missing), then
# tests/lab_browser.js drives the page in headless Chromium: no console
# error, the probabilities of 100 t10k images equal the native build's to
# 1e-6, a scripted stroke is predicted, a C1 cell's sum is conv_forward's,
# a bad weights file is refused, a screenshot that is not blank, and one
# training epoch on the subset reaches 90% test accuracy. Also prints the
# speed figures: one prediction in the page, training images/s in the page
# and natively on one thread.
#
# Run by tests/run_tests.sh with PLAINCNN set to the binary; prints "ok ..."
# per passing check, or one "skipped: <reason>" line when emscripten,
# Chromium or Node is missing, or when the build is a sanitizer/debug one
# (the page is the same; it is tested once, with the plain build).
. "$(dirname "$0")/script_lib.sh"
skip() {
  echo "skipped: $*"
  exit 0
}

[ -n "${PLAINCNN:-}" ] || fail "set PLAINCNN to the plaincnn binary"
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$(dirname "$PLAINCNN")")
case "$build" in
  */san | */debug) skip "the lab is tested with the plain build only (it does not depend on SANITIZE or DEBUG)" ;;
esac
command -v em++ >/dev/null || skip "em++ not found; install it with: apt-get install -y emscripten"
command -v chromium >/dev/null || skip "chromium not found; install it with: apt-get install -y chromium"
command -v node >/dev/null || skip "node not found; install it with: apt-get install -y nodejs"

cd "$root" || fail "cannot enter $root"
log=$(mktemp) || fail "mktemp failed"
trap 'rm -f "$log"' EXIT
# The parent make's job server does not reach this far; two jobs, as the machine has.
env -u MAKEFLAGS -u MFLAGS make --no-print-directory -j2 lab >"$log" 2>&1 || fail "make lab failed: $(tail -5 "$log")"
page=$build/lab/index.html
[ -s "$page" ] || fail "make lab wrote no $page"
bytes=$(wc -c <"$page")
[ "$bytes" -le 8500000 ] || fail "$page is $bytes bytes, more than the 8.5 MB budget"
ok "make lab builds $page ($((bytes / 1024)) KiB)"
if grep -Eio '(src|href)="(https?:)?//[^"]*' "$page" | head -1 | grep -q .; then
  fail "the page refers to another host: $(grep -Eio '(src|href)="(https?:)?//[^"]*' "$page" | head -1)"
fi
ok "the page names no other host in a src or href"

# lab-pack refuses bad input with exit 2 and one line naming the flag or file.
pack=$build/bin/lab-pack
expect_refusal() {
  local want=$1
  shift
  out=$("$pack" "$@" 2>&1 >/dev/null)
  rc=$?
  [ $rc -eq 2 ] || fail "lab-pack $* exits $rc, expected 2"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "lab-pack $* prints more than one line: $out"
  case "$out" in *"$want"*) ;; *) fail "lab-pack $* says '$out', expected it to name '$want'" ;; esac
}
expect_refusal "--train must be a whole number in 1..50000, got '0'" subset --data data/mnist --train 0 --test 5 --out /dev/null
expect_refusal "--test must be a whole number in 1..10000, got '20000'" subset --data data/mnist --train 5 --test 20000 --out /dev/null
expect_refusal "missing --count" native --data data/mnist --weights x --out y
expect_refusal "/nonexistent/w.npz" native --data data/mnist --weights /nonexistent/w.npz --count 1 --out /dev/null
expect_refusal "exactly once" page --template docs/lab/lab.css --style docs/lab/lab.css --script docs/lab/lab.js \
  --wasm docs/lab/lab.js --weights docs/lab/lab.css --subset docs/lab/lab.css --train 1 --test 1 --out /dev/null
ok "lab-pack refuses bad flags, counts, files and templates with exit 2 and one line"

weights=$(sed -n 's/^LAB_WEIGHTS *?= *//p' Makefile)
node tests/lab_browser.js "$page" "$build/lab/native.json" "${weights:-build/lenet5_keras.npz}" "$build/lab/screenshot.png" ||
  exit 1
# The native figure beside the page's (a measurement, not a verdict).
echo "info $("$build/bin/lab-pack" speed --data data/mnist --train 6000)"
