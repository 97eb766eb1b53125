// Renders the JSON of `npm run bench -- --json` as the markdown tables of BENCHMARKS.md.
// usage: node --import tsx bench/report.ts bench.json
import { readFileSync } from "node:fs";

interface Row { workload: string; impl: string; ms: number | null; minMs?: number; gflops?: number; peakShare?: number; note?: string; imgPerS?: number; copyShare?: number }
interface Result {
  machine: Record<string, unknown>;
  peaks: Record<string, { gflops: number } | null>;
  peers?: Record<string, Record<string, unknown>>;
  rows: Row[];
  summary: Record<string, { best: string; ms: number; ratios: Record<string, number> }>;
}
const text = readFileSync(process.argv[2]!, "utf8");
const r = JSON.parse(text.slice(text.indexOf("\n{") + 1 || 0)) as Result; // skips npm's banner, if any
const out: string[] = [];
out.push(`Machine: ${JSON.stringify(r.machine)}`, "");
if (r.peers) out.push(`Peers: ${Object.entries(r.peers).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")}`, "");
out.push("WebAssembly SIMD peak measured in the same run (12 accumulators, best of 5): " +
  Object.entries(r.peaks).map(([k, v]) => `${k} ${v ? v.gflops.toFixed(1) : "n/a"} GFLOP/s`).join(", "),
  "GFLOP/s count the direct convolution's FLOPs (3×3 convolutions run as Winograd transforms with 2.25–4× fewer multiplications, so their share of the peak can pass 100%).", "");
const workloads = [...new Set(r.rows.map((x) => x.workload))];
const impls = [...new Set(r.rows.map((x) => x.impl))];
out.push(`| workload | ${impls.join(" | ")} |`, `|---|${impls.map(() => "---").join("|")}|`);
for (const wl of workloads) {
  const cells = impls.map((im) => {
    const x = r.rows.find((y) => y.workload === wl && y.impl === im);
    if (!x) return "";
    if (x.ms === null) return x.note ?? "–";
    if (x.imgPerS !== undefined) return `${x.imgPerS.toFixed(0)} img/s`;
    const g = x.gflops !== undefined ? ` (${x.gflops.toFixed(1)})` : "";
    const p = x.peakShare !== undefined ? ` ${(100 * x.peakShare).toFixed(0)}%` : "";
    return `${x.ms < 10 ? x.ms.toFixed(2) : x.ms.toFixed(1)}${g}${p}${x.note ? ` (${x.note})` : ""}`;
  });
  out.push(`| ${wl} | ${cells.join(" | ")} |`);
}
out.push("", "Copy share of the wasm kernel time (copies in/out of the wasm memory ÷ whole kernel calls):", "");
out.push("| workload | impl | copy share |", "|---|---|---|");
for (const x of r.rows) if (x.copyShare !== undefined) out.push(`| ${x.workload} | ${x.impl} | ${(100 * x.copyShare).toFixed(1)}% |`);
out.push("", "Best convkit wasm configuration against each other implementation (peer ms ÷ convkit ms; > 1 = convkit faster):", "");
out.push("| workload | best convkit | ms | ratios |", "|---|---|---|---|");
for (const [wl, s] of Object.entries(r.summary))
  out.push(`| ${wl} | ${s.best} | ${s.ms.toFixed(2)} | ${Object.entries(s.ratios).map(([k, v]) => `${k} ×${v.toFixed(2)}`).join(", ")} |`);
console.log(out.join("\n"));
