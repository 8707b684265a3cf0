#!/usr/bin/env bash
# After training, end to end on a tiny stand-in for MNIST (10,001 training
# images, so the split keeps one to train on and 10,000 to validate, and 100
# test images): both front-ends end with their test-set line, --save writes
# the one .npz and --plot an SVG, `plaincnn evaluate` reads either file and
# reports the accuracy the training run reported, and bad input (missing or
# corrupt weights, another architecture, bad flags, output paths that cannot
# be written) gets exit 2, one line on stderr and no file. Run by
# tests/run_tests.sh with PLAINCNN set to the binary.
. "$(dirname "$0")/script_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

# ---- a tiny MNIST: IDX headers (big-endian), labels 0..9 repeating, random
# pixels. One training step learns nothing from these, so the accuracies are
# near chance; what is checked is that the numbers agree between runs. ----
be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
idx_set() {  # idx_set PREFIX N PIXELS
  local n=$2
  { be32 2051; be32 "$n"; be32 28; be32 28; head -c $((n * 784)) "$3"; } >"mnist/$1-images-idx3-ubyte"
  { be32 2049; be32 "$n"; for ((k = 0; k < n / 10 + 1; k++)); do printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09'; done | head -c "$n"; } \
    >"mnist/$1-labels-idx1-ubyte"
}
mkdir mnist
idx_set train 10001 /dev/urandom
idx_set t10k 100 /dev/urandom

# ---- training ends with the test-set line, and writes the .npz and the plot ----
run train --api tf1 --epochs 1 --data mnist --save tf1.npz --plot tf1.svg --threads 2
[ "$rc" -eq 0 ] || fail "train --api tf1: exit $rc: $(cat stderr.txt)"
tf1_acc=$(sed -n 's/^Test accuracy: \([0-9.]*\)$/\1/p' stdout.txt)
[ -n "$tf1_acc" ] || fail "train --api tf1: no 'Test accuracy: <number>' line: $(cat stdout.txt)"
grep -qx "Model saved in path: tf1.npz" stdout.txt || fail "train --api tf1: no 'Model saved in path' line"
head -c 5 tf1.npz | grep -q "^PK" || fail "tf1.npz is not a zip"
grep -q "<svg" tf1.svg && grep -q ">Accuracy<" tf1.svg || fail "tf1.svg is not the training plot"
ok "train --api tf1 ends with 'Test accuracy: $tf1_acc' and writes tf1.npz and tf1.svg"

run train --api keras --epochs 1 --data mnist --save keras.npz --plot keras.svg --threads 2
[ "$rc" -eq 0 ] || fail "train --api keras: exit $rc: $(cat stderr.txt)"
# model.evaluate's line: 100 test images in batches of 32 are 4 steps.
line=$(grep -E '^4/4 \[=+\] - [0-9]+s [0-9]+(us|ms|s)/step - loss: [0-9.e+-]+ - accuracy: [0-9.]+$' stdout.txt)
[ -n "$line" ] || fail "train --api keras: no model.evaluate line for 4 steps: $(cat stdout.txt)"
keras_acc=${line##*accuracy: }
keras_loss=${line##*loss: }
keras_loss=${keras_loss%% *}
[ -s keras.npz ] && grep -q ">Loss<" keras.svg || fail "train --api keras did not write keras.npz and keras.svg"
ok "train --api keras ends with model.evaluate's line ($line)"

# ---- evaluate reads either front-end's file and agrees with the training run ----
same_accuracy() {  # same_accuracy WHAT EXPECTED: evaluate's accuracy equals EXPECTED as a number
  local got
  got=$(sed -n 's/^4\/4 \[=*\] - .* - accuracy: \([0-9.]*\)$/\1/p' stdout.txt)
  [ -n "$got" ] || fail "$1: no evaluate line: $(cat stdout.txt)"
  awk -v a="$got" -v b="$2" 'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9) }' || fail "$1: accuracy $got, expected $2"
  ok "$1: accuracy $got"
}
run evaluate --weights tf1.npz --data mnist
[ "$rc" -eq 0 ] || fail "evaluate tf1.npz: exit $rc: $(cat stderr.txt)"
same_accuracy "evaluate --weights tf1.npz (the TF1 file on the Keras build) matches TF1's Test accuracy" "$tf1_acc"
run evaluate --weights keras.npz --data mnist --batch-size 32
[ "$rc" -eq 0 ] || fail "evaluate keras.npz: exit $rc: $(cat stderr.txt)"
same_accuracy "evaluate --weights keras.npz matches the Keras run's own evaluate" "$keras_acc"
grep -qF -- "- loss: $keras_loss - " stdout.txt || fail "evaluate keras.npz: loss is not the training run's $keras_loss"
ok "evaluate --weights keras.npz: the same loss as the training run's evaluate ($keras_loss)"
run evaluate --help
[ "$rc" -eq 0 ] && grep -qF -- "--weights FILE" stdout.txt || fail "evaluate --help"
ok "evaluate --help names --weights FILE"
run train --help
grep -qF -- "--plot FILE.svg" stdout.txt || fail "train --help does not name --plot"
ok "train --help names --plot FILE.svg"

# ---- bad input ----
refused "evaluate without --weights" "--weights" "" evaluate --data mnist
refused "evaluate a missing file" "nothing.npz: cannot open" "" evaluate --weights nothing.npz --data mnist
mkdir folder.npz
refused "evaluate a folder" "folder.npz: is a folder" "" evaluate --weights folder.npz --data mnist
head -c 1000 keras.npz >cut.npz
refused "evaluate a truncated .npz" "cut.npz: byte " "" evaluate --weights cut.npz --data mnist
printf 'not a zip at all, but long enough to be looked at' >text.npz
refused "evaluate a file that is no zip" "no end-of-central-directory record" "" evaluate --weights text.npz
refused "evaluate weights of another architecture" \
  "entry 'conv2d/kernel' has shape (1,2,3) but the model expects (5,5,1,6)" "" \
  evaluate --weights "$here/fixtures/npz/numpy_savez.npz" --data mnist
refused "evaluate --batch-size 0" "--batch-size" "" evaluate --weights keras.npz --batch-size 0
refused "evaluate with a bad --data" "no-such-data" "" evaluate --weights keras.npz --data no-such-data
refused "train --api tf1 --save into a missing folder, before any data is read" "--save: folder 'no-such-folder'" \
  "" train --api tf1 --data no-such-data --save no-such-folder/w.npz
refused "train --plot into a missing folder, before any data is read" "--plot: folder 'no-such-folder'" \
  "" train --api tf1 --data no-such-data --plot no-such-folder/c.svg
refused "train --plot onto a folder" "--plot: 'folder.npz' is a folder" "" train --api keras --plot folder.npz
refused "train --api keras --plot with --epochs 0" "--epochs 0" "c.svg" train --api keras --epochs 0 --plot c.svg
