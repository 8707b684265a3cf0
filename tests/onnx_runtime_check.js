// Helper of tests/test_predict_export.sh, run with Node.js. Two actions:
//
//   make-inputs OUT.npy [IDX]  100 images as a float32 (100, 28, 28) .npy in
//                              [0, 1]: the first 100 of the IDX image file, or
//                              seeded noise in the middle 20x20 without one
//   compare MODEL.onnx IN.npy PREDICTIONS.txt
//                              runs the model in ONNX Runtime (onnxruntime-node,
//                              found through NODE_PATH) on IN.npy as
//                              (100, 28, 28, 1) and checks every probability
//                              against the lines `plaincnn predict` printed
//                              ("FILE[i]: D  probabilities p0 ... p9") to 1e-5
//
// Exit status 0 on success; otherwise one line on stderr says what differs.
'use strict';
const fs = require('fs');
const path = require('path');

const SIDE = 28;
const COUNT = 100;

function die(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

// A small seeded generator (a 32-bit linear congruential one), so the
// stand-in images are the same on every run.
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

// One image of noise: black border, random levels in the middle 20x20.
function noise_image(next) {
  const pixels = new Uint8Array(SIDE * SIDE);
  for (let y = 4; y < 24; ++y)
    for (let x = 4; x < 24; ++x) pixels[y * SIDE + x] = Math.floor(next() * 256);
  return pixels;
}

// A format 1.0 .npy of float32 values with the given shape.
function write_npy(file, shape, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix, 0);
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(4 * values.length);
  values.forEach((v, k) => data.writeFloatLE(v, 4 * k));
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]));
}

function read_npy_f32(file) {
  const bytes = fs.readFileSync(file);
  const header_len = bytes.readUInt16LE(8);
  const data = bytes.subarray(10 + header_len);
  const values = new Float32Array(data.length / 4);
  for (let k = 0; k < values.length; ++k) values[k] = data.readFloatLE(4 * k);
  return values;
}

function make_inputs(out, idx) {
  const values = new Float32Array(COUNT * SIDE * SIDE);
  if (idx) {
    const bytes = fs.readFileSync(idx);
    for (let k = 0; k < values.length; ++k) values[k] = bytes[16 + k] / 255;
  } else {
    const next = generator(11);
    for (let i = 0; i < COUNT; ++i) noise_image(next).forEach((v, k) => { values[i * SIDE * SIDE + k] = v / 255; });
  }
  write_npy(out, [COUNT, SIDE, SIDE], Array.from(values));
}

async function compare(model, input, predictions) {
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(model);
  const x = new ort.Tensor('float32', read_npy_f32(input), [COUNT, SIDE, SIDE, 1]);
  const result = await session.run({ input: x });
  const p = result.probabilities;
  if (p.dims.join(',') !== `${COUNT},10`) die(`ONNX Runtime output has shape (${p.dims}), expected (${COUNT}, 10)`);
  const lines = fs.readFileSync(predictions, 'utf8').trim().split('\n');
  if (lines.length !== COUNT) die(`plaincnn predict printed ${lines.length} lines, expected ${COUNT}`);
  let worst = 0;
  lines.forEach((line, i) => {
    const m = line.match(/\[(\d+)\]: (\d)  probabilities((?: [0-9.]+){10})$/);
    if (!m || Number(m[1]) !== i) die(`line ${i + 1} of plaincnn predict's output does not parse: ${line}`);
    const ours = m[3].trim().split(' ').map(Number);
    ours.forEach((v, k) => {
      const diff = Math.abs(v - p.data[i * 10 + k]);
      worst = Math.max(worst, diff);
      if (diff > 1e-5) die(`image ${i}, digit ${k}: plaincnn ${v}, ONNX Runtime ${p.data[i * 10 + k]} (differ by ${diff})`);
    });
  });
  console.log(`largest difference ${worst.toExponential(2)} over ${COUNT * 10} probabilities`);
}

const [action, ...args] = process.argv.slice(2);
if (action === 'make-inputs') make_inputs(args[0], args[1]);
else if (action === 'compare') compare(args[0], args[1], args[2]).catch((e) => die(`ONNX Runtime: ${e.message}`));
else die(`unknown action '${action}' (make-inputs, compare)`);
