// The playground's backend: starts convkit's WebAssembly backend (SIMD; threads when the page is cross-origin
// isolated) and, where the browser has WebGPU, the 'webgpu' backend; lets the page switch between them and the
// plain-JavaScript reference kernels (the page's own computations and the lab worker's training move together), and
// times one convolution on each. wasm stays the default: a real GPU is worth picking, a software WebGPU (SwiftShader,
// as in headless browsers) is far slower than the CPU's kernels.
import { F, Generator, getBackend, listBackends, randn, setBackend, Tensor, wasm, type DataArray } from "../src/index.js";
import { initWebGPUBackend } from "../src/backends/webgpu/index.js";
import { $, type Select } from "./dom.js";
import type { LabClient } from "./lab-client.js";

export interface TimingResult {
  backend: string;
  ms: number;
  gflops: number;
}

export class BackendSection {
  private readonly select = $<Select>("backend");
  /** Where the lab trains, as it last said, and why it did not follow the page's last choice (if it did not). */
  private lab = { backend: "", refused: "" };

  constructor(private readonly labClient: LabClient, private readonly onChange: () => void) {
    this.select.addEventListener("change", () => { void this.use(this.select.value); });
    $<HTMLButtonElement>("time-conv").addEventListener("click", () => {
      this.timeConv().catch((e: unknown) => { $("timing").textContent = `Timing failed: ${(e as Error).message}`; });
    });
    labClient.on("ready", (m) => {
      this.lab.backend = m.env.backend;
      this.showStatus();
    });
    labClient.on("env", (m) => {
      this.lab.backend = m.env.backend;
      this.showStatus();
    });
  }

  /** Starts the wasm backend with its threads and makes it the page's backend (convkit's default wherever
   *  WebAssembly SIMD exists); opens the GPU where the browser has WebGPU (offered, not selected). */
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
    const gpuInfo = $("webgpu-info");
    if (!("gpu" in navigator)) {
      gpuInfo.textContent = "webgpu backend unavailable: this browser has no WebGPU (navigator.gpu).";
    } else {
      try {
        const { adapter } = await initWebGPUBackend({ select: false });
        const software = adapter.architecture === "swiftshader";
        gpuInfo.textContent = `webgpu backend ready: adapter ${[adapter.vendor, adapter.architecture].filter(Boolean).join(" ") || "(unnamed)"}` +
          (software ? " — SwiftShader, WebGPU emulated on the CPU: far slower than wasm, for testing." : ". Pick it above to compute on the GPU.");
        gpuInfo.dataset["adapter"] = adapter.architecture;
      } catch (e) {
        gpuInfo.textContent = `webgpu backend unavailable: ${(e as Error).message.replace(/^webgpu: /, "")}`;
      }
    }
    this.select.replaceChildren(...listBackends().map((b) => new Option(b, b)));
    this.select.value = getBackend().name;
    this.showStatus();
  }

  /** Makes `name` the page's backend and asks the lab to move there too (its models go with their weights). */
  private async use(name: string): Promise<void> {
    setBackend(name);
    this.lab.refused = "";
    this.showStatus();
    this.onChange();
    try {
      await this.labClient.backend(name);
    } catch (e) {
      this.lab.refused = (e as Error).message;
    }
    this.showStatus();
  }

  private showStatus(): void {
    const status = $("backend-status");
    const page = getBackend().name;
    const lab = this.lab.backend;
    status.textContent = `convkit backend in use: ${page} (available: ${listBackends().join(", ")})` +
      (lab === "" ? "" : lab === page ? "; the lab trains there too" : `; the lab trains on ${lab}`) +
      (this.lab.refused ? ` (it could not move to ${page}: ${this.lab.refused})` : "") + ".";
    status.dataset["backend"] = page;
    status.dataset["lab"] = lab;
  }

  /**
   * Times conv2d [1,16,64,64] ⊛ [32,16,3,3] ('same') on every backend from the same values; the page's backend is
   * restored afterwards. A GPU runs its kernels when something is read: its time ends with the read of the last output
   * (the CPU's kernels are done when the call returns).
   */
  async timeConv(): Promise<TimingResult[]> {
    const el = $("timing");
    el.textContent = "Timing…";
    delete el.dataset["results"];
    const generator = new Generator(1);
    const x = randn([1, 16, 64, 64], { generator }).values();
    const w = randn([32, 16, 3, 3], { generator }).values();
    const macs = 32 * 16 * 9 * 64 * 64;
    const chosen = getBackend().name;
    const results: TimingResult[] = [];
    const outputs: DataArray[] = [];
    try {
      for (const name of listBackends()) {
        setBackend(name);
        // tensors of their own on each backend: an op on the GPU moves its operands' memory there
        const xt = new Tensor(x.slice(), [1, 16, 64, 64]), wt = new Tensor(w.slice(), [32, 16, 3, 3]);
        outputs.push(await F.conv2d(xt, wt, null, { padding: 1 }).valuesAsync()); // warm-up (and the result to compare)
        const reps = 5;
        const t0 = performance.now();
        let y: Tensor | null = null;
        for (let r = 0; r < reps; r++) y = F.conv2d(xt, wt, null, { padding: 1 });
        if (y!.isOnDevice) await y!.valuesAsync();
        const ms = (performance.now() - t0) / reps;
        results.push({ backend: name, ms, gflops: (2 * macs) / (ms * 1e6) });
      }
    } finally {
      setBackend(chosen);
    }
    let diff = 0;
    for (const o of outputs.slice(1)) for (let i = 0; i < o.length; i++) diff = Math.max(diff, Math.abs(o[i]! - outputs[0]![i]!));
    el.textContent = `conv2d [1,16,64,64] with 32 filters 3 × 3 (${(macs / 1e6).toFixed(1)} M multiply-adds): ` +
      results.map((r) => `${r.backend} ${r.ms.toFixed(2)} ms (${r.gflops.toFixed(2)} GFLOP/s)`).join(" · ") +
      (outputs.length > 1 ? ` · largest difference between backends ${diff.toExponential(1)}` : "");
    el.dataset["results"] = JSON.stringify(results);
    return results;
  }
}
