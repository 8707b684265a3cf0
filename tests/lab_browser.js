// The browser half of tests/test_lab.sh: opens build/lab/index.html in
// headless Chromium and drives it over the DevTools protocol (on a pipe, so
// no port is opened; tests/lab_devtools.js), checking what issue 17 asks of
// the lab. Prints "ok ..." per passing check, "info ..." for figures, and
// "FAIL: ..." with exit status 1 at the first failure.
//
//   node tests/lab_browser.js PAGE NATIVE_JSON WEIGHTS SCREENSHOT_PNG
"use strict";
const fs = require("fs");
const zlib = require("zlib");
const { launch, openLab, rect, mouse, drawOne } = require("./lab_devtools");

const [pagePath, nativePath, weightsPath, screenshotPath] = process.argv.slice(2);
if (!screenshotPath) {
  console.log("FAIL: usage: node lab_browser.js PAGE NATIVE_JSON WEIGHTS SCREENSHOT_PNG");
  process.exit(1);
}

const browser = launch((code) => fail(`chromium exited (status ${code}) before the test finished`));
function fail(message) {
  console.log(`FAIL: ${message}`);
  browser.finish(1);
}
const ok = (message) => console.log(`ok ${message}`);
const info = (message) => console.log(`info ${message}`);
// The whole run (page load, checks, one training epoch) takes well under a minute here.
setTimeout(() => fail("the browser test did not finish within 5 minutes"), 300000).unref();

const problems = []; // console errors, uncaught exceptions
const requests = []; // every URL the page asked for
browser.onEvent((message) => {
  if (message.method === "Runtime.exceptionThrown") {
    const d = message.params.exceptionDetails;
    problems.push(`uncaught: ${(d.exception && d.exception.description) || d.text}`);
  } else if (message.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(message.params.type)) {
    problems.push(`console.${message.params.type}: ${message.params.args.map((a) => a.value ?? a.description).join(" ")}`);
  } else if (message.method === "Log.entryAdded" && message.params.entry.level === "error") {
    problems.push(`log: ${message.params.entry.text} ${message.params.entry.url || ""}`);
  } else if (message.method === "Network.requestWillBeSent") {
    requests.push(message.params.request.url);
  }
});

// ---- a PNG's pixels, to tell a blank screenshot from a drawn one ----

function distinctColours(png) {
  let width = 0, height = 0, channels = 0;
  const idat = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at), type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || ![2, 6].includes(data[9])) throw new Error(`unexpected PNG type (depth ${data[8]}, colour ${data[9]})`);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels, rows = [];
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    // Undo the row's filter (PNG spec, section 9): 0 none, 1 sub, 2 up, 3 average, 4 Paeth.
    const filter = raw[y * (stride + 1)], row = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      row[i] = (row[i] + predictor) & 255;
    }
    rows.push(row);
    previous = row;
  }
  const colours = new Set();
  for (const row of rows)
    for (let i = 0; i < stride; i += channels) colours.add((row[i] << 16) | (row[i + 1] << 8) | row[i + 2]);
  return { width, height, colours: colours.size };
}

const maxDiff = (a, b) => Math.max(...a.flat().map((v, i) => Math.abs(v - b.flat()[i])));

async function main() {
  const native = JSON.parse(fs.readFileSync(nativePath, "utf8"));
  const { s, evaluate } = await openLab(browser.send, pagePath);
  const status = await evaluate("document.getElementById('status').textContent");
  if (!status.startsWith("Ready")) throw new Error(`the page is not ready: '${status}'`);
  ok(`the page loads from the file system and says '${status}'`);

  // Item 6: the same numbers as the native build, fast and reference passes.
  const n = native.labels.length;
  const fast = await evaluate(`lab.predictTest(${n}, true)`);
  const reference = await evaluate(`lab.predictTest(${n}, false)`);
  const dFast = maxDiff(fast, native.fast), dRef = maxDiff(reference, native.reference);
  const dPage = maxDiff(fast, reference), dNative = maxDiff(native.fast, native.reference);
  if (!(dFast <= 1e-6)) throw new Error(`page (fast passes) vs native on ${n} t10k images: max |difference| ${dFast} > 1e-6`);
  ok(`${n} t10k images: the page's probabilities equal the native build's, fast passes (max |difference| ${dFast.toExponential(2)})`);
  if (!(dRef <= 1e-6)) throw new Error(`page (reference passes) vs native: max |difference| ${dRef} > 1e-6`);
  ok(`and on the reference passes (max |difference| ${dRef.toExponential(2)})`);
  if (!(dPage <= 1e-6)) throw new Error(`the page's fast and reference passes differ by ${dPage} > 1e-6 (natively ${dNative})`);
  ok(`the page's fast and reference passes agree as natively (${dPage.toExponential(2)} in the page, ${dNative.toExponential(2)} natively)`);
  const right = fast.filter((y, i) => y.indexOf(Math.max(...y)) === native.labels[i]).length;
  info(`the embedded weights classify ${right} of these ${n} t10k images correctly`);

  // The explicit forward that draws the maps is the model's predict.
  let dForward = 0;
  for (let k = 0; k < 10; k++) dForward = Math.max(dForward, maxDiff([await evaluate(`lab.forwardTest(${k})`)], [fast[k]]));
  if (!(dForward <= 1e-6)) throw new Error(`lab.cpp's layer-by-layer forward differs from predict() by ${dForward}`);
  ok(`the layer-by-layer forward behind the feature maps equals predict() (${dForward.toExponential(2)})`);

  // Item 3: clicking a C1 map shows one cell's sum, equal to conv_forward's Z1.
  const c1 = await rect(evaluate, "#maps canvas");
  await mouse(s, "mousePressed", c1.x + c1.w / 2, c1.y + c1.h / 2);
  await mouse(s, "mouseReleased", c1.x + c1.w / 2, c1.y + c1.h / 2);
  const cellText = await evaluate("document.getElementById('cell').hidden ? '' : document.getElementById('cell').textContent");
  if (!/^C1, map 0, cell \(1[345], 1[345]\)/.test(cellText))
    throw new Error(`clicking C1 map 0 at its centre shows '${cellText.slice(0, 80)}'`);
  const cell = await evaluate("lab.cell(3, 10, 7)");
  if (!(Math.abs(cell.z - cell.z_module) <= 1e-5 * Math.max(1, Math.abs(cell.z))))
    throw new Error(`C1 cell (10, 7, 3): the 25 products and the bias sum to ${cell.z}, conv_forward gave ${cell.z_module}`);
  ok(`a click on a C1 map shows its cell; 25 products + bias = ${cell.z.toFixed(6)} = conv_forward's Z1 ${cell.z_module.toFixed(6)}`);

  // Item 2: a scripted stroke (a vertical bar, a "1") gives a prediction.
  await drawOne(s, evaluate);
  const drawn = await evaluate("lab.prediction()");
  const sum = drawn.y.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-4) throw new Error(`the probabilities of the drawn digit sum to ${sum}`);
  if (drawn.digit !== 1) throw new Error(`a drawn vertical stroke is predicted as ${drawn.digit}, not 1 (y = ${drawn.y.map((v) => v.toFixed(3))})`);
  if (!drawn.dx.some((v) => v !== 0)) throw new Error("the gradient map of the drawn digit is all zeros");
  ok(`a scripted stroke is predicted as 1 (p = ${drawn.y[1].toFixed(4)}), with a non-zero gradient map`);

  // Item 4: the gradient map is the derivative: central differences agree.
  const checks = await evaluate("lab.gradientCheck(3, 12, 1e-3, 0.05)");
  // A step of 1e-3 can cross a relu or max-pool kink at a pixel or two, where
  // the two sides' slopes differ: most pixels must agree, not every one.
  const errors = checks.map((g) => Math.abs(g.analytic - g.numeric) / Math.max(1, Math.abs(g.analytic)));
  const agree = errors.filter((err) => err <= 1e-2).length;
  if (agree < 10)
    throw new Error(`d Z7[c]/dx against central differences agrees on ${agree} of 12 pixels: ${JSON.stringify(checks)}`);
  ok(`the "why this digit" gradient matches central differences on ${agree} of its 12 largest pixels to 1e-2 ` +
     `(median error ${errors.sort((a, b) => a - b)[6].toExponential(2)})`);

  // Item 8: the time of one prediction with all maps (a figure, not a verdict).
  const t = await evaluate("lab.timePredict(21)");
  info(`one prediction of the drawing with every map: median ${t.total.toFixed(2)} ms, fastest ${t.fastest.toFixed(2)} ms ` +
       `(reduction ${t.reduce.toFixed(2)}, forward and backward passes ${t.compute.toFixed(2)}, drawing ${t.draw.toFixed(2)})`);

  // A refused weights file leaves the model as it was.
  const weights = fs.readFileSync(weightsPath);
  const message = await evaluate(`lab.loadWeights(${JSON.stringify(weights.subarray(0, weights.length - 100).toString("base64"))})`);
  const after = await evaluate("lab.prediction()");
  if (!message) throw new Error("a truncated weights file was accepted");
  if (maxDiff([after.y], [drawn.y]) !== 0) throw new Error("a refused weights file changed the predictions");
  ok(`a truncated weights file is refused ('${message.slice(0, 90)}...') and the model is unchanged`);

  // Item 5: one epoch on the subset in the page.
  const trained = await evaluate("lab.train(1)");
  if (!(trained.test_accuracy >= 0.9)) throw new Error(`one epoch in the page reaches ${trained.test_accuracy} test accuracy, below 0.90`);
  ok(`one training epoch in the page reaches ${(100 * trained.test_accuracy).toFixed(1)}% on the subset's test images`);
  info(`training in the page: ${Math.round(trained.images_per_second)} images/s (fast passes, one thread, batch 32)`);

  // Item 7: a screenshot of the whole page, after training, that is not blank.
  const { contentSize } = await s("Page.getLayoutMetrics");
  const shot = await s("Page.captureScreenshot", {
    format: "png", captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1200, height: Math.ceil(contentSize.height), scale: 1 },
  });
  const png = Buffer.from(shot.data, "base64");
  fs.writeFileSync(screenshotPath, png);
  const picture = distinctColours(png);
  if (picture.colours < 64) throw new Error(`the screenshot has only ${picture.colours} colours: blank?`);
  ok(`screenshot ${screenshotPath}: ${picture.width}x${picture.height}, ${picture.colours} colours`);

  if (problems.length) throw new Error(`the console reported: ${problems.join(" | ")}`);
  ok("no console error and no uncaught exception");
  const elsewhere = requests.filter((url) => !/^(file|data|blob):/.test(url));
  if (elsewhere.length) throw new Error(`the page asked another host for ${elsewhere.join(", ")}`);
  ok(`no request to another host (${requests.length} requests, all file:, data: or blob:)`);
}

main().then(() => browser.finish(0), (error) => fail(error.message));
