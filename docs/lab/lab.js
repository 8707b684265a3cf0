// lab.js: the LeNet-5 lab's script. It draws and listens; every number it
// shows comes from the WebAssembly build of plaincnn (docs/lab/lab.cpp and
// the nn/ and lenet/keras code beneath it), read back from its memory.
//
// window.lab holds a few functions for tests/test_lab.sh, which drives the
// page in headless Chromium: lab.ready, predictTest, forwardTest, cell,
// prediction, timePredict, train, loadWeights.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const lab = {};
  window.lab = lab;
  let M = null; // the WebAssembly module (createLab, from emscripten)

  // The layers drawn under "See inside": the tensor's name in lab.cpp, its
  // size (h = w) and channels, and how many screen pixels per cell.
  const LAYERS = [
    { title: "C1: A₁ = relu(conv(x, W₁) + b₁), 28×28×6", name: "A1", h: 28, c: 6, zoom: 3 },
    { title: "S2: max pool 2×2, 14×14×6", name: "P1", h: 14, c: 6, zoom: 5 },
    { title: "C3: A₃ = relu(conv(S2, W₃) + b₃), 10×10×16", name: "A3", h: 10, c: 16, zoom: 5 },
    { title: "S4: max pool 2×2, 5×5×16", name: "P3", h: 5, c: 16, zoom: 8 },
  ];

  // ---- talking to the WebAssembly module ----

  function fail(what) {
    throw new Error(what + ": " + M.UTF8ToString(M._lab_error()));
  }
  // A copy of one of lab.cpp's tensors (n floats), or null when it is empty.
  function tensor(name, n) {
    const p = M.ccall("lab_tensor", "number", ["string"], [name]);
    return p ? M.HEAPF32.slice(p >> 2, (p >> 2) + n) : null;
  }
  function bytesFromBase64(text) {
    const binary = atob(text.trim());
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // Weights bytes go through the page's in-memory file system to
  // Sequential::load_weights, so the page reads whatever format it reads.
  function loadWeights(bytes) {
    M.FS.writeFile("/weights", bytes);
    if (M.ccall("lab_load_weights", "number", ["string"], ["/weights"]) < 0) fail("the weights file");
  }

  // ---- the drawing pad ----

  const pad = $("pad");
  const pen = pad.getContext("2d", { willReadFrequently: true });
  let drawing = false, last = null, pending = false;

  function clearPad() {
    pen.fillStyle = "#000";
    pen.fillRect(0, 0, pad.width, pad.height);
  }
  function point(e) {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  }
  function stroke(from, to) {
    // White ink on black, about as thick as MNIST's strokes once reduced to 28x28.
    pen.strokeStyle = "#fff";
    pen.lineWidth = 22;
    pen.lineCap = pen.lineJoin = "round";
    pen.beginPath();
    pen.moveTo(from[0], from[1]);
    pen.lineTo(to[0], to[1]);
    pen.stroke();
  }
  function predictSoon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      predictDrawing();
    });
  }
  pad.addEventListener("pointerdown", (e) => {
    drawing = true;
    last = point(e);
    pad.setPointerCapture(e.pointerId);
    stroke(last, last);
    predictSoon();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = point(e);
    stroke(last, p);
    last = p;
    predictSoon();
  });
  for (const type of ["pointerup", "pointercancel"])
    pad.addEventListener(type, () => {
      if (!drawing) return;
      drawing = false;
      predictDrawing();
    });

  // The canvas's grey levels in [0, 1] to lab.cpp, which reduces them like MNIST.
  // Returns how long each part took, in milliseconds.
  function predictDrawing() {
    const start = performance.now();
    const rgba = pen.getImageData(0, 0, pad.width, pad.height).data;
    const n = pad.width * pad.height;
    const p = M._lab_buffer(n) >> 2;
    const heap = M.HEAPF32;
    for (let i = 0; i < n; i++) heap[p + i] = (rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / (3 * 255);
    if (M._lab_set_drawing(p << 2, pad.height, pad.width) < 0) fail("the drawing");
    const reduced = performance.now();
    const times = showAll();
    return { reduce: reduced - start, compute: times.compute, draw: times.draw, total: performance.now() - start };
  }

  // ---- showing what the network computed ----

  let chosenCell = null; // {k, i, j} of the C1 cell worked out, or null
  let predicted = -1;

  // Runs the forward and backward passes and draws everything they computed.
  // Returns the milliseconds spent computing and drawing.
  function showAll() {
    const start = performance.now();
    predicted = M._lab_forward();
    if (predicted < 0) fail("the forward pass");
    if (M._lab_saliency(predicted) < 0) fail("the backward pass");
    const computed = performance.now();
    const x = tensor("x", 784);
    drawGrey($("input").getContext("2d"), x, 28, 28, 1, 0, 1);
    drawBars(tensor("y", 10));
    drawMaps();
    drawSaliency(x, tensor("dx", 784));
    if (chosenCell) showCell(chosenCell.k, chosenCell.i, chosenCell.j);
    return { compute: computed - start, draw: performance.now() - computed };
  }

  // Channel k of an (h, w, c) tensor as grey levels, lo black and hi white.
  function drawGrey(ctx, values, h, w, c, k, hi) {
    const image = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      const v = Math.round((255 * Math.max(0, values[i * c + k])) / (hi || 1));
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = Math.min(255, v);
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }
  // Blue for negative, red for positive, white for 0, scaled by scale.
  function diverging(v, scale) {
    const t = Math.max(-1, Math.min(1, v / (scale || 1)));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
  }

  function drawBars(y) {
    const bars = $("bars");
    if (!bars.childElementCount)
      for (let d = 0; d < 10; d++)
        bars.insertAdjacentHTML("beforeend", `<span>${d}</span><div class="bar"></div><span class="value"></span>`);
    let top = 0;
    for (let d = 1; d < 10; d++) if (y[d] > y[top]) top = d;
    for (let d = 0; d < 10; d++) {
      const bar = bars.children[3 * d + 1];
      bar.style.width = (100 * y[d]).toFixed(2) + "%";
      bar.classList.toggle("top", d === top);
      bars.children[3 * d + 2].textContent = y[d].toFixed(4);
    }
  }

  function buildMaps() {
    const maps = $("maps");
    for (const layer of LAYERS) {
      const group = document.createElement("div");
      group.className = "layer";
      group.innerHTML = `<h3>${layer.title} <span class="scale"></span></h3><div class="grid"></div>`;
      const grid = group.querySelector(".grid");
      for (let k = 0; k < layer.c; k++) {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = layer.h;
        canvas.style.width = canvas.style.height = layer.h * layer.zoom + "px";
        canvas.title = `${layer.name}[:, :, ${k}]`;
        if (layer.name === "A1") {
          canvas.classList.add("clickable");
          canvas.addEventListener("click", (e) => {
            // offsetX/Y count from inside the border, as clientWidth/Height do.
            const i = Math.max(0, Math.min(27, Math.floor((e.offsetY * 28) / canvas.clientHeight)));
            const j = Math.max(0, Math.min(27, Math.floor((e.offsetX * 28) / canvas.clientWidth)));
            chosenCell = { k, i, j };
            showCell(k, i, j);
          });
        }
        grid.appendChild(canvas);
      }
      layer.group = group;
      maps.appendChild(group);
    }
    const kernels = $("kernels");
    for (let k = 0; k < 6; k++) {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 5;
      canvas.style.width = canvas.style.height = "60px";
      canvas.title = `W1[:, :, 0, ${k}]`;
      kernels.appendChild(canvas);
    }
  }

  function drawMaps() {
    for (const layer of LAYERS) {
      const n = layer.h * layer.h * layer.c;
      const values = tensor(layer.name, n);
      let hi = 0;
      for (let i = 0; i < n; i++) hi = Math.max(hi, values[i]); // one scale for the whole layer
      layer.group.querySelector(".scale").textContent = `(white = ${hi.toFixed(3)})`;
      const canvases = layer.group.querySelectorAll("canvas");
      for (let k = 0; k < layer.c; k++)
        drawGrey(canvases[k].getContext("2d"), values, layer.h, layer.h, layer.c, k, hi);
    }
    const W1 = tensor("W1", 150); // (5, 5, 1, 6): W1[r][s][0][k] at (r * 5 + s) * 6 + k
    let scale = 0;
    for (const w of W1) scale = Math.max(scale, Math.abs(w));
    $("kernels").querySelectorAll("canvas").forEach((canvas, k) => {
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(5, 5);
      for (let i = 0; i < 25; i++) {
        const [r, g, b] = diverging(W1[i * 6 + k], scale);
        image.data.set([r, g, b, 255], 4 * i);
      }
      ctx.putImageData(image, 0, 0);
    });
  }

  // One cell of C1 worked out with the course's formula (padding 'same' puts
  // two zero rows and columns around the 28x28 input for a 5x5 kernel):
  //   Z1[i, j, k] = sum over r, s of x[i + r - 2, j + s - 2] * W1[r, s, 0, k] + b1[k]
  // The products and their sum are formed here, from the values in the
  // module's memory; the last line puts the module's own Z1 beside them.
  function cellSum(k, i, j) {
    const x = tensor("x", 784), W1 = tensor("W1", 150), b1 = tensor("b1", 6), Z1 = tensor("Z1", 28 * 28 * 6);
    const rows = [];
    let sum = 0;
    for (let r = 0; r < 5; r++) {
      const row = [];
      for (let s = 0; s < 5; s++) {
        const h = i + r - 2, w = j + s - 2;
        const inside = h >= 0 && h < 28 && w >= 0 && w < 28;
        const xv = inside ? x[h * 28 + w] : 0, wv = W1[(r * 5 + s) * 6 + k];
        sum += xv * wv;
        row.push({ inside, x: xv, w: wv, product: xv * wv });
      }
      rows.push(row);
    }
    return { rows, sum, bias: b1[k], z: sum + b1[k], z_module: Z1[(i * 28 + j) * 6 + k] };
  }

  // A number for the worked sum: negative ones in parentheses, with a true minus sign.
  const signed = (v, digits) => (v < 0 ? `(−${(-v).toFixed(digits)})` : v.toFixed(digits));

  function showCell(k, i, j) {
    const c = cellSum(k, i, j);
    const cells = c.rows
      .map((row) => "<tr>" + row.map((v) =>
        `<td class="${v.inside ? "" : "outside"}">${v.x.toFixed(2)} × ${signed(v.w, 3)}<br>= ${signed(v.product, 4)}</td>`).join("") + "</tr>")
      .join("");
    const panel = $("cell");
    panel.hidden = false;
    panel.innerHTML =
      `<h3>C1, map ${k}, cell (${i}, ${j})</h3>` +
      `<p class="formula">Z₁[${i}, ${j}, ${k}] = Σ<sub>r,s</sub> x[${i}+r−2, ${j}+s−2] · W₁[r, s, 0, ${k}] + b₁[${k}]</p>` +
      `<table>${cells}</table>` +
      `<p class="formula">Σ of the 25 products = ${c.sum.toFixed(6)}<br>` +
      `+ b₁[${k}] = ${c.bias.toFixed(6)}<br>` +
      `= Z₁ = ${c.z.toFixed(6)} (conv_forward in the module: ${c.z_module.toFixed(6)})<br>` +
      `A₁ = relu(Z₁) = ${Math.max(0, c.z_module).toFixed(6)}</p>` +
      `<p>Grey numbers lie in the zero padding outside the image.</p>`;
    document.querySelectorAll("#maps canvas.chosen").forEach((e) => e.classList.remove("chosen"));
    LAYERS[0].group.querySelectorAll("canvas")[k].classList.add("chosen");
    // The window on the input: a box around the 5x5 patch on the 28x28 view.
    const ctx = $("input").getContext("2d");
    drawGrey(ctx, tensor("x", 784), 28, 28, 1, 0, 1);
    ctx.strokeStyle = "#e08000";
    ctx.lineWidth = 0.5;
    ctx.strokeRect(j - 2 + 0.25, i - 2 + 0.25, 4.5, 4.5);
    return c;
  }

  function drawSaliency(x, dx) {
    let scale = 0;
    for (const g of dx) scale = Math.max(scale, Math.abs(g));
    const ctx = $("saliency").getContext("2d");
    const image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      // The gradient's colour, faded over the digit's own grey so both show.
      const [r, g, b] = diverging(dx[i], scale);
      const ink = 1 - 0.5 * x[i];
      image.data.set([r * ink, g * ink, b * ink, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
    $("saliency-caption").textContent =
      `∂Z₇[${predicted}]/∂x, largest |value| ${scale.toExponential(2)}; the digit is shaded darker.`;
  }

  // ---- training in the page ----

  const chart = { points: [], tests: [], epochs: 1 };

  function drawChart() {
    const canvas = $("chart"), ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, left = 40, right = 40, top = 24, bottom = 24;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px sans-serif";
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(left, top, W - left - right, H - top - bottom);
    const maxLoss = Math.max(0.5, ...chart.points.map((p) => p.loss));
    const X = (t) => left + ((W - left - right) * t) / chart.epochs;
    const Yloss = (v) => H - bottom - ((H - top - bottom) * v) / maxLoss;
    const Yacc = (v) => H - bottom - (H - top - bottom) * v;
    ctx.fillStyle = "#555";
    ctx.fillText(maxLoss.toFixed(2), 4, top + 8);
    ctx.fillText("0", 4, H - bottom);
    ctx.fillText("100%", W - right + 4, top + 8);
    ctx.fillText("epochs →", W / 2 - 20, H - 6);
    const line = (colour, Y, key) => {
      ctx.strokeStyle = colour;
      ctx.beginPath();
      chart.points.forEach((p, n) => (n ? ctx.lineTo : ctx.moveTo).call(ctx, X(p.t), Y(p[key])));
      ctx.stroke();
    };
    line("#c0392b", Yloss, "loss");
    line("#1f5fbf", Yacc, "accuracy");
    ctx.fillStyle = "#1f5fbf";
    for (const p of chart.tests) ctx.fillRect(X(p.t) - 3, Yacc(p.accuracy) - 3, 6, 6);
    ctx.fillStyle = "#c0392b"; // the legend, above the plot
    ctx.fillText("training loss (left scale)", left, 14);
    ctx.fillStyle = "#1f5fbf";
    ctx.fillText("training accuracy (line) and test accuracy (squares), right scale", left + 150, 14);
  }

  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  // Trains a fresh LeNet-5 for `epochs` epochs, a few batches per task so
  // the page keeps drawing, then gives the canvas its weights.
  // Returns the last test accuracy and the training throughput.
  async function train(epochs, seed) {
    const button = $("train-button");
    button.disabled = true;
    try {
      const n = Number($("lab-subset").dataset.train);
      const batches = Math.ceil(n / 32);
      chart.points = [];
      chart.tests = [];
      chart.epochs = epochs;
      M._lab_train_begin(seed);
      let seconds = 0, accuracy = 0;
      for (let e = 0; e < epochs; e++) {
        let left;
        do {
          const start = performance.now();
          left = M._lab_train_steps(8);
          seconds += (performance.now() - start) / 1000;
          if (left < 0) fail("training");
          chart.points.push({ t: e + (batches - left) / batches, loss: M._lab_train_loss(), accuracy: M._lab_train_accuracy() });
          drawChart();
          $("train-log").textContent = `epoch ${e + 1}/${epochs}: ${batches - left}/${batches} batches, ` +
            `loss ${M._lab_train_loss().toFixed(4)}, accuracy ${M._lab_train_accuracy().toFixed(4)}`;
          await nextTask();
        } while (left > 0);
        accuracy = M._lab_train_test_accuracy();
        if (accuracy < 0) fail("the test accuracy");
        chart.tests.push({ t: e + 1, accuracy });
        drawChart();
        $("train-log").textContent += `; test accuracy ${(100 * accuracy).toFixed(1)}%`;
      }
      if (M._lab_train_use() < 0) fail("the new weights");
      const rate = (n * epochs) / seconds;
      $("train-log").textContent += ` — ${Math.round(rate)} training images/s in this page. The canvas now uses these weights.`;
      showAll();
      return { test_accuracy: accuracy, images_per_second: rate, epochs };
    } finally {
      button.disabled = false;
    }
  }

  // ---- start-up ----

  function report(error) {
    const status = $("status");
    status.textContent = String(error.message || error);
    status.classList.add("error");
    console.error(error);
  }

  let sample = 0;
  async function start() {
    M = await createLab();
    M._lab_set_fast(1);
    loadWeights(bytesFromBase64($("lab-weights").textContent));
    const subset = $("lab-subset");
    const nTrain = Number(subset.dataset.train), nTest = Number(subset.dataset.test);
    const bytes = await gunzip(bytesFromBase64(subset.textContent));
    const at = M._lab_data_buffer(bytes.length); // may grow the memory: read HEAPU8 after it
    M.HEAPU8.set(bytes, at);
    if (M._lab_set_data(nTrain, nTest) < 0) fail("the MNIST subset");
    $("subset-size").textContent = `${nTrain.toLocaleString("en")} training and ${nTest.toLocaleString("en")} test`;
    buildMaps();
    clearPad();
    if (M._lab_set_test_image(0) < 0) fail("test image 0");
    showAll();
    $("status").textContent = "Ready: draw a digit (mouse or finger) in the black square.";

    $("clear").addEventListener("click", () => { clearPad(); predictDrawing(); });
    $("sample").addEventListener("click", () => {
      sample = (sample + 1) % nTest;
      const label = M._lab_set_test_image(sample);
      showAll();
      $("status").textContent = `Test image ${sample} of the subset, labelled ${label}.`;
    });
    $("train-button").addEventListener("click", () =>
      train(Math.max(1, Math.min(20, Number($("epochs").value) || 1)), Date.now() % 100000).catch(report));
    $("weights-file").addEventListener("change", async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      try {
        loadWeights(new Uint8Array(await file.arrayBuffer()));
        showAll();
        $("status").textContent = `Weights loaded from ${file.name}.`;
        $("status").classList.remove("error");
      } catch (error) {
        report(error);
      }
    });
    $("save-button").addEventListener("click", () => {
      if (M.ccall("lab_save_weights", "number", ["string"], ["/saved"]) < 0) return report(new Error("saving failed"));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([M.FS.readFile("/saved")]));
      link.download = "lenet5_lab.npz";
      link.click();
    });
  }

  // ---- what the browser test calls ----

  lab.ready = start();
  lab.ready.catch(report);
  // The model's predict() on the first n test images, fast or reference passes.
  lab.predictTest = (n, fast) => {
    M._lab_set_fast(fast ? 1 : 0);
    const p = M._lab_predict_test(n);
    M._lab_set_fast(1);
    if (!p) fail("predict");
    const y = M.HEAPF32.slice(p >> 2, (p >> 2) + 10 * n);
    return Array.from({ length: n }, (_, i) => Array.from(y.subarray(10 * i, 10 * i + 10)));
  };
  // The explicit forward of lab.cpp on test image k: its probabilities.
  lab.forwardTest = (k) => {
    if (M._lab_set_test_image(k) < 0) fail("test image");
    showAll();
    return Array.from(tensor("y", 10));
  };
  lab.cell = (k, i, j) => {
    const c = showCell(k, i, j);
    return { sum: c.sum, z: c.z, z_module: c.z_module, shown: !$("cell").hidden };
  };
  lab.prediction = () => ({ digit: predicted, y: Array.from(tensor("y", 10)), dx: Array.from(tensor("dx", 784)) });
  // Median milliseconds of one prediction of the drawing, in total and by
  // part: reduction (canvas to 28x28), compute (forward and backward passes),
  // draw (bars, maps, kernels, gradient).
  lab.timePredict = (repeats) => {
    const runs = Array.from({ length: repeats }, () => predictDrawing());
    const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(repeats / 2)];
    return { total: median("total"), fastest: Math.min(...runs.map((r) => r.total)),
             reduce: median("reduce"), compute: median("compute"), draw: median("draw") };
  };
  // The "why this digit" map against central differences on test image k
  // plus a fixed ripple of up to `ripple` per pixel (an MNIST digit has flat
  // regions where max pooling meets exact ties, and a derivative there is
  // one-sided): for the `count` pixels with the largest gradient,
  // (Z7[c](x + e) - Z7[c](x - e)) / 2e beside lab.cpp's d Z7[c] / d x.
  lab.gradientCheck = (k, count, e, ripple) => {
    if (M._lab_set_test_image(k) < 0) fail("test image");
    const x = tensor("x", 784).map((v, i) => v + ripple * Math.abs(Math.sin(12.9898 * i)));
    const p0 = M._lab_buffer(784) >> 2;
    M.HEAPF32.set(x, p0);
    M._lab_set_input(p0 << 2);
    const c = M._lab_forward();
    if (c < 0 || M._lab_saliency(c) < 0) fail("the passes");
    const dx = tensor("dx", 784);
    const order = Array.from(dx.keys()).sort((a, b) => Math.abs(dx[b]) - Math.abs(dx[a])).slice(0, count);
    const logit = (pixel, delta) => {
      const p = M._lab_buffer(784) >> 2;
      M.HEAPF32.set(x, p);
      M.HEAPF32[p + pixel] += delta;
      M._lab_set_input(p << 2);
      if (M._lab_forward() < 0) fail("the forward pass");
      return tensor("Z7", 10)[c];
    };
    const checks = order.map((pixel) => ({ pixel, analytic: dx[pixel], numeric: (logit(pixel, e) - logit(pixel, -e)) / (2 * e) }));
    M._lab_set_test_image(k);
    showAll();
    return checks;
  };
  lab.train = (epochs) => train(epochs, 1);
  lab.loadWeights = (base64) => {
    try {
      loadWeights(bytesFromBase64(base64));
      showAll();
      return "";
    } catch (error) {
      return String(error.message);
    }
  };
  lab.clear = () => { clearPad(); predictDrawing(); };
})();
