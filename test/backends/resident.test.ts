// Resident parameters: with a shared WebAssembly memory (threads), registerParameter moves a parameter's values into
// the wasm memory, and the kernels read them there instead of copying them in on every call. Checked: the copies are
// exact and read in place, stay valid when the memory grows, never overlap the arena, give the same results as plain
// arrays (kernels and whole models, training steps included), are refused without shared memory, and are reused
// after garbage collection (in a child process with --expose-gc).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WasmRuntime } from "../../src/backends/wasm/runtime.js";
import { makeKernels } from "../../src/backends/wasm/kernels.js";
import { initWasm, disposeWasm, wasmInfo } from "../../src/backends/wasm/index.js";
import { setBackend } from "../../src/backends/registry.js";
import type { ConvGeometry } from "../../src/backends/backend.js";
import * as models from "../../src/models/index.js";
import * as nn from "../../src/nn/index.js";
import { randn, randint, manualSeed } from "../../src/index.js";
import * as F from "../../src/ops/functional.js";
import { SGD } from "../../src/optim/index.js";
import type { Module } from "../../src/nn/module.js";
import type { Tensor } from "../../src/tensor/tensor.js";

const GC_CHILD = "CONVKIT_RESIDENT_GC_CHILD";

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Max |wasm − reference| of `compute`, run on the wasm backend, then on the reference one (wasm selected after). */
function differenceFromReference(compute: () => Tensor): number {
  const y = compute();
  setBackend("js");
  try {
    return maxAbsDiff(y.data, compute().data);
  } finally {
    setBackend("wasm");
  }
}

if (process.env[GC_CHILD]) {
  // 40 copies of 8 MB, each dropped at once: with the blocks reused, the resident region stays at a few blocks.
  const rt = WasmRuntime.createSync(false, true);
  const gc = (globalThis as { gc?: () => void }).gc!;
  const src = rand(2 << 20, 1);
  for (let i = 0; i < 40; i++) {
    assert.ok(rt.residentCopy(src));
    gc();
    await new Promise((r) => setTimeout(r, 0)); // finalizers run between tasks
  }
  console.log(JSON.stringify({ memoryBytes: rt.memory.buffer.byteLength }));
} else {
  test("resident copies are exact, read in place, valid after the memory grows, and below the arena", async () => {
    const rt = await WasmRuntime.create(false, true);
    const w = rand(5000, 1);
    const r = rt.residentCopy(w)!;
    assert.ok(r, "a shared memory keeps resident copies");
    assert.deepEqual(Array.from(r), Array.from(w));
    assert.ok(rt.isResident(r) && !rt.isResident(w));
    rt.begin();
    assert.equal(rt.copyIn(r), r.byteOffset, "read in place");
    assert.notEqual(rt.copyIn(w), w.byteOffset);
    const before = rt.memory.buffer.byteLength;
    rt.begin();
    rt.alloc(64 << 20); // grows the memory: a shared memory keeps earlier views valid
    assert.ok(rt.memory.buffer.byteLength > before);
    assert.deepEqual(Array.from(r), Array.from(w));
    assert.ok(rt.isResident(r), "still recognised after the memory grew");
    assert.equal(rt.residentCopy(r), r, "a resident array is not copied again");
    const r2 = rt.residentCopy(rand(100, 2))!;
    assert.ok(rt.isResident(r2) && r2.byteOffset >= r.byteOffset + r.byteLength);
    rt.begin();
    assert.ok(rt.alloc(16) >= r2.byteOffset + r2.byteLength, "the arena starts above the resident arrays");
  });

  test("kernels give the same results on resident weights as on plain ones", async () => {
    const rt = await WasmRuntime.create(false, true);
    const k = makeKernels(rt);
    const g: ConvGeometry = { n: 2, cIn: 32, h: 12, w: 12, cOut: 40, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: 12, outW: 12 };
    const x = rand(2 * 32 * 144, 3), w = rand(40 * 32 * 9, 4), b = rand(40, 5), dy = rand(2 * 40 * 144, 6);
    const wr = rt.residentCopy(w)!, br = rt.residentCopy(b)!;
    const y1 = new Float32Array(dy.length), y2 = new Float32Array(dy.length);
    k.conv2d!(x, w, b, g, y1);
    k.conv2d!(x, wr, br, g, y2);
    assert.deepEqual(y2, y1);
    const dx1 = new Float32Array(x.length), dx2 = new Float32Array(x.length);
    k.conv2dBackwardInput!(dy, w, g, dx1);
    k.conv2dBackwardInput!(dy, wr, g, dx2);
    assert.deepEqual(dx2, dx1);
    const p = { batch: 1, m: 1, n: 40, k: 288, aBatchStride: 0, bBatchStride: 0, transA: false, transB: true };
    const a = rand(288, 7), m1 = new Float32Array(40), m2 = new Float32Array(40);
    k.matmul!(a, w.subarray(0, 40 * 288), m1, p);
    k.matmul!(a, wr.subarray(0, 40 * 288), m2, p);
    assert.deepEqual(m2, m1);
    assert.deepEqual(Array.from(wr), Array.from(w), "the kernels left the resident weights unchanged");
  });

  test("an unshared memory keeps no resident copies", () => {
    const rt = WasmRuntime.createSync(false, false);
    assert.equal(rt.residentCopy(rand(10, 1)), null);
  });

  test("on the wasm backend with threads, parameters live in the wasm memory; models compute and train as on the reference", async () => {
    await initWasm({ threads: 2 });
    try {
      manualSeed(3);
      const net = models.vgg6_bn() as unknown as Module<[Tensor], Tensor>;
      for (const p of net.parameters()) assert.ok(p.data.buffer instanceof SharedArrayBuffer, "parameter not resident");
      assert.ok(wasmInfo().memoryBytes >= 151_018 * 4);
      const x = randn([4, 1, 28, 28]), yb = randint(0, 10, [4]);
      net.eval();
      const diff = differenceFromReference(() => net.call(x));
      assert.ok(diff < 1e-4, `wasm vs js logits differ by ${diff}`);
      // a training step updates the resident arrays in place (they stay resident) and matches the reference step
      net.train();
      const state = new Map([...net.namedParameters()].map(([n, p]) => [n, Float32Array.from(p.data)] as const));
      const step = (): void => {
        manualSeed(11); // the same dropout masks in both steps
        const opt = new SGD(net.parameters(), { lr: 0.1 });
        opt.zeroGrad();
        F.crossEntropy(net.call(x), yb).backward();
        opt.step();
      };
      step();
      const afterWasm = new Map([...net.namedParameters()].map(([n, p]) => [n, Float32Array.from(p.data)] as const));
      for (const [n, p] of net.namedParameters()) {
        assert.ok(p.data.buffer instanceof SharedArrayBuffer, `${n} left the wasm memory`);
        (p.data as Float32Array).set(state.get(n)!);
      }
      setBackend("js");
      step();
      setBackend("wasm");
      for (const [n, p] of net.namedParameters()) {
        const a = afterWasm.get(n)!;
        const d = maxAbsDiff(a, p.data);
        assert.ok(d < 1e-4, `${n}: the wasm step and the reference step differ by ${d}`);
        assert.ok(Array.from(a).some((v, i) => v !== state.get(n)![i]), `${n} did not change`);
      }
    } finally {
      disposeWasm();
    }
  });

  test("initWasm again with the same kernels keeps the memory, and with it the resident parameters", async () => {
    await initWasm({ threads: 1 });
    try {
      const layer = new nn.Linear(2000, 2000); // 16 MB of weights, resident
      const before = wasmInfo().memoryBytes;
      assert.ok(before >= 2000 * 2000 * 4);
      await initWasm({ threads: 2 });
      assert.equal(wasmInfo().threads, 2);
      assert.ok(wasmInfo().memoryBytes >= before, "a new memory would start small");
      const x = randn([3, 2000]);
      const d = differenceFromReference(() => layer.call(x));
      assert.ok(d < 1e-4, `Linear on the kept runtime differs from the reference by ${d}`);
    } finally {
      disposeWasm();
    }
  });

  test("resident blocks are reused once their arrays are garbage-collected (child with --expose-gc)", () => {
    const self = fileURLToPath(import.meta.url);
    const env: NodeJS.ProcessEnv = { ...process.env, [GC_CHILD]: "1" };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", self], { env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const { memoryBytes } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { memoryBytes: number };
    // 40 × 8 MB would need 320 MB without reuse
    assert.ok(memoryBytes < 100 << 20, `memory grew to ${(memoryBytes / 2 ** 20).toFixed(0)} MiB`);
  });
}
