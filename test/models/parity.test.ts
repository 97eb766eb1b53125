// Model parity with PyTorch: scripts/parity/make_parity.py builds torchvision (or reference) models with a fixed seed,
// and this test loads their state dicts by key into convkit's zoo models and compares keys, parameter counts and
// eval-mode logits (relative error ≤ 1e-4 of the largest logit).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, tensor, noGrad, models, nn } from "../../src/index.js";
import { loadStateDictFile } from "../../src/node.js";

const PY = "/usr/bin/python3";
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "parity", "make_parity.py");
const MODELS = ["lenet5", "lenet5_classic", "alexnet", "vgg11_bn", "vgg6_bn", "googlenet", "resnet18", "resnet50", "resnet20", "densenet121", "unet", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0", "efficientnet_b0", "regnet_y_400mf"];

interface Index {
  model: string;
  convkit: { name: string; options: Record<string, unknown> };
  num_params: number;
  input_shape: number[];
  logits_shape: number[];
  tensors: { key: string; shape: number[]; offset: number }[];
  repr: string;
}

let dir = "";

before(() => {
  const probe = spawnSync(PY, ["-c", "import torch, torchvision"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`parity: ${PY} cannot import torch and torchvision (install python3-torch and python3-torchvision; CI does): ${probe.stderr || probe.error}`);
  }
  dir = mkdtempSync(join(tmpdir(), "convkit-parity-"));
  const run = spawnSync(PY, [SCRIPT, dir, ...MODELS], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`parity: ${SCRIPT} failed (exit ${run.status}):\n${run.stderr}`);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
});

function readF32(path: string, offset = 0, count?: number): Float32Array {
  const buf = readFileSync(path);
  const n = count ?? (buf.byteLength - offset) / 4;
  // copy into an aligned buffer (the file's bytes are little-endian float32, as is every platform Node runs on)
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(buf.subarray(offset, offset + n * 4));
  return out;
}

function loadIndex(name: string): Index {
  return JSON.parse(readFileSync(join(dir, name, "index.json"), "utf8")) as Index;
}

function loadWeights(name: string, idx: Index): Map<string, Tensor> {
  const buf = readFileSync(join(dir, name, "weights.bin"));
  const sd = new Map<string, Tensor>();
  for (const t of idx.tensors) {
    const n = t.shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(buf.subarray(t.offset, t.offset + n * 4));
    sd.set(t.key, tensor(data, t.shape));
  }
  return sd;
}

for (const name of MODELS) {
  test(`parity ${name}: keys, parameter count and eval logits match PyTorch`, () => {
    const idx = loadIndex(name);
    const model = nn.init.skipInit(() => models.create(idx.convkit.name, idx.convkit.options));
    // keys, in order, as torchvision's state_dict() lists them
    assert.deepEqual([...model.stateDict().keys()], idx.tensors.map((t) => t.key), `${name}: state-dict keys differ`);
    for (const t of idx.tensors) assert.deepEqual([...model.stateDict().get(t.key)!.shape], t.shape, `${name}: shape of ${t.key}`);
    assert.equal(model.numParameters(), idx.num_params, `${name}: parameter count`);
    // the printed tree equals PyTorch's (in-place ReLUs included)
    assert.equal(model.toString(), idx.repr, `${name}: toString differs from PyTorch's repr`);
    // the weights come from PyTorch's own torch.save file through the restricted unpickler; the safetensors file and
    // the raw float32 dump must hold exactly the same values, so all three give these logits
    const fromPth = loadStateDictFile(join(dir, name, "weights.pth"));
    const raw = loadWeights(name, idx);
    for (const [label, sd] of [["weights.safetensors", loadStateDictFile(join(dir, name, "weights.safetensors"))], ["weights.bin", raw]] as const) {
      assert.deepEqual([...sd.keys()], [...fromPth.keys()], `${name}: keys of ${label} and weights.pth differ`);
      for (const [k, t] of fromPth) assert.deepEqual(sd.get(k)!.data, t.data, `${name}: ${label} and weights.pth differ at ${k}`);
    }
    const res = model.loadStateDict(fromPth);
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
    model.eval();
    const x = tensor(readF32(join(dir, name, "input.bin")), idx.input_shape);
    const expected = readF32(join(dir, name, "logits.bin"));
    const t0 = Date.now();
    const out = noGrad(() => model.call(x));
    const ms = Date.now() - t0;
    assert.ok(out instanceof Tensor, `${name}: eval forward returns a tensor`);
    assert.deepEqual([...out.shape], idx.logits_shape);
    let scale = 0, err = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]!));
      err = Math.max(err, Math.abs(out.data[i]! - expected[i]!));
    }
    assert.ok(scale > 0, `${name}: reference logits are all zero`);
    const rel = err / scale;
    console.log(`# parity ${name}: max |Δ| / max |logit| = ${rel.toExponential(2)} (forward ${ms} ms)`);
    assert.ok(rel <= 1e-4, `${name}: logits differ from PyTorch by ${rel.toExponential(3)} relative (> 1e-4)`);
  });
}
