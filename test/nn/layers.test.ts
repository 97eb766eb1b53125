// Each layer against PyTorch (test/nn/fixtures/layers.json, made by scripts/parity/make_layer_fixtures.py): the
// state dict loads by key, and outputs, gradients of sum(out · upstream) for input and parameters, and running
// statistics after training-mode calls match. The layers added through the op table (PixelShuffle, Hardswish) are
// checked against the functional fixtures of PyTorch (test/fixtures/added_ops.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, tensor, nn } from "../../src/index.js";
import { assertClose, checkCase, loadCases } from "../helpers/fixtures.js";

interface Raw { shape: number[]; data: string }
interface Case {
  name: string; layer: string; mode: "train" | "eval";
  state: Record<string, Raw>; inputs: Raw[]; outputs: Raw[]; upstream: Raw; grads: Record<string, Raw>; after: Record<string, Raw>;
}

const doc = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "layers.json"), "utf8")) as { cases: Case[] };

function decode(t: Raw): Tensor {
  const b = Buffer.from(t.data, "base64");
  const data = new Float32Array(b.byteLength / 4);
  new Uint8Array(data.buffer).set(b);
  return tensor(data, t.shape);
}

/** MaxPool2d with indices feeding MaxUnpool2d (PyTorch: nn.MaxPool2d(2, return_indices=True) + nn.MaxUnpool2d(2)). */
class PoolUnpool extends nn.Module {
  readonly pool = this.registerModule("pool", new nn.MaxPool2d(2));
  readonly unpool = this.registerModule("unpool", new nn.MaxUnpool2d(2));
  forward(x: Tensor): Tensor {
    const [y, idx] = this.pool.forwardWithIndices(x);
    return this.unpool.call(y, idx);
  }
}

const LAYERS: Record<string, () => nn.TensorModule> = {
  conv2d: () => new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }),
  conv2d_groups: () => new nn.Conv2d(4, 6, [3, 2], { stride: [1, 2], padding: [2, 1], dilation: 2, groups: 2, bias: false }),
  conv_transpose2d: () => new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  linear: () => new nn.Linear(5, 3),
  linear_nobias_3d: () => new nn.Linear(5, 3, { bias: false }),
  batchnorm2d_train: () => new nn.BatchNorm2d(3),
  batchnorm2d_cumulative: () => new nn.BatchNorm2d(3, { momentum: null }),
  batchnorm2d_eval: () => new nn.BatchNorm2d(3, { eps: 1e-3 }),
  batchnorm1d_train: () => new nn.BatchNorm1d(4),
  local_response_norm: () => new nn.LocalResponseNorm(3, { alpha: 1e-2, beta: 0.75, k: 2 }),
  maxpool2d_ceil: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  minpool2d: () => new nn.MinPool2d(2),
  avgpool2d: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
  adaptive_avgpool2d: () => new nn.AdaptiveAvgPool2d([3, 2]),
  adaptive_maxpool2d: () => new nn.AdaptiveMaxPool2d(3),
  maxunpool2d: () => new PoolUnpool(),
  upsample_nearest: () => new nn.Upsample({ scaleFactor: 2, mode: "nearest" }),
  upsample_bilinear: () => new nn.Upsample({ size: [7, 5], mode: "bilinear", alignCorners: false }),
  upsample_bilinear_corners: () => new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: true }),
  upsample_bed_of_nails: () => new nn.Upsample({ scaleFactor: 2, mode: "bed-of-nails" }),
  relu: () => new nn.ReLU(),
  leaky_relu: () => new nn.LeakyReLU(0.2),
  relu6: () => new nn.ReLU6(),
  elu: () => new nn.ELU(0.5),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  softmax: () => new nn.Softmax(1),
  log_softmax: () => new nn.LogSoftmax(1),
  flatten: () => new nn.Flatten(),
  identity: () => new nn.Identity(),
  dropout_eval: () => new nn.Dropout(0.5),
};

test("every fixture case has a convkit layer", () => {
  assert.deepEqual(doc.cases.map((c) => c.name).sort(), Object.keys(LAYERS).sort());
});

for (const c of doc.cases) {
  test(`layer ${c.name} matches PyTorch (${c.layer.split("\n")[0]})`, () => {
    const layer = LAYERS[c.name]!();
    layer.loadStateDict(new Map(Object.entries(c.state).map(([k, v]) => [k, decode(v)])));
    layer.train(c.mode === "train");
    // the shape-only pass of summaries (a meta input: the ops' shape rules, no arithmetic) agrees with the real forward
    const firstIn = decode(c.inputs[0]!);
    const shapeOnly = LAYERS[c.name]!().train(c.mode === "train").call(Tensor.meta(firstIn.shape));
    assert.deepEqual([...shapeOnly.shape], [...decode(c.outputs[0]!).shape], `${c.name}: shape-only output`);
    let last: Tensor | null = null, lastIn: Tensor | null = null;
    c.inputs.forEach((raw, i) => {
      const x = decode(raw).requiresGrad_(true);
      const y = layer.call(x);
      assertClose(y, decode(c.outputs[i]!), undefined, `${c.name} output ${i}`);
      last = y;
      lastIn = x;
    });
    const y = last! as Tensor, x = lastIn! as Tensor;
    y.mul(decode(c.upstream)).sum().backward();
    assertClose(x.grad!, decode(c.grads.input!), undefined, `${c.name} grad input`);
    const params = new Map(layer.namedParameters());
    assert.deepEqual([...params.keys()].sort(), Object.keys(c.grads).filter((k) => k !== "input").sort(), `${c.name}: parameter names`);
    for (const [k, p] of params) assertClose(p.grad!, decode(c.grads[k]!), undefined, `${c.name} grad ${k}`);
    const sd = layer.stateDict();
    for (const [k, raw] of Object.entries(c.after)) assertClose(sd.get(k)!, decode(raw), undefined, `${c.name} ${k} after the runs`);
  });
}

test("nn.GELU: PyTorch's values and gradients (both forms), repr, a clear error for another form", () => {
  const cases = loadCases("nn_ops", "gelu");
  assert.ok(cases.some((c) => c.args.approximate === "tanh") && cases.some((c) => c.args.approximate !== "tanh"));
  for (const c of cases) checkCase(c, ({ x }) => new nn.GELU({ approximate: c.args.approximate === "tanh" ? "tanh" : "none" }).call(x!));
  assert.equal(new nn.GELU().toString(), "GELU(approximate='none')");
  assert.equal(new nn.GELU({ approximate: "tanh" }).toString(), "GELU(approximate='tanh')");
  assert.throws(() => new nn.GELU({ approximate: "erf" as "none" }), /GELU: approximate must be 'none' or 'tanh', got 'erf'/);
});

test("nn.PixelShuffle and nn.Hardswish: PyTorch's values and gradients, repr, shape-only pass and receptive field", () => {
  for (const c of loadCases("added_ops", "pixelShuffle")) checkCase(c, ({ x }) => new nn.PixelShuffle(c.args.upscaleFactor as number).call(x!));
  for (const c of loadCases("added_ops", "hardswish")) checkCase(c, ({ x }) => new nn.Hardswish().call(x!));
  assert.equal(new nn.PixelShuffle(3).toString(), "PixelShuffle(upscale_factor=3)");
  assert.equal(new nn.Hardswish().toString(), "Hardswish()");
  assert.throws(() => new nn.PixelShuffle(0), /PixelShuffle: upscaleFactor must be an integer ≥ 1, got 0/);
  // sub-pixel upsampling: a 3×3 conv sees 3 pixels; after the shuffle neighbours are half a pixel apart, so the next
  // 3×3 conv adds 2 · ½ pixel
  const net = new nn.Sequential(new nn.Conv2d(3, 12, 3, { padding: 1 }), new nn.PixelShuffle(2), new nn.Hardswish(), new nn.Conv2d(3, 3, 3));
  for (const shapeOnly of [true, false]) {
    const s = nn.summarize(net, [1, 3, 8, 8], { shapeOnly });
    assert.deepEqual(s.layers.map((l) => l.outputShape), [[1, 12, 8, 8], [1, 3, 16, 16], [1, 3, 16, 16], [1, 3, 14, 14]]);
    assert.deepEqual(s.layers.map((l) => l.receptiveField), [
      { size: [3, 3], jump: [1, 1] }, { size: [3, 3], jump: [0.5, 0.5] }, { size: [3, 3], jump: [0.5, 0.5] }, { size: [4, 4], jump: [0.5, 0.5] },
    ]);
  }
});
