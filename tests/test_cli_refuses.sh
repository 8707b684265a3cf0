#!/usr/bin/env bash
# What plaincnn refuses (issue 15), end to end: sizes near INT_MAX worked out
# without overflow, outputs too large to write refused before allocating,
# passes over zero values made without looping, streams and folders given as
# input files, --out through a symlink or onto a pipe, and raw bytes echoed
# into messages. Each check failed before its fix. Run by tests/run_tests.sh
# with PLAINCNN set to the binary; prints "ok ..." per check and stops at the
# first failure.
. "$(dirname "$0")/script_lib.sh"
[ -x "${PLAINCNN:-}" ] || fail "set PLAINCNN to the plaincnn binary"
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

# npy FILE SHAPE COUNT [DICT]: a format 1.0 '<f4' .npy of SHAPE holding COUNT
# ones (float32 0x3f800000), header padded to 64 bytes as NumPy does. DICT,
# if given, replaces the whole header dict.
npy() {
  local file=$1 shape=$2 count=$3
  local dict=${4:-"{'descr': '<f4', 'fortran_order': False, 'shape': $shape, }"}
  local len=$(((10 + ${#dict} + 1 + 63) / 64 * 64 - 10)) k
  {
    printf '\x93NUMPY\x01\x00'
    printf "$(printf '\\x%02x\\x%02x' $((len & 255)) $((len >> 8)))"
    printf '%s%*s\n' "$dict" $((len - ${#dict} - 1)) ''
    for ((k = 0; k < count; k++)); do printf '\x00\x00\x80\x3f'; done
  } >"$file"
}

# run ARGS...: plaincnn with at most 20 s of CPU, so a pass that loops over
# huge extents (the bug) ends as a failure instead of hanging the suite.
run() {
  (ulimit -t 20 && exec "$bin" "$@") >stdout.txt 2>stderr.txt
  rc=$?
}

passes() {
  local what=$1 want=$2
  shift 2
  run "$@"
  [ "$rc" -eq 0 ] || fail "$what: exit $rc, expected 0; stderr: $(cat stderr.txt)"
  grep -qF -- "$want" stdout.txt || fail "$what: stdout does not say '$want': $(cat stdout.txt)"
  ok "$what: $(cat stdout.txt)"
}

# refused WHAT PART ARGS...: exit 2, one line on stderr containing PART, no Z.npy.
refused() {
  local what=$1 part=$2
  shift 2
  rm -f Z.npy
  run "$@"
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2; stderr: $(head -c 500 stderr.txt)"
  [ "$(wc -l <stderr.txt)" -eq 1 ] || fail "$what: expected one line on stderr, got: $(head -c 500 stderr.txt)"
  grep -qF -- "$part" stderr.txt || fail "$what: stderr does not mention '$part': $(cat stderr.txt)"
  [ ! -e Z.npy ] || fail "$what: Z.npy was written"
  ok "$what: $(cat stderr.txt)"
}

npy A.npy '(1, 3, 3, 1)' 9
npy W.npy '(1, 1, 1, 1)' 1
npy b.npy '(1, 1, 1, 1)' 1
conv=(pass conv_forward --A A.npy --W W.npy --b b.npy)

# ---- sizes near INT_MAX ----

# Before: (in + s - 1) / s overflowed; Z came out (1,0,0,1) with exit 0.
passes "stride INT_MAX gives one window" "Z (1,1,1,1)" "${conv[@]}" --stride 2147483647,2147483647 --out Z.npy
# Before: "negative extent".
passes "stride INT_MAX-2 on rows" "Z (1,1,3,1)" "${conv[@]}" --stride 2147483645,1 --out Z.npy
# A shape holding no values is fine whatever its other extents.
npy Aempty.npy '(2147483647, 1, 1, 0)' 0
passes "a (2147483647,1,1,0) input holds no values" "Z (2147483647,1,1,0)" \
  pass pool_forward --A Aempty.npy --kernel 1,1 --out Z.npy

# ---- output size and work, before allocating ----

# Before: a bare std::bad_alloc naming nothing.
refused "padding 100000,100000" "--out: Z would be (1,200003,200003,1)" "${conv[@]}" --padding 100000,100000 --out Z.npy
grep -qF -- "--padding 100000,100000" stderr.txt || fail "the refusal does not name --padding"
# Before: a 128-byte input made conv_forward write a 1.6 GB file.
npy Awide.npy '(1, 20000, 20000, 0)' 0
npy W0.npy '(1, 1, 0, 1)' 0
refused "an output of 400 M values from empty inputs" "Z would be (1,20000,20000,1)" \
  pass conv_forward --A Awide.npy --W W0.npy --b b.npy --out Z.npy
grep -qF "'Awide.npy' (1,20000,20000,0)" stderr.txt || fail "the refusal does not name --A and its shape"
# Before: pool_forward looped over 20000 x 20000 windows of nothing for 20 s.
passes "pool_forward over zero channels makes the empty Z directly" "Z (1,20000,20000,0)" \
  pass pool_forward --A Awide.npy --kernel 1,1 --out Z.npy
# A kernel of 16384 x 16384 over zero channels: 2^28 outputs each over 2^28 window steps.
npy Ak.npy '(1, 16384, 16384, 0)' 0
npy Wk.npy '(16384, 16384, 0, 1)' 0
refused "a pass of 2^56 steps" "conv_forward would take about" \
  pass conv_forward --A Ak.npy --W Wk.npy --b b.npy --out Z.npy

# ---- input files that are not .npy files ----

# Before: the whole stream was read (2.1 GB resident after 9 s) before the magic check.
refused "--A /dev/zero" "'/dev/zero', byte 0: bad magic string" pass conv_forward --A /dev/zero --W W.npy --b b.npy --out Z.npy
mkdir folder.npy
refused "--A a folder" "'folder.npy': is a directory" pass conv_forward --A folder.npy --W W.npy --b b.npy --out Z.npy

# ---- what --out may replace ----

# Before: the symlink itself was replaced and its target kept the old bytes.
mkdir real
npy real/Z.npy '(1,)' 1
cp real/Z.npy old.npy
ln -s real/Z.npy link.npy
passes "--out through a symlink" "Z (1,3,3,1)" "${conv[@]}" --out link.npy
[ -L link.npy ] || fail "--out link.npy: the symlink was replaced"
! cmp -s real/Z.npy old.npy || fail "--out link.npy: the link's target was not written"
[ "$(stat -c %s real/Z.npy)" -eq $((128 + 36)) ] || fail "--out link.npy: the target is not Z (1,3,3,1)"
ok "--out link.npy wrote its target and kept the link"
# A pipe stands for a device such as /dev/full: refused and left as it was.
mkfifo pipe.npy
refused "--out a pipe" "not a regular file" "${conv[@]}" --out pipe.npy
[ -p pipe.npy ] || fail "--out pipe.npy: the pipe was replaced"
! ls ./*.tmp-* >/dev/null 2>&1 || fail "a temporary file was left: $(ls ./*.tmp-*)"

# ---- what a message may echo ----

npy esc.npy '' 0 "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), 'x$(printf '\033')[2J': 1, }"
refused "a header key with an escape byte" "unknown key 'x\\x1b[2J'" pass pool_forward --A esc.npy --kernel 1,1 --out Z.npy
! grep -q "$(printf '\033')" stderr.txt || fail "the escape byte reached stderr"
long=$(printf '7%.0s' {1..5000})
npy long.npy '' 0 "{'descr': '<f4', 'fortran_order': False, 'shape': (${long}x, 1, 1, 1), }"
refused "a 5000-byte token" "(5001 bytes)" pass pool_forward --A long.npy --kernel 1,1 --out Z.npy
[ "$(wc -c <stderr.txt)" -lt 400 ] || fail "the message echoes the whole token: $(wc -c <stderr.txt) bytes"
refused "a flag value with a line break" "got '1\\x0a2'" "${conv[@]}" --out Z.npy --stride "1
2"
