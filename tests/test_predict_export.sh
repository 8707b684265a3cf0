#!/usr/bin/env bash
# `plaincnn predict` and `plaincnn export` end to end, run by tests/run_tests.sh
# with PLAINCNN set to the binary. Prints "ok ..." per passing check, stops at
# the first failure.
#
#   1. Weights: `plaincnn train --api keras --epochs 0 --save` (the seeded
#      initial weights) on data/mnist, or on a stand-in of blank IDX files when
#      MNIST was not fetched: the checks compare two computations, not accuracy.
#   2. predict reads one digit in seven containers (PNG grey/RGB/RGBA/Adam7,
#      light on dark, PGM 8/16-bit) and prints the same digit and
#      probabilities for each; bad input gets exit 2, one line, no output.
#   3. export writes the ONNX model; ONNX Runtime (onnxruntime-node from npm,
#      installed once into build/onnxruntime) runs it on 100 t10k images and
#      its probabilities equal predict's to 1e-5. Without npm or the package,
#      one "skipped:" line says so and the rest still counts.
. "$(dirname "$0")/script_lib.sh"
[ -x "$PLAINCNN" ] || fail "PLAINCNN=$PLAINCNN is not an executable file"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
digits=$here/fixtures/digits
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

# expect_refusal NAME WHAT...: the command exits 2 with exactly one line on
# stderr that contains WHAT, and prints nothing on stdout.
expect_refusal() {
  local name=$1 what=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local rc=$?
  [ $rc -eq 2 ] || fail "$name: exit status $rc, expected 2 ($(cat err.txt))"
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "$name: stderr has $(wc -l <err.txt) lines: $(cat err.txt)"
  grep -qF -- "$what" err.txt || fail "$name: stderr '$(cat err.txt)' does not say '$what'"
  [ ! -s out.txt ] || fail "$name: printed on stdout: $(cat out.txt)"
  ok "$name"
}

# ---- 1. weights ----
be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
blank_idx() {  # FILE N [ROWS COLS]: N blank images (or labels without ROWS)
  if [ $# -eq 4 ]; then
    { printf "\\x00\\x00\\x08\\x03$(be32 "$2")$(be32 "$3")$(be32 "$4")"; head -c $(($2 * $3 * $4)) /dev/zero; } >"$1"
  else
    { printf "\\x00\\x00\\x08\\x01$(be32 "$2")"; head -c "$2" /dev/zero; } >"$1"
  fi
}
data=$repo/data/mnist
t10k=$data/t10k-images-idx3-ubyte  # the images for ONNX Runtime; seeded noise without MNIST
if [ ! -f "$t10k" ]; then
  t10k=""
  data=$tmp/blank
  mkdir -p "$data"
  blank_idx "$data/train-images-idx3-ubyte" 10001 28 28
  blank_idx "$data/train-labels-idx1-ubyte" 10001
  blank_idx "$data/t10k-images-idx3-ubyte" 100 28 28
  blank_idx "$data/t10k-labels-idx1-ubyte" 100
fi
"$bin" train --api keras --epochs 0 --seed 5 --data "$data" --save lenet5.npz >train.txt 2>&1 ||
  fail "train --epochs 0 --save: $(tail -3 train.txt)"
[ -s lenet5.npz ] || fail "train --save wrote no weights"
ok "weights from train --epochs 0 --save"

# ---- 2. predict ----
"$bin" predict --weights lenet5.npz "$digits"/digit3*.png "$digits"/digit3*.pgm >p.txt 2>err.txt ||
  fail "predict on the digit fixtures: $(cat err.txt)"
[ "$(wc -l <p.txt)" -eq 7 ] || fail "predict printed $(wc -l <p.txt) lines for 7 images"
grep -vqE '^[^ ]+: [0-9]  probabilities( 0\.[0-9]{6}| 1\.000000){10}$' p.txt && fail "a line is not 'FILE: D  probabilities p0 ... p9': $(cat p.txt)"
[ "$(sed 's/^[^ ]*: //' p.txt | sort -u | wc -l)" -eq 1 ] || fail "the seven containers of one digit disagree: $(cat p.txt)"
ok "predict: one digit in seven containers, both polarities, gives one answer"

"$bin" predict --weights=lenet5.npz -- "$digits/digit3.pgm" >p2.txt 2>err.txt || fail "predict with -- : $(cat err.txt)"
[ "$(cat p2.txt)" = "$(grep 'digit3.pgm:' p.txt)" ] || fail "--weights=FILE and -- give another line: $(cat p2.txt)"
ok "predict: --weights=FILE and -- before the images"

"$bin" predict --help >help.txt 2>&1 || fail "predict --help failed"
grep -q "usage: plaincnn predict --weights FILE IMAGE" help.txt || fail "predict --help: $(cat help.txt)"
ok "predict --help"

head -c 300 "$digits/digit3_grey.png" >cut.png
expect_refusal "predict: truncated PNG" "cut.png: byte" "$bin" predict --weights lenet5.npz cut.png
printf 'P6\n2 2\n255\n' >colour.ppm
expect_refusal "predict: a colour PPM" "colour.ppm: byte 0: a netpbm binary pixmap (P6, colour); only binary greymaps (P5) are read" \
  "$bin" predict --weights lenet5.npz colour.ppm
printf 'P5\n5 4\n255\n%020d' 0 >small.pgm
expect_refusal "predict: image too small to reduce" "small.pgm: a 5x4 image is too small to hold a digit" \
  "$bin" predict --weights lenet5.npz small.pgm
expect_refusal "predict: missing image" "none.png: cannot open the file" "$bin" predict --weights lenet5.npz none.png
expect_refusal "predict: missing weights" "none.npz" "$bin" predict --weights none.npz "$digits/digit3.pgm"
expect_refusal "predict: an image as weights" "digit3.pgm" "$bin" predict --weights "$digits/digit3.pgm" "$digits/digit3.pgm"
expect_refusal "predict: no image" "no IMAGE given" "$bin" predict --weights lenet5.npz
expect_refusal "predict: no --weights" "--weights" "$bin" predict "$digits/digit3.pgm"

# ---- 3. export ----
"$bin" export --weights lenet5.npz --onnx lenet5.onnx >export.txt 2>&1 || fail "export: $(cat export.txt)"
# ModelProto field 1 (ir_version) = 7 comes first: bytes 08 07.
[ "$(head -c 2 lenet5.onnx | od -An -tx1 | tr -d ' ')" = "0807" ] || fail "lenet5.onnx does not start with ir_version 7"
ok "export writes lenet5.onnx"
expect_refusal "export: folder missing" "nowhere/m.onnx" "$bin" export --weights lenet5.npz --onnx nowhere/m.onnx
[ ! -e nowhere ] || fail "export created the missing folder"
expect_refusal "export: corrupt weights" "cut.png" "$bin" export --weights cut.png --onnx bad.onnx
[ ! -e bad.onnx ] || fail "export left bad.onnx behind"
ok "export leaves no file behind on failure"

# ---- 4. ONNX Runtime ----
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "skipped: the ONNX Runtime check needs node and npm (apt-get install -y npm)"
  exit 0
fi
cache=$repo/build/onnxruntime
if [ ! -f "$cache/node_modules/onnxruntime-node/package.json" ]; then
  # The package ships its CPU libraries; its install script only fetches
  # optional GPU ones, so it is not run.
  mkdir -p "$cache" && staging=$(mktemp -d "$cache/.install-XXXXXX") || fail "cannot create $cache"
  if timeout 600 npm install --prefix "$staging" --no-audit --no-fund --fetch-retries=1 --ignore-scripts onnxruntime-node@1.31.1 \
    >"$tmp/npm.txt" 2>&1; then
    rm -rf "$cache/node_modules" && mv "$staging/node_modules" "$cache/node_modules"
  fi
  rm -rf "$staging"
fi
if [ ! -f "$cache/node_modules/onnxruntime-node/package.json" ]; then
  echo "skipped: npm could not install onnxruntime-node ($(tail -1 "$tmp/npm.txt" 2>/dev/null)); the ONNX Runtime check did not run"
  exit 0
fi
node "$here/onnx_runtime_check.js" make-inputs x100.npy $t10k || fail "cannot write x100.npy"
"$bin" predict --weights lenet5.npz x100.npy >p100.txt 2>err.txt || fail "predict x100.npy: $(cat err.txt)"
NODE_PATH=$cache/node_modules node "$here/onnx_runtime_check.js" compare lenet5.onnx x100.npy p100.txt >cmp.txt 2>&1 ||
  fail "ONNX Runtime against plaincnn predict: $(cat cmp.txt)"
images="t10k images"
[ -n "$t10k" ] || images="images of seeded noise (no MNIST in data/mnist)"
ok "ONNX Runtime equals plaincnn predict on 100 $images to 1e-5 ($(cat cmp.txt))"
