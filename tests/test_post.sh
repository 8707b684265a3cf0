#!/usr/bin/env bash
# The AlexNet post, end to end in quick mode (tiny seeded runs on synthetic
# data: no MNIST download, seconds): paper-summary/render.sh must write a
# self-contained page with the five sections in order and a picture above
# them, valid SVG and PNG figures, a Medium folder, the same bytes on a
# second run, and on failure a one-line reason with the previous output
# left as it was. Run by tests/run_tests.sh with PLAINCNN set to the binary;
# prints "ok ..." per passing check and stops at the first failure.
. "$(dirname "$0")/script_lib.sh"
[ -x "$PLAINCNN" ] || fail "PLAINCNN=$PLAINCNN is not an executable file"
command -v pandoc >/dev/null || fail "pandoc not found; install it with: apt-get install -y pandoc"
command -v rsvg-convert >/dev/null || fail "rsvg-convert not found; install it with: apt-get install -y librsvg2-bin"
root=$(cd "$(dirname "$0")/.." && pwd)
render="$root/paper-summary/render.sh"
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT

# ---- a quick build ----

bash "$render" --plaincnn "$bin" --out "$tmp/post" --cache "$tmp/cache" --quick >"$tmp/log" 2>&1 ||
  fail "render.sh --quick failed: $(tail -3 "$tmp/log")"
page=$tmp/post/alexnet.html
[ -s "$page" ] || fail "no $page"
ok "render.sh --quick writes alexnet.html"

# One tag per line makes the page easy to scan in order.
tr '\n' ' ' <"$page" | sed 's/</\n</g' >"$tmp/tags"

headings=$(grep -o '^<h2[^>]*>[^<]*' "$tmp/tags" | sed 's/^<h2[^>]*>//' | tr '\n' '|')
case "$headings" in
  "Introduction|Procedures|Results|Conclusion|Personal Notes|"*) ok "five section headings in order: $headings" ;;
  *) fail "section headings are '$headings', expected Introduction, Procedures, Results, Conclusion, Personal Notes" ;;
esac
first_heading=$(grep -n '^<h[1-6]' "$tmp/tags" | head -1 | cut -d: -f1)
first_image=$(grep -n '^<\(img\|svg\)' "$tmp/tags" | head -1 | cut -d: -f1)
[ -n "$first_image" ] && [ -n "$first_heading" ] && [ "$first_image" -lt "$first_heading" ] ||
  fail "no image before the first heading (image at tag ${first_image:-none}, heading at tag ${first_heading:-none})"
ok "an image comes before the first heading"

# pandoc 2.x embeds figures as <img src="data:...">; pandoc 3 may inline SVG figures as <svg>.
images=$(grep -c '^<img' "$tmp/tags")
embedded=$(grep -c '^<img[^>]* src="data:image/' "$tmp/tags")
inline=$(grep -c '^<svg' "$tmp/tags")
[ $((embedded + inline)) -ge 4 ] || fail "expected at least 4 embedded figures, found $embedded data: images and $inline inline SVGs"
[ "$images" -eq "$embedded" ] || fail "$((images - embedded)) of $images images are not data: URIs"
ok "all figures embedded ($embedded as data: URIs, $inline as inline SVG)"

# Links to other pages are what a post should have; anything the page loads must be inside it.
if grep -Eio 'src="(https?:)?//[^"]*' "$page" | head -3 | grep -q .; then
  fail "the page loads from another host: $(grep -Eio 'src="(https?:)?//[^"]*' "$page" | head -1)"
fi
if grep -Eio 'src="[^"d][^"]*' "$page" | grep -q .; then
  fail "a src attribute is not a data: URI: $(grep -Eio 'src="[^"d][^"]*' "$page" | head -1)"
fi
grep -qi '<link[^>]*stylesheet' "$page" && fail "the stylesheet is linked, not inlined"
ok "no external URL in any src, stylesheet inlined"

# Publishable: links to the paper and to what it cites, no placeholder text,
# no notes about the build for the reader, no HTML comment left in.
grep -q 'href="https://papers.nips.cc/paper/2012/' "$page" || fail "no link to the paper"
links=$(grep -o '<a href="https\?://' "$page" | wc -l)
[ "$links" -ge 6 ] || fail "only $links links to other pages; the post should link the paper and what it cites"
grep -qi 'to be added' "$page" && fail "a placeholder is left: $(grep -io '[^>]*to be added[^<]*' "$page" | head -1)"
grep -qi 'make post\|paper-summary/\|<footer' "$page" && fail "the page talks about the build: $(grep -io '[^>]*\(make post\|paper-summary/\|<footer\)[^<]*' "$page" | head -1)"
grep -q '<!--' "$page" && fail "an HTML comment is left in the page: $(grep -o '<!--.\{0,60\}' "$page" | head -1)"
ok "$links links, among them the paper; no placeholder, build note or comment"

grep -q '{{' "$page" && fail "an unfilled {{placeholder}} is left: $(grep -o '{{[^}]*}}' "$page" | head -1)"
for printed in 'relu slope =' 'overlapping  =' 'A      =' 'A_strong ='; do
  grep -q "$printed" "$page" || fail "the generated example output '$printed' is missing"
done
ok "every {{number}} filled and every example included"

# Each figure embedded as a data: URI must itself be a valid SVG.
n=0
for uri in $(grep -o 'data:image/svg+xml;base64,[A-Za-z0-9+/=]*' "$page"); do
  n=$((n + 1))
  printf '%s' "${uri#*,}" | base64 -d >"$tmp/embedded-$n.svg" 2>/dev/null || fail "embedded figure $n is not valid base64"
done
if [ "$n" -gt 0 ]; then
  "$bin" figures check "$tmp"/embedded-*.svg >"$tmp/check" 2>&1 || fail "embedded figure: $(cat "$tmp/check")"
fi
ok "the $n SVG figures embedded as data: URIs are well-formed with an svg root"

for f in architecture architecture-narrow relu-tanh kernels ablation; do
  [ -s "$tmp/post/figures/$f.svg" ] || fail "missing figures/$f.svg"
  [ -s "$tmp/post/medium/$f.png" ] || fail "missing medium/$f.png"
done
"$bin" figures check "$tmp"/post/figures/*.svg "$tmp"/post/medium/[a-z]*[a-z].png >"$tmp/check" 2>&1 ||
  fail "figure check: $(cat "$tmp/check")"
[ "$(grep -c '^ok ' "$tmp/check")" -eq 10 ] || fail "expected 10 checked figure files: $(cat "$tmp/check")"
ok "figures/*.svg well-formed, medium/*.png valid (signature, IHDR, chunk CRCs, IEND)"

md=$tmp/post/medium/alexnet.md
[ -s "$md" ] || fail "no medium/alexnet.md"
grep -q '\.svg' "$md" && fail "medium/alexnet.md still refers to SVG: $(grep -o '[^(]*\.svg' "$md" | head -1)"
for png in $(grep -o '([a-z-]*\.png)' "$md" | tr -d '()'); do
  [ -s "$tmp/post/medium/$png" ] || fail "medium/alexnet.md shows $png, which is not there"
done
[ "$(grep -c '\.png)' "$md")" -ge 4 ] || fail "medium/alexnet.md shows fewer than 4 PNG figures"
grep -q '{{' "$md" && fail "medium/alexnet.md has an unfilled placeholder"
ok "medium/alexnet.md shows the PNG figures next to it"

# Medium and LinkedIn show Markdown escapes and table syntax literally, and
# ignore HTML: outside code blocks there must be none of them.
awk '/^```/ { code = !code; next } !code' "$md" >"$tmp/prose.md"
grep -n '\\' "$tmp/prose.md" | head -1 | grep -q . && fail "a backslash escape in medium/alexnet.md: $(grep -n '\\' "$tmp/prose.md" | head -1)"
grep -n '^ *|' "$tmp/prose.md" | head -1 | grep -q . && fail "a Markdown table in medium/alexnet.md: $(grep -n '^ *|' "$tmp/prose.md" | head -1)"
grep -n '<[a-z!/]' "$tmp/prose.md" | head -1 | grep -q . && fail "HTML in medium/alexnet.md: $(grep -n '<[a-z!/]' "$tmp/prose.md" | head -1)"
tables=$(grep -c '(table-[0-9]*\.png)' "$md")
[ "$tables" -ge 3 ] || fail "medium/alexnet.md shows $tables tables as images, expected at least 3"
"$bin" figures check "$tmp"/post/medium/table-*.png >"$tmp/check" 2>&1 || fail "table image: $(cat "$tmp/check")"
ok "medium/alexnet.md: no escapes, no Markdown tables, no HTML; its $tables tables are valid PNG images"

# ---- determinism and the cache ----

bash "$render" --plaincnn "$bin" --out "$tmp/post2" --cache "$tmp/cache2" --quick >"$tmp/log2" 2>&1 ||
  fail "second render failed: $(tail -3 "$tmp/log2")"
for f in figures/relu-tanh.svg figures/kernels.svg figures/ablation.svg; do
  cmp -s "$tmp/post/$f" "$tmp/post2/$f" || fail "$f differs between two runs from empty caches"
done
# The seconds per epoch are measured, not seeded: they alone may differ, so
# both pages get them replaced by the same text before the comparison.
unmeasured() {  # unmeasured DIR: numbers.yaml and alexnet.html without the measured seconds
  grep -v '^rt-[a-z]*-seconds:' "$1/numbers.yaml"
  tr '\n' ' ' <"$1/alexnet.html" | sed 's/An epoch took [0-9.]* s with ReLU and [0-9.]* s with tanh/An epoch took SECONDS/g'
}
[ "$(grep -c '^rt-[a-z]*-seconds:' "$tmp/post/numbers.yaml")" -eq 2 ] || fail "numbers.yaml lacks the two measured seconds per epoch"
tr '\n' ' ' <"$tmp/post/alexnet.html" | grep -q 'An epoch took [0-9.]* s with ReLU and [0-9.]* s with tanh' ||
  fail "alexnet.html does not give the seconds per epoch in the sentence this check masks"
unmeasured "$tmp/post" >"$tmp/a.txt"
unmeasured "$tmp/post2" >"$tmp/b.txt"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "numbers.yaml or alexnet.html differ between two runs from empty caches beyond the measured seconds: $(diff "$tmp/a.txt" "$tmp/b.txt" | head -3)"
ok "two seeded runs from empty caches give identical bytes (but for the measured seconds per epoch)"
ls "$tmp"/cache/relu-tanh-*.txt "$tmp"/cache/kernels-*.txt "$tmp"/cache/ablation-*.txt >/dev/null 2>&1 ||
  fail "the experiments left no cache files in $tmp/cache"
# A stale value planted in the cache must show up: proof the warm run reads it instead of training.
relu_cache=$(ls "$tmp"/cache/relu-tanh-*.txt)
sed -i 's/^relu_val .*/relu_val 12.5/' "$relu_cache"
bash "$render" --plaincnn "$bin" --out "$tmp/post" --cache "$tmp/cache" --quick >"$tmp/log3" 2>&1 ||
  fail "warm render failed: $(tail -3 "$tmp/log3")"
grep -q "^rt-relu-val: '12.50%'" "$tmp/post/numbers.yaml" || fail "the warm run did not read the cached result"
ok "a warm run reads the cached results instead of training"

# ---- failures leave the previous post alone ----

before=$(cksum <"$page")
cat >"$tmp/failing-plaincnn" <<'EOF'
#!/usr/bin/env bash
echo "plaincnn figures: data/mnist/train-images-idx3-ubyte: cannot open" >&2
exit 2
EOF
chmod +x "$tmp/failing-plaincnn"
if bash "$render" --plaincnn "$tmp/failing-plaincnn" --out "$tmp/post" --cache "$tmp/cache" >"$tmp/log4" 2>&1; then
  fail "render.sh succeeded although an experiment failed"
fi
grep -q "make post: figures architecture failed (see the message above); .* was left as it was" "$tmp/log4" ||
  fail "unclear message for a failed experiment: $(cat "$tmp/log4")"
[ "$(cksum <"$page")" = "$before" ] || fail "a failed build changed the previous alexnet.html"
ls -d "$tmp"/post.new.* >/dev/null 2>&1 && fail "a failed build left its temporary folder behind"
ok "a failing experiment stops the build with one reason and leaves the previous post intact"

mkdir -p "$tmp/nopandoc"
ln -s "$(command -v dirname)" "$tmp/nopandoc/dirname"
if PATH="$tmp/nopandoc" "$BASH" "$render" --plaincnn "$bin" --out "$tmp/post" >"$tmp/log5" 2>&1; then
  fail "render.sh succeeded without pandoc on the PATH"
fi
[ "$(cat "$tmp/log5")" = "make post: pandoc not found; install it with: apt-get install -y pandoc" ] ||
  fail "missing pandoc gave: $(cat "$tmp/log5")"
[ "$(cksum <"$page")" = "$before" ] || fail "a build without pandoc changed the previous alexnet.html"
ok "missing pandoc: one line naming the package, previous post intact"

# ---- plaincnn figures on bad input: exit status 2 and one line on stderr ----

expect_error() {  # expect_error TEXT ARGS...: plaincnn ARGS fails with one stderr line containing TEXT
  local text=$1
  shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq 2 ] || fail "plaincnn $* exited with $rc, expected 2"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "plaincnn $* wrote $(wc -l <"$tmp/err") lines on stderr: $(cat "$tmp/err")"
  grep -qF -- "$text" "$tmp/err" || fail "plaincnn $*: expected '$text' in: $(cat "$tmp/err")"
}
printf 'GIF89a' >"$tmp/bad.png"
printf '<svg><g></svg>' >"$tmp/bad.svg"
expect_error "unknown figure 'nosuch'" figures nosuch --out "$tmp/x"
expect_error "--out: " figures architecture --out
expect_error "bad.png: byte 0: not a PNG file" figures check "$tmp/bad.png"
expect_error "bad.svg: byte 10: </svg> closes <g>" figures check "$tmp/bad.svg"
expect_error "expected a .svg or .png file" figures check "$tmp/log"
expect_error "nowhere/train-" figures kernels --out "$tmp/x" --cache "$tmp/empty-cache" --data "$tmp/nowhere"
[ -e "$tmp/x/figures/kernels.svg" ] && fail "a failed figure still wrote its SVG"
ok "plaincnn figures refuses bad input with exit 2 and one line naming the problem"
