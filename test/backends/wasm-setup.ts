// Preloaded by `npm run test:wasm` (node --import): initialises the wasm backend with 2 threads and selects it, so the
// whole op suite runs on it; CONVKIT_BACKEND=js leaves the reference backend selected.
import { initWasm } from "../../src/backends/wasm/index.js";

if ((process.env.CONVKIT_BACKEND ?? "wasm") === "wasm") {
  await initWasm({ threads: Number(process.env.CONVKIT_THREADS ?? 2) });
}
