// Child process of default-backend.test.ts: computes without choosing a backend and reports which one ran.
import { F, Generator, randn, getBackend, setBackend, wasm } from "../../src/index.js";
const g = new Generator(1);
const x = randn([2, 3, 9, 9], { generator: g }), w = randn([4, 3, 3, 3], { generator: g });
const first = F.conv2d(x, w, null, { padding: 1 });
const report = { backend: getBackend().name, threads: wasm.wasmInfo().threads };
setBackend("js");
const ref = F.conv2d(x, w, null, { padding: 1 });
let diff = 0;
for (let i = 0; i < ref.size; i++) diff = Math.max(diff, Math.abs(ref.data[i] - first.data[i]));
if (process.argv.includes("threads")) { await wasm.initWasm({ threads: 2 }); Object.assign(report, { after: getBackend().name, afterThreads: wasm.wasmInfo().threads }); }
console.log(JSON.stringify({ ...report, diff }));
