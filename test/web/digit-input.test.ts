// The playground's digit preprocessing (web/digit-input.ts), in Node: a drawing becomes an MNIST-like digit (ink box
// scaled to 20 × 20, centre of mass at the centre of 28 × 28), and a digit becomes LeNet-5's input as the library's
// model-input transform makes it from a 28 × 28 image (src/cli/common.ts modelInputTransform: pad to 32 × 32, then
// normalise with MNIST's mean and std), built here from the same data.pad and data.normalize.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, data, models, noGrad, argmax } from "../../src/index.js";
import { loadBuiltinMnist } from "../../src/node.js";
import { centreDigit, digitAt, toModelInput } from "../../web/digit-input.js";

/** Bounding box and centre of mass of a 28 × 28 digit. */
function geometry(d: Float32Array): { box: [number, number, number, number]; com: [number, number] } {
  let y0 = 28, x0 = 28, y1 = -1, x1 = -1, m = 0, my = 0, mx = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const v = d[y * 28 + x]!;
    if (v > 0.05) { y0 = Math.min(y0, y); x0 = Math.min(x0, x); y1 = Math.max(y1, y); x1 = Math.max(x1, x); }
    m += v; my += v * (y + 0.5); mx += v * (x + 0.5);
  }
  return { box: [y0, x0, y1, x1], com: [my / m, mx / m] };
}

test("toModelInput pads a 28×28 digit to 32×32 and normalises it as the library's model-input transform does", () => {
  const { test: held } = loadBuiltinMnist();
  const digit = digitAt(held.pixels as Uint8Array, 17);
  const ours = toModelInput(digit);
  const img = new Tensor(Float32Array.from(digit), [1, 28, 28]);
  const theirs = data.compose(data.pad([2, 2, 2, 2]), data.normalize([data.MNIST_MEAN], [data.MNIST_STD]))(img);
  assert.deepEqual(theirs.shape, [1, 32, 32]);
  for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i]! - theirs.data[i]!) < 1e-6, `value ${i}: ${ours[i]} vs ${theirs.data[i]}`);
});

test("centreDigit scales the ink's box to 20 pixels and moves its centre of mass to the middle", () => {
  // a thick off-centre "L" in the corner of a 100 × 100 pad: 60 tall, 30 wide
  const w = 100;
  const ink = new Float32Array(w * w);
  for (let y = 5; y < 65; y++) for (let x = 8; x < 16; x++) ink[y * w + x] = 1;
  for (let y = 57; y < 65; y++) for (let x = 8; x < 38; x++) ink[y * w + x] = 1;
  const d = centreDigit(ink, w, w)!;
  const { box, com } = geometry(d);
  assert.equal(box[2] - box[0] + 1, 20, `height of the box ${JSON.stringify(box)}`);
  assert.equal(box[3] - box[1] + 1, 10, `width of the box keeps the 2:1 aspect, ${JSON.stringify(box)}`);
  assert.ok(Math.abs(com[0] - 14) <= 0.5 && Math.abs(com[1] - 14) <= 0.5, `centre of mass ${com}`);
  assert.equal(centreDigit(new Float32Array(w * w), w, w), null, "an empty pad is no digit");
});

test("a held-out digit drawn large and off-centre is still read correctly by the shipped LeNet-5 after centreDigit", async () => {
  const { readFileSync } = await import("node:fs");
  const { io } = await import("../../src/index.js");
  const net = models.lenet5();
  net.loadStateDict(io.loadSafetensors(new Uint8Array(readFileSync(new URL("../../assets/lenet5-mnist.safetensors", import.meta.url)))).tensors);
  net.eval();
  const { test: held } = loadBuiltinMnist();
  let right = 0;
  const n = 40;
  for (let k = 0; k < n; k++) {
    const i = k * 49;
    const digit = digitAt(held.pixels as Uint8Array, i);
    // the digit enlarged ×5 into the top-left of a 200 × 200 pad, as a student might draw it
    const pad = new Float32Array(200 * 200);
    for (let y = 0; y < 140; y++) for (let x = 0; x < 140; x++) pad[(y + 3) * 200 + x + 7] = digit[Math.floor(y / 5) * 28 + Math.floor(x / 5)]!;
    const input = toModelInput(centreDigit(pad, 200, 200)!);
    const p = noGrad(() => argmax(net.call(new Tensor(input, [1, 1, 32, 32])), 1).data[0]);
    if (p === held.labels[i]) right++;
  }
  assert.ok(right >= n - 2, `${right} of ${n} re-centred digits read correctly`);
});
