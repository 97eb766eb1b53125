// The playground's backend: starts convkit's WebAssembly backend (SIMD; threads when the page is cross-origin
// isolated), lets the page switch between it and the plain-JavaScript reference kernels, and times one convolution.
import { F, Generator, getBackend, listBackends, randn, setBackend, wasm, type Tensor } from "../src/index.js";
import { $, type Select } from "./dom.js";

export interface TimingResult {
  backend: string;
  ms: number;
  gflops: number;
}

export class BackendSection {
  private readonly select = $<Select>("backend");

  constructor(private readonly onChange: () => void) {
    this.select.addEventListener("change", () => {
      setBackend(this.select.value);
      this.showStatus();
      this.onChange();
    });
    $<HTMLButtonElement>("time-conv").addEventListener("click", () => { this.timeConv(); });
  }

  /** Starts the wasm backend with its threads and makes it the page's backend (convkit's default wherever
   *  WebAssembly SIMD exists); the user can switch to the reference kernels. */
  async init(): Promise<void> {
    const info = $("wasm-info");
    try {
      const w = await wasm.initWasm();
      info.textContent = `wasm backend ready: SIMD ${w.simd ? "yes" : "no"}, relaxed SIMD ${w.relaxed ? "yes" : "no"}, ` +
        `${w.threads} thread${w.threads === 1 ? "" : "s"}, shared memory ${w.sharedMemory ? "yes" : "no"} ` +
        `(cross-origin isolated: ${globalThis.crossOriginIsolated ? "yes" : "no"}).`;
    } catch (e) {
      info.textContent = `wasm backend unavailable: ${(e as Error).message}. Using the JavaScript kernels.`;
    }
    this.select.replaceChildren(...listBackends().map((b) => new Option(b, b)));
    this.select.value = getBackend().name;
    this.showStatus();
  }

  private showStatus(): void {
    const status = $("backend-status");
    status.textContent = `convkit backend in use: ${getBackend().name} (available: ${listBackends().join(", ")})`;
    status.dataset["backend"] = getBackend().name;
  }

  /** Times conv2d [1,16,64,64] ⊛ [32,16,3,3] ('same') on every backend; the page's backend is restored afterwards. */
  timeConv(): TimingResult[] {
    const generator = new Generator(1);
    const x = randn([1, 16, 64, 64], { generator });
    const w = randn([32, 16, 3, 3], { generator });
    const macs = 32 * 16 * 9 * 64 * 64;
    const chosen = getBackend().name;
    const results: TimingResult[] = [];
    const outputs: Tensor[] = [];
    for (const name of listBackends()) {
      setBackend(name);
      outputs.push(F.conv2d(x, w, null, { padding: 1 })); // warm-up (and the result to compare)
      const reps = 5;
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) F.conv2d(x, w, null, { padding: 1 });
      const ms = (performance.now() - t0) / reps;
      results.push({ backend: name, ms, gflops: (2 * macs) / (ms * 1e6) });
    }
    setBackend(chosen);
    let diff = 0;
    for (const o of outputs.slice(1)) for (let i = 0; i < o.size; i++) diff = Math.max(diff, Math.abs(o.data[i]! - outputs[0]!.data[i]!));
    const el = $("timing");
    el.textContent = `conv2d [1,16,64,64] with 32 filters 3 × 3 (${(macs / 1e6).toFixed(1)} M multiply-adds): ` +
      results.map((r) => `${r.backend} ${r.ms.toFixed(2)} ms (${r.gflops.toFixed(2)} GFLOP/s)`).join(" · ") +
      (outputs.length > 1 ? ` · largest difference between backends ${diff.toExponential(1)}` : "");
    el.dataset["results"] = JSON.stringify(results);
    return results;
  }
}
