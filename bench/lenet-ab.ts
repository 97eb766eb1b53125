// LeNet-5 training steps (b64, SGD momentum, crossEntropy, wasm with 2 threads) of the convkit source tree at <root>:
// for A/B timings of two trees in one sitting (a git worktree of the older commit beside this one), run alternately:
//   node --experimental-wasm-relaxed-simd --import tsx bench/lenet-ab.ts /tmp/old; … bench/lenet-ab.ts $PWD
const root = process.argv[2]!;
const ck = await import(`${root}/src/index.ts`);
const { initWasm } = await import(`${root}/src/backends/wasm/index.ts`);
await initWasm({ threads: 2 });
const { Generator, models, optim, F, tensor, randn } = ck;
const model = new models.LeNet5({ generator: new Generator(1) });
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = randn([64, 1, 32, 32]);
const labels = tensor(Array.from({ length: 64 }, (_, k) => k % 10));
const step = (): void => { opt.zeroGrad(); const l = F.crossEntropy(model.call(x), labels); l.backward(); opt.step(); };
for (let i = 0; i < 30; i++) step();
await new Promise((r) => setTimeout(r, 0));
const times: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 60; i++) step();
  times.push((performance.now() - t0) / 60);
  await new Promise((r) => setTimeout(r, 0));
}
times.sort((a, b) => a - b);
console.log(`${root}: median ${times[2]!.toFixed(3)} ms/step = ${(64000 / times[2]!).toFixed(0)} img/s`);
process.exit(0);
