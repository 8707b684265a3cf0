// Headless Chromium driven over the DevTools protocol on a pipe (so no port
// is opened), with the lab page open in it: what tests/lab_browser.js (the
// checks) and tests/lab_bench.js (the speed rows of `make bench`) share.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

// Starts Chromium with a throw-away profile. onExit(code) is called if it
// exits before finish(). Returns:
//   send(method, params, sessionId)  a protocol call, resolved with its result
//   onEvent(listener)                 listener(message) for every event
//   finish(code)                      stops Chromium, removes the profile, exits
function launch(onExit) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "lab-chromium-"));
  const chrome = spawn(
    "chromium",
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync",
     `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank"],
    { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
  );

  let finishing = false;
  function finish(code) {
    if (finishing) return;
    finishing = true;
    // Chromium writes to its profile until it has exited: remove it only then.
    chrome.once("exit", () => {
      try {
        fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
      } finally {
        process.exit(code);
      }
    });
    if (chrome.exitCode !== null || chrome.signalCode !== null) chrome.emit("exit");
    else chrome.kill();
  }
  chrome.on("exit", (code) => {
    if (!finishing) onExit(code);
  });

  // JSON messages separated by NUL bytes: replies carry the call's id, events a method.
  let nextId = 0, received = "";
  const pending = new Map(), listeners = [];
  chrome.stdio[4].setEncoding("utf8");
  chrome.stdio[4].on("data", (chunk) => {
    received += chunk;
    for (let end; (end = received.indexOf("\0")) >= 0; received = received.slice(end + 1)) {
      const message = JSON.parse(received.slice(0, end));
      if (message.id !== undefined) {
        const { resolve, reject, method } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  function send(method, params = {}, sessionId = undefined) {
    return new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject, method });
      chrome.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + "\0");
    });
  }
  return { send, finish, onEvent: (listener) => listeners.push(listener) };
}

// Opens the lab page (a file) in the browser's first tab, 1200x900, and waits
// until lab.ready has resolved. Returns:
//   s(method, params)     a protocol call in the tab's session
//   evaluate(expression)  its value in the page (promises awaited); throws on an exception
async function openLab(send, pagePath) {
  const { targetInfos } = await send("Target.getTargets");
  const target = targetInfos.find((t) => t.type === "page");
  if (!target) throw new Error("chromium opened no page");
  const { sessionId } = await send("Target.attachToTarget", { targetId: target.targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  const evaluate = async (expression) => {
    const r = await s("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails)
      throw new Error(`${expression}: ${(r.exceptionDetails.exception && r.exceptionDetails.exception.description) || r.exceptionDetails.text}`);
    return r.result.value;
  };

  for (const domain of ["Runtime", "Log", "Network", "Page"]) await s(`${domain}.enable`);
  await s("Emulation.setDeviceMetricsOverride", { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });
  await s("Page.navigate", { url: "file://" + path.resolve(pagePath) });
  for (let tries = 0; !(await evaluate("typeof lab === 'object' && document.readyState === 'complete'")); tries++) {
    if (tries > 600) throw new Error("the page did not load within 60 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  await evaluate("lab.ready");
  return { s, evaluate };
}

// An element's box in the page (left, top, width, height), in CSS pixels.
const rect = (evaluate, selector) =>
  evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
                     return { x: r.left, y: r.top, w: r.width, h: r.height }; })()`);

const mouse = (s, type, x, y) =>
  s("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons: type === "mouseReleased" ? 0 : 1, clickCount: 1 });

// Clears the drawing pad and draws a slightly slanted vertical bar (a "1")
// with the mouse, as a visitor would; then waits for the page to draw.
async function drawOne(s, evaluate) {
  await evaluate("lab.clear()");
  const pad = await rect(evaluate, "#pad");
  const x = pad.x + pad.w / 2;
  await mouse(s, "mousePressed", x, pad.y + 50);
  for (let y = pad.y + 50; y <= pad.y + 230; y += 10) await mouse(s, "mouseMoved", x + (y - pad.y - 50) / 30, y);
  await mouse(s, "mouseReleased", x + 6, pad.y + 230);
  await evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))");
}

module.exports = { launch, openLab, rect, mouse, drawOne };
