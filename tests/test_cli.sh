#!/usr/bin/env bash
# The plaincnn command line, end to end: each pass on a tiny hand-computed
# case (the output file compared byte for byte with the expected .npy), and
# every kind of bad input refused with exit status 2, exactly one line on
# stderr and no output file. Run by tests/run_tests.sh with PLAINCNN set to
# the binary. Prints "ok ..." per passing check; stops at the first failure.
#
# The .npy inputs are built here with printf: float32 / float64 bit patterns
# of small dyadic numbers (n / 2^d) computed with shell arithmetic.
. "$(dirname "$0")/script_lib.sh"
[ -x "$PLAINCNN" ] || fail "PLAINCNN=$PLAINCNN is not an executable file"
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

# ---- building .npy files ----

# Splits a value "n" or "n/D" (D a power of two) into the globals num and
# scale, so that value = num / 2^scale.
split_value() {
  num=${1%/*} scale=0
  if [ "$1" != "$num" ]; then
    local den=${1#*/}
    while [ $((1 << scale)) -lt "$den" ]; do scale=$((scale + 1)); done
  fi
}

# Little-endian \xHH escapes of an IEEE-754 number: sign, exponent (bias,
# mantissa width) and the mantissa of num / 2^scale (|num| < 2^24).
ieee_escapes() {
  local bytes=$1 bias=$2 width=$3 sign=0 e=0 n=$num bits k out=""
  if [ "$n" -lt 0 ]; then sign=1 n=$((-n)); fi
  if [ "$n" -eq 0 ]; then
    bits=$((sign << (8 * bytes - 1)))
  else
    while [ $((n >> (e + 1))) -gt 0 ]; do e=$((e + 1)); done  # e = floor(log2 n)
    bits=$(((sign << (8 * bytes - 1)) | ((e - scale + bias) << width) | ((n << (width - e)) & ((1 << width) - 1))))
  fi
  for ((k = 0; k < bytes; k++)); do out+=$(printf '\\x%02x' $(((bits >> (8 * k)) & 255))); done
  printf '%s' "$out"
}

# npy_file FILE DESCR SHAPE VALUE...: a format 1.0 .npy laid out exactly as
# plaincnn writes it (header padded with spaces to a multiple of 64, '\n' last).
npy_file() {
  local file=$1 descr=$2 shape=$3 v data=""
  shift 3
  local dict="{'descr': '$descr', 'fortran_order': False, 'shape': $shape, }"
  local len=$(((10 + ${#dict} + 1 + 63) / 64 * 64 - 10))
  for v in "$@"; do
    split_value "$v"
    if [ "$descr" = "<f4" ]; then data+=$(ieee_escapes 4 127 23); else data+=$(ieee_escapes 8 1023 52); fi
  done
  {
    printf '\x93NUMPY\x01\x00'
    printf "$(printf '\\x%02x\\x%02x' $((len & 255)) $((len >> 8)))"
    printf '%s%*s\n' "$dict" $((len - ${#dict} - 1)) ''
    printf "$data"
  } >"$file"
}
f4() { npy_file "$1" '<f4' "${@:2}"; }
f8() { npy_file "$1" '<f8' "${@:2}"; }

# ---- checks ----

# passes WHAT ARGS...: exit 0 and an empty stderr.
passes() {
  local what=$1
  shift
  run "$@"
  [ "$rc" -eq 0 ] || fail "$what: exit $rc, expected 0; stderr: $(cat stderr.txt)"
  [ ! -s stderr.txt ] || fail "$what: unexpected stderr: $(cat stderr.txt)"
}

# same_npy WHAT GOT SHAPE VALUE...: GOT holds exactly the '<f4' .npy of SHAPE and VALUEs.
same_npy() {
  local what=$1 got=$2
  shift 2
  f4 expected.npy "$@"
  [ -f "$got" ] || fail "$what: $got was not written"
  local data_at=$((10 + $(od -An -tu2 -j 8 -N 2 "$got")))  # a format 1.0 header's length is at byte 8
  cmp -s "$got" expected.npy ||
    fail "$what: $got differs from the expected $1 [${*:2}]; it holds" \
      "$(head -c "$data_at" "$got" | tail -c +11 | tr -s ' \n' ' ') $(od -An -v -tf4 -j "$data_at" "$got" | tr -s ' \n' ' ')"
  ok "$what"
}

# ---- inputs ----

f4 A33.npy '(1, 3, 3, 1)' 1 2 3 4 5 6 7 8 9
f4 W22.npy '(2, 2, 1, 1)' 1 1 1 1
f4 W33_ones.npy '(3, 3, 1, 1)' 1 1 1 1 1 1 1 1 1
f4 W33_centre.npy '(3, 3, 1, 1)' 0 0 0 0 1 0 0 0 0
f4 W_c2.npy '(2, 2, 2, 1)' 1 1 1 1 1 1 1 1
f4 b1.npy '(1, 1, 1, 1)' 1
f4 b0.npy '(1, 1, 1, 1)' 0
f4 Aneg.npy '(1, 2, 2, 1)' -1 2 -3 4
f4 A44.npy '(1, 4, 4, 1)' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16

# ---- conv_forward ----

# valid, stride 1, 2x2 ones, b = 1: each output is 1 + the sum of a 2x2 block
# of 1..9: 1+(1+2+4+5)=13, 1+(2+3+5+6)=17, 1+(4+5+7+8)=25, 1+(5+6+8+9)=29.
passes "conv_forward valid" pass conv_forward --A A33.npy --W W22.npy --b b1.npy --padding valid --out Z.npy
same_npy "conv_forward valid: 2x2 ones on 1..9 plus 1" Z.npy '(1, 2, 2, 1)' 13 17 25 29
grep -q "Z (1,2,2,1)" stdout.txt || fail "conv_forward: stdout does not report Z's shape: $(cat stdout.txt)"

# padding 1,1 and stride 2 with 3x3 ones: the windows centred on the four
# corners of 1..9 see 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28.
passes "conv_forward pad 1,1 stride 2" pass conv_forward --A A33.npy --W W33_ones.npy --b b0.npy \
  --padding=1,1 --stride=2,2 --out Z.npy
same_npy "conv_forward explicit padding and stride 2" Z.npy '(1, 2, 2, 1)' 12 16 24 28

# Defaults (same padding, stride 1) with the identity kernel give A back;
# relu then zeroes the negatives.
passes "conv_forward defaults" pass conv_forward --A Aneg.npy --W W33_centre.npy --b b0.npy --out Z.npy
same_npy "conv_forward default padding same, stride 1, linear" Z.npy '(1, 2, 2, 1)' -1 2 -3 4
passes "conv_forward relu" pass conv_forward --A Aneg.npy --W W33_centre.npy --b b0.npy --activation relu --out Z.npy
same_npy "conv_forward relu zeroes negatives" Z.npy '(1, 2, 2, 1)' 0 2 0 4

# float64 input is accepted and the output is float32.
f8 A33_f8.npy '(1, 3, 3, 1)' 1 2 3 4 5 6 7 8 9
passes "conv_forward f8 input" pass conv_forward --A A33_f8.npy --W W22.npy --b b1.npy --padding valid --out Z.npy
same_npy "conv_forward reads '<f8' input" Z.npy '(1, 2, 2, 1)' 13 17 25 29

# ---- pool_forward ----

# 1..16 as 4x4, 2x2 windows, stride 2: max 6 8 14 16, mean 3.5 5.5 11.5 13.5.
passes "pool_forward max" pass pool_forward --A A44.npy --kernel 2,2 --stride 2,2 --out Z.npy
same_npy "pool_forward max, stride 2" Z.npy '(1, 2, 2, 1)' 6 8 14 16
passes "pool_forward avg" pass pool_forward --A A44.npy --kernel 2,2 --stride 2,2 --mode avg --out Z.npy
same_npy "pool_forward avg, stride 2" Z.npy '(1, 2, 2, 1)' 7/2 11/2 23/2 27/2
# Default stride 1,1 and mode max: overlapping windows on 1..9.
passes "pool_forward defaults" pass pool_forward --A A33.npy --kernel 2,2 --out Z.npy
same_npy "pool_forward default stride 1 and max" Z.npy '(1, 2, 2, 1)' 5 6 8 9

# ---- conv_backward ----

# One 2x2 window (valid) and dZ = 2: dA_prev = 2 W, dW = 2 A_prev, db = 2.
f4 A22.npy '(1, 2, 2, 1)' 1 2 3 4
f4 W22_1234.npy '(2, 2, 1, 1)' 5 6 7 8
f4 dZ1.npy '(1, 1, 1, 1)' 2
passes "conv_backward valid" pass conv_backward --dZ dZ1.npy --A A22.npy --W W22_1234.npy --b b0.npy \
  --padding valid --out-dA dA.npy --out-dW dW.npy --out-db db.npy
same_npy "conv_backward dA_prev = dZ W" dA.npy '(1, 2, 2, 1)' 10 12 14 16
same_npy "conv_backward dW = dZ A_prev" dW.npy '(2, 2, 1, 1)' 2 4 6 8
same_npy "conv_backward db = dZ" db.npy '(1, 1, 1, 1)' 2

# ---- pool_backward ----

# One 2x2 window over 1 4 3 2 with dA = 5: max sends 5 to the 4, avg 5/4 everywhere.
f4 Amix.npy '(1, 2, 2, 1)' 1 4 3 2
f4 dA1.npy '(1, 1, 1, 1)' 5
passes "pool_backward max" pass pool_backward --dA dA1.npy --A Amix.npy --kernel 2,2 --out dAp.npy
same_npy "pool_backward max routes to the maximum" dAp.npy '(1, 2, 2, 1)' 0 5 0 0
passes "pool_backward avg" pass pool_backward --dA dA1.npy --A Amix.npy --kernel 2,2 --mode avg --out dAp.npy
same_npy "pool_backward avg spreads evenly" dAp.npy '(1, 2, 2, 1)' 5/4 5/4 5/4 5/4

# ---- bad input: exit 2, one stderr line, no output ----

conv=(pass conv_forward --A A33.npy --W W22.npy --b b1.npy)
refused "missing flag" "--W" "Z.npy" pass conv_forward --A A33.npy --b b1.npy --out Z.npy
refused "missing --out" "--out" "" "${conv[@]}"
refused "unknown flag" "--bogus" "Z.npy" "${conv[@]}" --out Z.npy --bogus 1
refused "missing value" "--stride: missing value" "Z.npy" "${conv[@]}" --out Z.npy --stride
refused "stray argument" "extra.npy" "Z.npy" "${conv[@]}" --out Z.npy extra.npy
refused "bad padding" "--padding" "Z.npy" "${conv[@]}" --out Z.npy --padding sideways
refused "negative padding" "--padding" "Z.npy" "${conv[@]}" --out Z.npy --padding=-1,0
refused "bad stride" "--stride: expected SH,SW with positive integers, got '0,1'" "Z.npy" \
  "${conv[@]}" --out Z.npy --stride 0,1
refused "bad activation" "--activation" "Z.npy" "${conv[@]}" --out Z.npy --activation softplus
refused "bad kernel" "--kernel" "Z.npy" pass pool_forward --A A33.npy --kernel 2 --out Z.npy
refused "bad mode" "--mode" "Z.npy" pass pool_forward --A A33.npy --kernel 2,2 --mode median --out Z.npy
refused "missing input file" "nothere.npy" "Z.npy" pass conv_forward --A nothere.npy --W W22.npy --b b1.npy --out Z.npy
head -c 150 A33.npy >trunc.npy  # 128 header bytes, then 22 of the 36 data bytes
refused "truncated .npy data" "'trunc.npy', byte 150: data truncated" "Z.npy" \
  pass conv_forward --A trunc.npy --W W22.npy --b b1.npy --out Z.npy
head -c 100 A33.npy >trunc.npy
refused "truncated .npy header" "'trunc.npy', byte 8: truncated header" "Z.npy" \
  pass conv_forward --A trunc.npy --W W22.npy --b b1.npy --out Z.npy
printf 'not a numpy file' >text.npy
refused "not a .npy" "text.npy" "Z.npy" pass pool_forward --A text.npy --kernel 2,2 --out Z.npy
refused "shape mismatch" "c_prev" "Z.npy" pass conv_forward --A A33.npy --W W_c2.npy --b b1.npy --out Z.npy
refused "kernel larger than the input" "pool_forward" "Z.npy" pass pool_forward --A A33.npy --kernel 4,4 --out Z.npy
refused "output folder missing" "no_such_dir/Z.npy" "no_such_dir/Z.npy" "${conv[@]}" --out no_such_dir/Z.npy
refused "conv_backward dZ shape mismatch writes none of its outputs" "dZ" "dA.npy dW.npy db.npy" \
  pass conv_backward --dZ A33.npy --A A22.npy --W W22_1234.npy --b b0.npy --padding valid \
  --out-dA dA.npy --out-dW dW.npy --out-db db.npy
refused "conv_backward one unwritable output writes none" "no_such_dir/db.npy" "dA.npy dW.npy" \
  pass conv_backward --dZ dZ1.npy --A A22.npy --W W22_1234.npy --b b0.npy --padding valid \
  --out-dA dA.npy --out-dW dW.npy --out-db no_such_dir/db.npy
refused "conv_backward the same output twice" "given twice" "dA.npy" \
  pass conv_backward --dZ dZ1.npy --A A22.npy --W W22_1234.npy --b b0.npy --padding valid \
  --out-dA dA.npy --out-dW dA.npy --out-db db.npy
refused "pool_backward dA shape mismatch" "dA" "dAp.npy" pass pool_backward --dA A33.npy --A Amix.npy --kernel 2,2 --out dAp.npy

# A failed run leaves an existing output as it was.
f4 Z.npy '(1,)' 42
cp Z.npy Z_before.npy
run "${conv[@]}" --out Z.npy --stride 0,0
[ "$rc" -eq 2 ] && cmp -s Z.npy Z_before.npy || fail "a failed run changed an existing Z.npy"
ok "a failed run leaves an existing output unchanged"

refused "unknown pass" "conv_sideways" "" pass conv_sideways --A A33.npy
refused "missing pass name" "pass name" "" pass
refused "unknown command" "frobnicate" "" frobnicate
refused "no command" "missing command" ""

# train: option errors are refused before any data is read.
refused "train bad --api" "--api: expected tf1 or keras, got 'tf2'" "" train --api tf2
refused "train negative --epochs" "--epochs" "" train --epochs -1
refused "train zero --batch-size" "--batch-size" "" train --batch-size 0
refused "train negative --threads" "--threads" "" train --threads -2
refused "train bad --seed" "--seed" "" train --seed abc
refused "train unknown flag" "--learning-rate" "" train --learning-rate 0.1
refused "train --reference takes no value" "yes" "" train --reference yes
refused "train --reference is parsed, then the data is read" "no-such-data" "" train --reference --api keras --data ./no-such-data
refused "train --api keras --save into a missing folder, before any data is read" "--save: folder" "" train --api keras --data ./no-such-data --save ./no-such-folder/w.bin

# ---- help: exit 0, text on stdout naming the flags ----

help_ok() {
  local what=$1 part=$2
  shift 2
  passes "$what" "$@"
  grep -qF -- "$part" stdout.txt || fail "$what: help does not mention '$part'"
  ok "$what"
}
help_ok "plaincnn --help" "--out-dA" --help
help_ok "plaincnn pass --help" "--kernel KH,KW" pass --help
help_ok "plaincnn pass conv_forward --help" "--activation relu|tanh|sigmoid|linear" pass conv_forward --help
help_ok "plaincnn pass pool_forward --help" "--mode max|avg" pass pool_forward --help
help_ok "plaincnn pass conv_backward --help" "--out-db db.npy" pass conv_backward --help
help_ok "plaincnn pass pool_backward --help" "--out dA_prev.npy" pass pool_backward --help
help_ok "plaincnn train --help" "--batch-size B" train --help
help_ok "plaincnn train --help names --reference" "--reference" train --help
