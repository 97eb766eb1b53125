// Where a zoo model's batch-1 inference spends its time outside and inside the kernels: a V8 CPU profile of the steady
// state (after warm-up), summed by function (self time, and time including callees for the functions matching a
// pattern), per inference. `node --experimental-wasm-relaxed-simd --import tsx bench/profile-cpu.ts [model]
// [threads] [runs] [pattern]`, e.g. `… shufflenet_v2_x1_0 1 100 copyStrided` for the strided copies; model
// `onnx:<file>` profiles an ONNX file run by io.loadOnnx instead.
import { readFileSync } from "node:fs";
import { Session } from "node:inspector";
import { initWasm } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { randn } from "../src/tensor/creation.js";
import { loadOnnx } from "../src/io/onnx-import.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const name = process.argv[2] ?? "shufflenet_v2_x1_0", threads = Number(process.argv[3] ?? 1), runs = Number(process.argv[4] ?? 100);
const pattern = process.argv[5] ? new RegExp(process.argv[5]) : null;
await initWasm({ threads, relaxed: true });
// "onnx:<file>": an ONNX file (torchvision's exports: bench/make_onnx.py --mobile) as io.loadOnnx runs it
const net = name.startsWith("onnx:") ? loadOnnx(new Uint8Array(readFileSync(name.slice(5)))) as unknown as Module<[Tensor], Tensor>
  : models.create(name) as unknown as Module<[Tensor], Tensor>;
net.eval();
const x = randn([1, 3, 224, 224]);
const infer = (): void => { void noGrad(() => net.call(x)).data; };
for (let i = 0; i < 20; i++) infer();
const session = new Session();
session.connect();
const post = (method: string, params: object = {}): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
await post("Profiler.enable");
await post("Profiler.setSamplingInterval", { interval: 100 });
await post("Profiler.start");
const t0 = performance.now();
for (let i = 0; i < runs; i++) infer();
const ms = (performance.now() - t0) / runs;
const { profile } = await post("Profiler.stop") as { profile: Profile };

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// (tsx's transformed sources report line 0: the file alone then)
const key = (n: ProfileNode): string => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}${n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : ""}`;
const self = new Map<string, number>(), total = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  const k = key(byId.get(id)!);
  self.set(k, (self.get(k) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const c = key(byId.get(cur)!);
    if (!seen.has(c)) { seen.add(c); total.set(c, (total.get(c) ?? 0) + us); }
  }
});
const show = (m: Map<string, number>, title: string, n: number): void => {
  console.log(`--- ${title} (ms per inference)`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${(us / 1000 / runs).toFixed(3).padStart(8)}  ${k}`);
};
console.log(`${name} b1 224² t${threads}: ${ms.toFixed(2)} ms an inference while profiled (${runs} runs)`);
show(self, "self time", 25);
if (pattern) show(new Map([...total].filter(([k]) => pattern.test(k))), `including callees, functions matching ${pattern}`, 15);
process.exit(0);
