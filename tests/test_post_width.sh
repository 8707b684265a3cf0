#!/usr/bin/env bash
# The AlexNet post on a phone, in a blog column and on a desktop: renders the
# quick post and loads it in headless Chromium at 400, 700 and 1200 px, and
# checks that nothing on the page is wider than the screen (no sideways
# scrolling of the page; a code block or table that scrolls inside its own
# box is fine), and that the picture at the top shows its tall drawing on the
# phone and its wide one elsewhere.
#
# Chromium's headless window is at least 500 px wide, so each width is an
# iframe of exactly that width inside one page; a script in the post's copy
# measures it and posts the result to the outer page, read with --dump-dom.
# Run by tests/run_tests.sh with PLAINCNN set; skipped with one line when
# chromium is missing (apt-get install -y chromium): it prints one "skipped:" line
# and exits 0.
. "$(dirname "$0")/script_lib.sh"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "skipped: chromium not found; install it with: apt-get install -y chromium"
  exit 0
fi
command -v pandoc >/dev/null || fail "pandoc not found; install it with: apt-get install -y pandoc"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || fail "mktemp -d failed"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

bash "$root/paper-summary/render.sh" --plaincnn "$bin" --out "$tmp/post" --cache "$tmp/cache" --quick >"$tmp/log" 2>&1 ||
  fail "render.sh --quick failed: $(tail -3 "$tmp/log")"

# The measuring script: every element whose box reaches past the viewport,
# unless an ancestor scrolls or clips it; the page's own scroll width; which
# drawing of the diagram is shown.
cat >"$tmp/measure.js" <<'JS'
window.addEventListener("load", function () {
  var w = document.documentElement.clientWidth, wide = [];  // without a scroll bar, if any
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width === 0 || (r.right <= w + 0.5 && r.left >= -0.5)) return;
    for (var p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return;
    }
    wide.push(e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " to " + Math.round(r.right) + " px");
  });
  var shown = [];
  document.querySelectorAll("figure.architecture img").forEach(function (img) {
    if (img.getBoundingClientRect().width > 0) shown.push(img.className);
  });
  parent.postMessage("width " + window.innerWidth + " scroll " + document.documentElement.scrollWidth + " diagram " +
                     (shown.join(",") || "none") + " wide " + (wide.slice(0, 4).join("; ") || "none"), "*");
});
JS
{
  sed '/<\/body>/,$d' "$tmp/post/alexnet.html"
  echo "<script>"
  cat "$tmp/measure.js"
  echo "</script></body></html>"
} >"$tmp/page.html"
# One page per width, holding the post in an iframe that wide (?w=400).
cat >"$tmp/frame.html" <<'HTML'
<!DOCTYPE html>
<html><body style="margin:0">
<pre id="results"></pre>
<script>
var w = Number(location.search.slice(3));
var frame = document.createElement("iframe");
frame.style.cssText = "width:" + w + "px;height:800px;border:0;display:block";
frame.src = "page.html";
document.body.appendChild(frame);
window.addEventListener("message", function (m) {
  document.getElementById("results").textContent += "result " + m.data + "\n";
});
</script>
</body></html>
HTML

: >"$tmp/results"
for width in 400 700 1200; do
  profile=$(mktemp -d)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --allow-file-access-from-files --window-size=1300,900 --virtual-time-budget=10000 \
    --dump-dom "file://$tmp/frame.html?w=$width" >"$tmp/dom" 2>"$tmp/chromium.log"
  rm -rf "$profile"
  grep -o 'result width [0-9]* .*' "$tmp/dom" | sed 's/^result //' >>"$tmp/results"
  grep -q "^width $width " "$tmp/results" ||
    fail "no measurement from chromium at $width px: $(grep -v dbus "$tmp/chromium.log" | tail -2)"
done

while read -r _ width _ scroll _ diagram _ wide; do
  [ "$scroll" -le "$width" ] || fail "at $width px the page is $scroll px wide (too wide: $wide)"
  [ "$wide" = "none" ] || fail "at $width px these stick out of the screen: $wide"
  if [ "$width" -le 560 ]; then
    [ "$diagram" = "narrow" ] || fail "at $width px the diagram shows '$diagram', expected the narrow drawing"
  else
    [ "$diagram" = "wide" ] || fail "at $width px the diagram shows '$diagram', expected the wide drawing"
  fi
  ok "at $width px nothing is wider than the screen (page $scroll px), the diagram shows its $diagram drawing"
done <"$tmp/results"
