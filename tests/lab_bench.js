// The lab's speed, as rows of `make bench` (issue 17, item 8): training
// throughput in the page next to the native single-thread figure, and the
// time of one prediction with every map. Opens build/lab/index.html once in
// headless Chromium (tests/lab_devtools.js), then runs R rounds, each:
//   one epoch in the page, lab.train(1): a fresh LeNet-5 with the same seed
//     every time, so every round does the same work; its rate counts only
//     the training steps, not the page drawing its chart between them;
//   the same epoch natively, `lab-pack speed --data DIR --train 6000`
//     (Keras fit, fast passes, one thread, batch 32, the same 6,000 images);
//   lab.timePredict(21): the median of 21 predictions of a drawn "1", with
//     every map and a chosen C1 cell's sum drawn.
// The two epochs alternate so that both see the same machine: on a shared
// machine the speed drifts from minute to minute, and a ratio of figures
// taken at different times would carry that drift.
// Prints medians over the rounds with their spread, in the columns of
// `plaincnn bench`, and writes them with every round's figures as JSON.
//
//   node tests/lab_bench.js PAGE LAB_PACK DATA_DIR [--rounds R] [--json FILE]
"use strict";
const { execFile } = require("child_process");
const fs = require("fs");
const os = require("os");
const { launch, openLab, rect, mouse, drawOne } = require("./lab_devtools");

const usage = "usage: node lab_bench.js PAGE LAB_PACK DATA_DIR [--rounds R] [--json FILE]";
const positional = [], options = { rounds: "5", json: "" };
for (const args = process.argv.slice(2); args.length; ) {
  const a = args.shift();
  if (a === "--rounds" || a === "--json") options[a.slice(2)] = args.shift() ?? "";
  else positional.push(a);
}
const [pagePath, packPath, dataDir] = positional;
const rounds = Number(options.rounds);
if (positional.length !== 3 || !Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
  console.log(`bench-lab: ${usage} (R a whole number in 1..100)`);
  process.exit(1);
}
// The targets: the page within 3x of native, one prediction under 10 ms.
const TRAIN = 6000, RATIO_TARGET = 3, PREDICT_TARGET_MS = 10;

const browser = launch((code) => fail(`chromium exited (status ${code}) before the bench finished`));
function fail(message) {
  console.log(`bench-lab: ${message}`);
  browser.finish(1);
}
// A round takes a few seconds; allow a minute each and one to load the page.
setTimeout(() => fail(`the lab bench did not finish within ${rounds + 1} minutes`), 60000 * (rounds + 1)).unref();

// The native epoch's training images/s, from lab-pack's one line.
function nativeRate() {
  return new Promise((resolve, reject) => {
    execFile(packPath, ["speed", "--data", dataDir, "--train", String(TRAIN)], (error, stdout, stderr) => {
      const m = /: (\d+) training images\/s/.exec(stdout);
      if (error || !m) reject(new Error(`${packPath} speed: ${(stderr || stdout || String(error)).trim()}`));
      else resolve(Number(m[1]));
    });
  });
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
// The middle value; for an even count the mean of the two middle ones.
const median = (xs) => {
  const s = sorted(xs), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const spread = (xs, digits, unit = "") =>
  `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}${unit} in ${xs.length} round${xs.length > 1 ? "s" : ""}`;

// plaincnn bench's column headings and, under them, one line as it prints a
// measured row (tools/bench/table.cpp): group, case, threads, the value, its
// unit and a note.
const header = () =>
  console.log(`${"group".padEnd(8)}${"case".padEnd(62)}${"thr".padStart(3)}${"median".padStart(11)}` +
              `${"GFLOP/s".padStart(9)}${"peak".padStart(8)}${"vs ref".padStart(10)}${"vs torch".padStart(10)}`);
function print(row) {
  const digits = row.unit === "images/s" ? 0 : 2;
  console.log(`${row.group.padEnd(8)}${row.case.padEnd(62)}${String(row.threads).padStart(3)}  ` +
              `${row.value.toFixed(digits)} ${row.unit}  ${row.note}`);
}

// The 1, 5 and 15 minute load averages: how busy the machine was.
const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));

async function main() {
  const loadBefore = load();
  const { s, evaluate } = await openLab(browser.send, pagePath);
  // Predictions are timed on a drawn digit (a blank pad skips part of the
  // reduction) with a C1 cell chosen, whose sum is then redrawn as well: the
  // most a prediction draws, as in tests/lab_browser.js.
  await drawOne(s, evaluate);
  const c1 = await rect(evaluate, "#maps canvas");
  await mouse(s, "mousePressed", c1.x + c1.w / 2, c1.y + c1.h / 2);
  await mouse(s, "mouseReleased", c1.x + c1.w / 2, c1.y + c1.h / 2);
  if (await evaluate("document.getElementById('cell').hidden")) throw new Error("a click on a C1 map showed no cell");
  const page = [], native = [], ratio = [], predict = [];
  for (let r = 0; r < rounds; r++) {
    const trained = await evaluate("lab.train(1)");
    if (!(trained.images_per_second > 0)) throw new Error(`lab.train(1) returned ${JSON.stringify(trained)}`);
    page.push(trained.images_per_second);
    native.push(await nativeRate());
    ratio.push(native[r] / page[r]);
    predict.push(await evaluate("lab.timePredict(21)"));
  }

  const mPage = median(page), mNative = median(native), mRatio = median(ratio);
  const total = predict.map((t) => t.total), part = (key) => median(predict.map((t) => t[key]));
  const rows = [
    { group: "lab", case: `LeNet-5 epoch in the page (WebAssembly), batch 32, ${TRAIN} images`, threads: 1,
      value: mPage, unit: "images/s", runs: rounds, min: Math.min(...page), max: Math.max(...page),
      note: `${spread(page, 0)}; native ${Math.round(mNative)} images/s: ${(mNative / mPage).toFixed(1)}x (target ${RATIO_TARGET}x)` },
    { group: "lab", case: `the same epoch natively (lab-pack speed), fast passes`, threads: 1,
      value: mNative, unit: "images/s", runs: rounds, min: Math.min(...native), max: Math.max(...native),
      note: spread(native, 0) },
    { group: "lab", case: "native over the page, round by round", threads: 1,
      value: mRatio, unit: "x", runs: rounds, min: Math.min(...ratio), max: Math.max(...ratio),
      note: `${spread(ratio, 1, "x")} (target ${RATIO_TARGET}x)` },
    { group: "lab", case: "one prediction of a drawn digit with every map, in the page", threads: 1,
      value: median(total), unit: "ms", runs: rounds, min: Math.min(...total), max: Math.max(...total),
      note: `${spread(total, 1, " ms")} (target ${PREDICT_TARGET_MS} ms); reduction ${part("reduce").toFixed(1)}, ` +
            `passes ${part("compute").toFixed(1)}, drawing ${part("draw").toFixed(1)} ms` },
  ];
  header();
  rows.forEach(print);

  if (options.json) {
    // As build/bench.json's cases (group, case, threads, value, unit, note;
    // six significant digits), with the spread and every round's figures.
    const six = (x) => Number(x.toPrecision(6));
    const doc = {
      rounds, load_average_before: loadBefore, load_average_after: load(),
      cases: rows.map((r) => ({ ...r, value: six(r.value), min: six(r.min), max: six(r.max) })),
      per_round: { page_images_per_s: page.map(Math.round), native_images_per_s: native,
                   native_over_page: ratio.map(six),
                   // The page's clock ticks in 0.1 ms (Chromium coarsens performance.now()).
                   predict_ms: predict.map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Number(v.toFixed(1))]))) },
    };
    fs.writeFileSync(`${options.json}.tmp`, JSON.stringify(doc, null, 2) + "\n");
    fs.renameSync(`${options.json}.tmp`, options.json);
    console.log(`figures written to ${options.json}`);
  }
}

main().then(() => browser.finish(0), (error) => fail(error.message));
