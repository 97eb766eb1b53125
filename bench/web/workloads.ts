// The workloads of the WebGPU benchmark (the page of `npm run bench:web`, and bench/webgpu-node.ts) and what each
// implementation under test provides: the S3 and S5 convolutions of bench/shapes.ts (forward; forward with both
// gradients), ResNet-18 inference at batch 1 and 8, a ResNet-18 training step and a LeNet-5 training step (plain SGD,
// lr 0.01, cross-entropy). --quick shrinks every size for a smoke test on a software adapter (SwiftShader), where the
// times say nothing about GPUs; the full sizes are for real GPUs. No Node-only API: the page imports this.
import { SHAPES, geometry, convFlops, MODEL_FLOPS, LENET_FLOPS, type Shape } from "../shapes.js";
import type { Timing } from "../timing.js";

/** One workload; `flops` counts the direct convolution's (2 per multiply-accumulate), a training step as 3 forwards. */
export type Workload =
  | { id: string; kind: "conv"; shape: Shape; grads: boolean; flops: number }
  | { id: string; kind: "infer"; model: "resnet18"; batch: number; side: number; flops: number }
  | { id: string; kind: "train"; model: "resnet18" | "lenet5"; batch: number; side: number; flops: number };

/** How long to time each workload, and at which sizes. */
export interface Settings {
  quick: boolean;
  /** Untimed calls first (pipeline compilation, allocation). */
  warm: number;
  /** Enough timed calls to fill this many seconds (at least 5, or 3 when a call takes over a second). */
  minSeconds: number;
  /** A call slower than this is timed once. */
  maxSeconds: number;
  /** Convolutions run this many times per timed call and read back the last result only: a read-back of the output
   *  (3–6 MB at the full sizes) would otherwise be a large part of a convolution that a GPU does in a fraction of a ms. */
  convCalls: number;
}

export function settings(quick: boolean): Settings {
  // quick: a call over a second (ResNet-18 on SwiftShader) is timed once, after a warm-up call (which compiles the
  // pipelines)
  return quick ? { quick, warm: 1, minSeconds: 0.2, maxSeconds: 1, convCalls: 2 } : { quick, warm: 3, minSeconds: 1, maxSeconds: 30, convCalls: 10 };
}

/** A conv shape at the smoke test's size: an eighth of the channels, a quarter of the side, batch at most 2. */
const tiny = (s: Shape): Shape => ({ ...s, N: Math.min(s.N, 2), Cin: Math.max(1, s.Cin / 8), Cout: Math.max(1, s.Cout / 8), H: s.H / 4, W: s.W / 4 });

/** The workloads in the order they run. */
export function workloads(quick: boolean): Workload[] {
  const out: Workload[] = [];
  for (const name of ["S3", "S5"]) {
    const shape = quick ? tiny(SHAPES[name]!) : SHAPES[name]!;
    const f = convFlops(geometry(shape));
    out.push({ id: `${name} fwd`, kind: "conv", shape, grads: false, flops: f });
    out.push({ id: `${name} fwd+bwd`, kind: "conv", shape, grads: true, flops: 3 * f });
  }
  const side = quick ? 32 : 224;
  // ResNet-18's FLOPs scale with the pixels (its head is 0.03 % of them at 224²)
  const r18 = MODEL_FLOPS.resnet18! * (side / 224) ** 2;
  // the batched row at batch 8, or 2 in the smoke test (where a ResNet-18 call takes seconds on SwiftShader)
  for (const batch of [1, quick ? 2 : 8]) out.push({ id: `resnet18 infer b${batch} ${side}²`, kind: "infer", model: "resnet18", batch, side, flops: batch * r18 });
  const trainBatch = quick ? 2 : 32;
  out.push({ id: `resnet18 train b${trainBatch} ${side}²`, kind: "train", model: "resnet18", batch: trainBatch, side, flops: 3 * trainBatch * r18 });
  out.push({ id: "lenet5 train b64 32²", kind: "train", model: "lenet5", batch: 64, side: 32, flops: 3 * 64 * LENET_FLOPS });
  return out;
}

/** The input shape of a workload, NCHW. */
export function inputShape(w: Workload): [number, number, number, number] {
  if (w.kind === "conv") return [w.shape.N, w.shape.Cin, w.shape.H, w.shape.W];
  return [w.batch, w.model === "lenet5" ? 1 : 3, w.side, w.side];
}

/** Classes of the model's last layer (ImageNet's for ResNet-18, digits for LeNet-5). */
export const classesOf = (model: "resnet18" | "lenet5"): number => (model === "lenet5" ? 10 : 1000);

/** The ONNX file of a workload that an ONNX runtime runs (forward only: convolutions and inference), else null. */
export function onnxName(w: Workload): string | null {
  if (w.kind === "conv" && !w.grads) return `conv-${w.shape.N}x${w.shape.Cin}x${w.shape.H}x${w.shape.W}-${w.shape.Cout}k${w.shape.k}s${w.shape.s}p${w.shape.p}.onnx`;
  if (w.kind === "infer") return `${w.model}-b${w.batch}-${w.side}.onnx`;
  return null;
}

/** One implementation's set-up of one workload. */
export interface Prepared {
  /** Runs the workload `calls` times and resolves when the last result is back in JavaScript (the sync point: GPU
   *  work is queued and only known to be done when something is read). */
  run(): Promise<unknown>;
  calls: number;
  /** Frees what prepare made (tensors, sessions, buffers). */
  release(): void | Promise<void>;
  /** What the last run did, where the implementation can tell (convkit: dispatches, submits, compilations). */
  note?(): string;
}

/** An implementation under test: convkit's webgpu backend, a TF.js backend, onnxruntime-web's WebGPU provider. */
export interface Impl {
  name: string;
  /** Opens its device; throws an Error of one line saying why it cannot. Resolves to what it runs on (adapter…). */
  init(): Promise<string>;
  supports(w: Workload): boolean;
  prepare(w: Workload, s: Settings): Promise<Prepared>;
}

/** One row of the results: a workload on one implementation, timed or unavailable (and why, in one line). */
export interface Row {
  workload: string;
  impl: string;
  /** Median ms per call; null when unavailable. */
  ms: number | null;
  minMs?: number;
  /** Timed samples (each `calls` calls). */
  reps?: number;
  gflops?: number;
  /** convkit's median ÷ this peer's (< 1: convkit faster); on peers' rows where convkit's row was timed. */
  ratio?: number;
  unavailable?: string;
  /** Prepared.note after the timed calls. */
  note?: string;
  /** Milliseconds of prepare (building the model, a session) and of the warm-up calls (compilation included). */
  prepareMs?: number;
  warmMs?: number;
}

/** The first line of an error's message (the reason a row is unavailable). */
export function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split("\n").find((l) => l.trim() !== "") ?? "unknown error").trim().slice(0, 300);
}

/**
 * Median and minimum ms of `fn` after `s.warm` calls, as bench/timing.ts times (at least 5 calls and minSeconds, or 3
 * when a call takes over a second; at most 50), except that the estimating call is a sample too: a call slower than
 * maxSeconds is timed once — the smoke test's ResNet-18 rows on SwiftShader take two calls, not three.
 */
export async function timeCalls(fn: () => Promise<unknown>, s: Settings): Promise<Timing & { warmMs: number }> {
  const w0 = performance.now();
  for (let i = 0; i < s.warm; i++) await fn();
  const warmMs = performance.now() - w0;
  const ts: number[] = [];
  const start = performance.now();
  for (;;) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
    const first = ts[0]! / 1e3;
    if (first > s.maxSeconds || ts.length >= 50) break;
    if (ts.length >= (first > 1 ? 3 : 5) && performance.now() - start >= s.minSeconds * 1e3) break;
  }
  ts.sort((a, b) => a - b);
  return { median: ts[ts.length >> 1]!, min: ts[0]!, reps: ts.length, warmMs };
}

/** Times every workload on every implementation, in that order (one implementation's device at a time), and fills in
 *  the ratios against `convkit` (the implementation of that name). `log` gets one line per row as it is measured. */
export async function runAll(impls: Impl[], ws: Workload[], s: Settings, log: (line: string) => void, convkit = "convkit webgpu"): Promise<{ rows: Row[]; devices: Record<string, string> }> {
  const rows: Row[] = [];
  const devices: Record<string, string> = {};
  for (const impl of impls) {
    let down: string | null = null;
    try {
      devices[impl.name] = await impl.init();
      log(`# ${impl.name}: ${devices[impl.name]}`);
    } catch (e) {
      down = reason(e);
      devices[impl.name] = `unavailable: ${down}`;
    }
    for (const w of ws) {
      if (!impl.supports(w)) continue;
      let row: Row = { workload: w.id, impl: impl.name, ms: null, unavailable: down ?? "" };
      if (!down) {
        let p: Prepared | null = null;
        try {
          const t0 = performance.now();
          p = await impl.prepare(w, s);
          const prepareMs = performance.now() - t0;
          const t = await timeCalls(() => p!.run(), s);
          const ms = t.median / p.calls;
          const note = p.note?.();
          row = { workload: w.id, impl: impl.name, ms, minMs: t.min / p.calls, reps: t.reps, gflops: w.flops / ms / 1e6, ...(note ? { note } : {}), prepareMs, warmMs: t.warmMs };
        } catch (e) {
          row = { workload: w.id, impl: impl.name, ms: null, unavailable: reason(e) };
        } finally {
          try { await p?.release(); } catch { /* a failed run may leave nothing to free */ }
        }
      }
      rows.push(row);
      log(`${formatRow(row)}${row.prepareMs !== undefined ? `   [prepare ${(row.prepareMs / 1e3).toFixed(1)} s, warm-up ${(row.warmMs! / 1e3).toFixed(1)} s]` : ""}`);
    }
  }
  for (const r of rows) {
    const mine = rows.find((m) => m.impl === convkit && m.workload === r.workload);
    if (r.impl !== convkit && r.ms !== null && mine?.ms) r.ratio = mine.ms / r.ms;
  }
  return { rows, devices };
}

const WL = 24, IM = 20;
const gf = (g: number) => g.toFixed(g < 1 ? 3 : 1);

/** One row as a line of the table. */
export function formatRow(r: Row): string {
  const head = `${r.workload.padEnd(WL)} ${r.impl.padEnd(IM)}`;
  if (r.ms === null) return `${head} unavailable: ${r.unavailable}`;
  const f = (v: number) => (v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(2) : v.toFixed(0));
  return `${head} ${f(r.ms).padStart(10)} ${f(r.minMs ?? r.ms).padStart(10)} ${String(r.reps ?? "").padStart(5)} ${gf(r.gflops ?? 0).padStart(9)}${r.ratio !== undefined ? `   ×${r.ratio.toFixed(2)}` : ""}${r.note ? `   (${r.note})` : ""}`;
}

/** The rows as a table: median and minimum ms per call, samples, GFLOP/s, and convkit ÷ peer. */
export function formatTable(rows: Row[]): string {
  const lines = [`${"workload".padEnd(WL)} ${"implementation".padEnd(IM)} ${"median ms".padStart(10)} ${"min ms".padStart(10)} ${"reps".padStart(5)} ${"GFLOP/s".padStart(9)}   convkit/peer (< 1: convkit faster)`];
  let last = "";
  for (const r of rows.slice().sort((a, b) => order(rows, a) - order(rows, b))) {
    if (last && r.workload !== last) lines.push("");
    last = r.workload;
    lines.push(formatRow(r));
  }
  return lines.join("\n");
}
/** Rows grouped by workload, in the order the workloads first appear, each group in the order measured. */
const order = (rows: Row[], r: Row): number => rows.findIndex((x) => x.workload === r.workload) * rows.length + rows.indexOf(r);

/**
 * The targets of issue 14, read from the rows (they mean something only on a real GPU): the S3 convolution at ≥ 50 %
 * of the GPU's fp32 peak (when the peak is given: WebGPU does not tell it), the ResNet-18 training step ≥ 2× TF.js
 * webgpu (convkit/peer ≤ 0.5), ResNet-18 inference ≥ onnxruntime-web webgpu (convkit/peer ≤ 1).
 */
export function targets(rows: Row[], peakGflops?: number): string[] {
  const out: string[] = [];
  for (const r of rows.filter((x) => x.impl.startsWith("convkit") && x.workload === "S3 fwd" && x.ms !== null)) {
    out.push(peakGflops
      ? `S3 forward: ${gf(r.gflops!)} GFLOP/s = ${((100 * r.gflops!) / peakGflops).toPrecision(2)} % of the fp32 peak ${peakGflops} GFLOP/s (target ≥ 50 %): ${r.gflops! >= peakGflops / 2 ? "met" : "not met"}`
      : `S3 forward: ${gf(r.gflops!)} GFLOP/s (target ≥ 50 % of the GPU's fp32 peak: give it with --peak-gflops=N)`);
  }
  const vs = (pre: string, peer: string, limit: number, what: string) => {
    for (const r of rows.filter((x) => x.workload.startsWith(pre) && x.impl === peer)) {
      out.push(r.ratio === undefined ? `${r.workload} against ${peer}: no ratio (${r.ms === null ? `${peer} unavailable` : "no convkit time"})`
        : `${r.workload}: convkit/${peer} ×${r.ratio.toFixed(2)} (target ≤ ${limit}: ${what}): ${r.ratio <= limit ? "met" : "not met"}`);
    }
  };
  vs("resnet18 train", "tfjs webgpu", 0.5, "twice as fast as TF.js webgpu");
  vs("resnet18 infer", "ort-web webgpu", 1, "as fast as onnxruntime-web webgpu");
  return out;
}
