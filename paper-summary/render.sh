#!/usr/bin/env bash
# Renders the AlexNet post: runs the experiments (plaincnn figures), turns
# each SVG figure into a PNG, and has pandoc write
#   OUT/alexnet.html          one self-contained page (CSS and figures inlined)
#   OUT/medium/alexnet.md     Markdown for Medium / LinkedIn, next to
#   OUT/medium/*.png          the figures as PNG (they do not take SVG), and
#                             the tables as table-N.png (they have no tables)
#   OUT/figures/*.svg         the figures as the page shows them
#   OUT/numbers.yaml          every number the prose quotes from the experiments
# Everything is built in a temporary folder beside OUT and swapped in at the
# end, so a failure leaves the previous OUT as it was.
#
# usage: render.sh --plaincnn BIN --out DIR [--cache DIR] [--data DIR] [--quick]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
plaincnn="" out="" cache="build/post-cache" data="data/mnist" quick=()
while [ $# -gt 0 ]; do
  case "$1" in
    --plaincnn) plaincnn=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    *) echo "render.sh: unknown argument '$1' (expected --plaincnn, --out, --cache, --data, --quick)" >&2; exit 2 ;;
  esac
done
if [ -z "$plaincnn" ] || [ -z "$out" ]; then
  echo "render.sh: --plaincnn BIN and --out DIR are required" >&2
  exit 2
fi

command -v pandoc >/dev/null || { echo "make post: pandoc not found; install it with: apt-get install -y pandoc" >&2; exit 1; }
command -v rsvg-convert >/dev/null || { echo "make post: rsvg-convert not found; install it with: apt-get install -y librsvg2-bin" >&2; exit 1; }

# pandoc 2.19 renamed --self-contained to --embed-resources (3.x warns on the old name).
version=$(pandoc --version | head -1 | awk '{print $2}')
if [ "$(printf '%s\n' 2.19 "$version" | sort -V | head -1)" = 2.19 ]; then
  embed=(--standalone --embed-resources)
else
  embed=(--standalone --self-contained)
fi

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${out%/}.new.XXXXXX")
trap 'rm -rf "$stage"' EXIT
fail() {
  echo "make post: $1; $out was left as it was" >&2
  exit 1
}
seconds_since() {  # "12.3": seconds since a `date +%s%N` reading, in shell arithmetic
  local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
  echo "$((ms / 1000)).$(( (ms % 1000) / 100 ))"
}
start=$(date +%s%N)
step() {  # step NAME COMMAND...: runs it, reports the time, stops the build if it fails
  local name=$1 t0
  shift
  t0=$(date +%s%N)
  "$@" || fail "$name failed (see the message above)"
  printf 'post: %-22s %6s s\n' "$name" "$(seconds_since "$t0")"
}

gen=$stage/generated
for figure in architecture examples relu-tanh kernels ablation; do
  step "figures $figure" "$plaincnn" figures "$figure" --out "$gen" --cache "$cache" --data "$data" \
    --source "$root/tools/figures/examples.cpp" "${quick[@]}"
done
cat "$gen"/numbers/*.yaml > "$stage/numbers.yaml"

mkdir -p "$stage/figures" "$stage/medium"
cp "$gen"/figures/*.svg "$stage/figures/"
to_png() {
  local svg
  for svg in "$gen"/figures/*.svg; do
    # Twice the SVG's size: sharp on high-density screens and in Medium's wide layout.
    rsvg-convert --zoom 2 --format png --output "$stage/medium/$(basename "${svg%.svg}").png" "$svg" || return 1
  done
}
step "png (rsvg-convert)" to_png
step "check figures" "$plaincnn" figures check "$stage"/figures/*.svg "$stage"/medium/*.png

common=(--from markdown --lua-filter "$here/post.lua" --metadata-file "$stage/numbers.yaml"
        --metadata "generated-dir=$gen")
step "pandoc html" pandoc "$here/alexnet.md" "${common[@]}" --to html5 "${embed[@]}" \
  --template "$here/template.html" --css "$here/style.css" --resource-path "$gen:$here" \
  --output "$stage/alexnet.html"
mkdir -p "$gen/tables"
step "pandoc medium" pandoc "$here/alexnet.md" "${common[@]}" --to gfm --metadata medium=true \
  --metadata "table-dir=$gen/tables" --wrap none --output "$stage/medium/alexnet.md"
tables_png() {
  local svg
  for svg in "$gen"/tables/*.svg; do
    rsvg-convert --zoom 2 --format png --output "$stage/medium/$(basename "${svg%.svg}").png" "$svg" || return 1
  done
  "$plaincnn" figures check "$gen"/tables/*.svg "$stage"/medium/table-*.png >/dev/null
}
step "tables as png" tables_png
rm -rf "$gen"

# Swap: the old folder moves aside, the new one takes its name, the old one goes.
if [ -e "$out" ]; then
  old=$(mktemp -d "${out%/}.old.XXXXXX")
  mv "$out" "$old/post"
  mv "$stage" "$out"
  rm -rf "$old"
else
  mv "$stage" "$out"
fi
trap - EXIT
printf 'post: %-22s %6s s\n' "total" "$(seconds_since "$start")"
echo "post: wrote $out/alexnet.html and $out/medium/"
