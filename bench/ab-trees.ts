// Two source trees of convkit side by side, alternating in one sitting (the machine's noise swings ±40 % between
// minutes, so a before/after is only read from runs interleaved like this): a zoo model's batch-1 inference, the
// depthwise kernel on MobileNet's map sizes, the stem convolutions (3 input channels, stride 2) and large 1×1 ones, or the activation kernels per element (and F.gelu and an imported ONNX Erf
// on host tensors), on the wasm backend. Make the "before" tree with `git worktree add /tmp/before <commit>` (and a
// node_modules link to this one's).
// `node --experimental-wasm-relaxed-simd --import tsx bench/ab-trees.ts <tree A> <tree B> [model name | depthwise |
//  convs | activations] [threads=1] [pairs=2]`
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [treeA, treeB, what = "mobilenet_v2", threads = "1", pairs = "2"] = process.argv.slice(2);

/** One tree's measurement, run in this file's child mode. */
async function measure(root: string, what: string, threads: number): Promise<void> {
  const { initWasm, wasmBackend } = await import(`${root}/src/backends/wasm/index.ts`);
  await initWasm({ threads, relaxed: true });
  const ck = await import(`${root}/src/index.ts`);
  const { allocateFloat32, startTracking } = await import(`${root}/src/tensor/memory.ts`);
  const median = (f: () => void, inner: number, rounds: number): number => {
    for (let i = 0; i < 3 * inner; i++) f();
    const ts: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      for (let i = 0; i < inner; i++) f();
      ts.push((performance.now() - t) / inner);
    }
    return ts.sort((a, b) => a - b)[rounds >> 1]!;
  };
  const k = wasmBackend.kernels as Record<string, (...a: unknown[]) => void>;
  if (what === "depthwise") {
    startTracking(true); // operands in the backend's memory, as a model's are
    const rows: string[] = [];
    for (const [c, h, s] of [[32, 112, 1], [144, 56, 1], [384, 14, 1], [576, 14, 1], [960, 7, 1], [192, 28, 1], [576, 14, 2]] as const) {
      const oh = Math.floor((h + 2 - 3) / s) + 1;
      const g = { n: 1, cIn: c, h, w: h, cOut: c, kh: 3, kw: 3, strideH: s, strideW: s, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: c, outH: oh, outW: oh };
      const x = allocateFloat32(c * h * h, true).map(() => Math.random()), w = allocateFloat32(c * 9, true).fill(0.1);
      const b = allocateFloat32(c, true).fill(0.5), y = allocateFloat32(c * oh * oh, true);
      rows.push(`${c}@${h}² s${s} ${median(() => k.conv2d!(x, w, b, g, y), 50, 9).toFixed(3)} ms`);
    }
    console.log(`${root} depthwise t${threads}: ${rows.join(", ")}`);
  } else if (what === "convs") {
    // the networks' first convolutions (3 input channels, stride 2: the im2col GEMM path) and MobileNetV2's 1×1
    // expansions of large maps, with a folded batch norm's bias and ReLU6 as a model runs them
    startTracking(true);
    const rows: string[] = [];
    for (const [cIn, cOut, h, kk, s] of [[3, 32, 224, 3, 2], [3, 24, 224, 3, 2], [3, 64, 224, 7, 2], [16, 96, 112, 1, 1], [24, 144, 56, 1, 1]] as const) {
      const p = kk >> 1, oh = Math.floor((h + 2 * p - kk) / s) + 1;
      const g = { n: 1, cIn, h, w: h, cOut, kh: kk, kw: kk, strideH: s, strideW: s, padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups: 1, outH: oh, outW: oh };
      const x = allocateFloat32(cIn * h * h, true).map(() => Math.random() - 0.5), w = allocateFloat32(cOut * cIn * kk * kk, true).map(() => Math.random() - 0.5);
      const b = allocateFloat32(cOut, true).fill(0.5), y = allocateFloat32(cOut * oh * oh, true);
      rows.push(`${cIn}→${cOut} ${h}² k${kk} s${s} ${median(() => k.conv2d!(x, w, b, g, y, null, "hardtanh", 0, 6), 20, 15).toFixed(3)} ms`);
    }
    console.log(`${root} convs t${threads}: ${rows.join(", ")}`);
  } else if (what === "activations") {
    startTracking(true);
    const n = 1 << 20, x = allocateFloat32(n, true).map(() => (Math.random() - 0.5) * 20), y = allocateFloat32(n, true);
    // a tree whose kernels lack gelu computes something else under its name, or nothing: checked on 64 values
    const gelu0 = (v: number, tanh: boolean): number => tanh ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
      : 0.5 * v * (1 + erfApprox(v / Math.SQRT2));
    const want = (op: string, v: number): number => (op === "erf" ? erfApprox(v) : gelu0(v, op === "geluTanh"));
    const rows = ["silu", "hardswish", "hardtanh", "gelu", "geluTanh", "erf"].map((op) => {
      if (op.startsWith("gelu") || op === "erf") {
        y.fill(NaN);
        try { k.activation!(op, x, y, 0, 6); } catch { /* judged below */ }
        for (let i = 0; i < 64; i++) {
          if (!(Math.abs(y[i]! - want(op, x[i]!)) <= 1e-4 * (1 + Math.abs(x[i]!)))) return `${op} — (no such kernel in this tree)`;
        }
      }
      return `${op} ${(median(() => k.activation!(op, x, y, 0, 6), 10, 15) / n * 1e6).toFixed(2)} ns`;
    });
    // F.gelu on a tensor of plain (host) arrays, as the op runs it: the kernel, or before it had one, JavaScript
    const ck = await import(`${root}/src/index.ts`) as typeof import("../src/index.js");
    const hx = ck.randn([n]);
    rows.push(`F.gelu on a host tensor ${(median(() => { ck.noGrad(() => ck.F.gelu(hx)); }, 5, 9) / n * 1e6).toFixed(2)} ns`);
    // ONNX's Erf, imported: the erf kernel, or before it had one, JavaScript
    const proto = await import(`${root}/src/io/onnx-proto.ts`) as typeof import("../src/io/onnx-proto.js");
    const io = (shape: number[]) => ({ tensorType: { elemType: proto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } });
    const erfGraph = ck.io.loadOnnx(proto.encodeModel({ irVersion: 8, opsetImport: [{ domain: "", version: 13 }], graph: {
      name: "erf", node: [{ opType: "Erf", input: ["x"], output: ["y"], name: "erf" }], input: [{ name: "x", type: io([n]) }], output: [{ name: "y", type: io([n]) }],
    } }));
    rows.push(`ONNX Erf on a host tensor ${(median(() => { ck.noGrad(() => erfGraph.call(hx)); }, 3, 9) / n * 1e6).toFixed(2)} ns`);
    console.log(`${root} activations t${threads}, per element: ${rows.join(", ")}`);
  } else {
    const net = ck.models.create(what).eval();
    const lenet = what === "lenet5", x = ck.randn(lenet ? [1, 1, 32, 32] : [1, 3, 224, 224]);
    const ms = median(() => void ck.noGrad(() => net.call(x)).data, lenet ? 500 : 1, lenet ? 15 : 25);
    console.log(`${root} ${what} b1 ${lenet ? "32²" : "224²"} t${threads}: median ${lenet ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`}`);
  }
}

if (process.env.AB_TREE) {
  await measure(process.env.AB_TREE, what, Number(threads));
  process.exit(0);
}
if (!treeA || !treeB) throw new Error("usage: bench/ab-trees.ts <tree A> <tree B> [model | depthwise | convs | activations] [threads] [pairs]");
// each measurement in a fresh process (its own wasm memory and JIT state), A and B alternating
for (let p = 0; p < Number(pairs); p++) {
  for (const root of [treeA, treeB]) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), treeA, treeB, what, threads, pairs],
      { env: { ...process.env, AB_TREE: root }, encoding: "utf8" });
    process.stdout.write(r.stdout || r.stderr);
  }
}

/** erf to ~1e-7 (Abramowitz and Stegun 7.1.26): enough to tell a gelu kernel from something else. */
function erfApprox(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x < 0 ? -y : y;
}
