// The wasm backend out of memory: a kernel whose operands and scratch do not fit the WebAssembly memory throws an
// OutOfMemoryError naming the kernel and the bytes it asked for (not WebAssembly's "Maximum memory size exceeded"),
// and the backend keeps working after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OutOfMemoryError } from "../../src/index.js";
import type { ConvGeometry } from "../../src/backends/backend.js";
import { jsKernels } from "../../src/backends/js/index.js";
import { WasmRuntime } from "../../src/backends/wasm/runtime.js";
import { initWasmSync, wasmBackend, wasmInfo } from "../../src/backends/wasm/index.js";
import { maxPages } from "../../src/backends/wasm/kernels-wasm.js";

const MAX_BYTES = maxPages * 65536;

test("the arena refuses a block past the memory's maximum with an OutOfMemoryError naming the bytes, and goes on", () => {
  const rt = WasmRuntime.createSync(false, false);
  rt.begin();
  const bytes = MAX_BYTES + 2 ** 20;
  assert.throws(() => rt.alloc(bytes), (e: unknown) => e instanceof OutOfMemoryError
    && e.message.includes(`a kernel asked for ${bytes} bytes`) && e.message.includes(`over the ${(MAX_BYTES / 2 ** 30).toFixed(2)} GiB a WebAssembly memory can hold`));
  rt.begin();
  const p = rt.alloc(1 << 20);
  rt.f32(p, 4).set([1, 2, 3, 4]);
  assert.deepEqual([...rt.f32(p, 4)], [1, 2, 3, 4]);
  // up to the maximum itself: the memory grows by a quarter at least, but not past its maximum
  rt.begin();
  rt.alloc(MAX_BYTES - 2 ** 28);
  rt.begin();
  const q = rt.alloc(MAX_BYTES - 2 ** 22);
  assert.equal(rt.memory.buffer.byteLength, MAX_BYTES);
  rt.f32(q, 1)[0] = 7;
  assert.equal(rt.f32(q, 1)[0], 7);
});

test("a convolution's input gradient whose scratch exceeds the memory names conv2dBackwardInput; the backend still works", () => {
  if (!wasmInfo().ready) initWasmSync({ select: false }); // (the wasm preload started one with threads)
  // a 1500×1500 kernel over a 17×17 output: col2im's column panel, 256 pixels of 2.25M taps, needs 2.3 GB
  const g: ConvGeometry = { n: 1, cIn: 1, h: 1516, w: 1516, cOut: 1, kh: 1500, kw: 1500, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1, outH: 17, outW: 17 };
  const dy = new Float32Array(17 * 17).fill(1), w = new Float32Array(1500 * 1500).fill(1), dx = new Float32Array(1516 * 1516);
  assert.throws(() => wasmBackend.kernels.conv2dBackwardInput!(dy, w, g, dx), (e: unknown) => e instanceof OutOfMemoryError
    && /^wasm backend: conv2dBackwardInput asked for \d+ bytes, bringing its operands and scratch to \d+ bytes \(\d+\.\d\d GiB\), over the/.test(e.message));
  // a small convolution afterwards, against the reference kernel
  const s: ConvGeometry = { ...g, h: 6, w: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, outH: 6, outW: 5 };
  const x = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)), k = Float32Array.from({ length: 9 }, (_, i) => i - 4);
  const y = new Float32Array(30), ref = new Float32Array(30);
  wasmBackend.kernels.conv2d!(x, k, null, s, y);
  jsKernels.conv2d(x, k, null, s, ref);
  y.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) < 1e-5, `element ${i}: ${v} vs ${ref[i]}`));
});
