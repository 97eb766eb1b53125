// fit's throughput against the bare training step, measured in one process and interleaved step by step, so that
// both see the same machine load (this 2-core machine is shared: a measurement alternating whole epochs swung by
// ±50 %). LeNet-5, batch 64, SGD with Nesterov momentum and a one-cycle schedule, on the built-in MNIST digits with
// convkit train's augmentation (random rotation, shift and zoom), a run directory with a checkpoint every 50 steps
// and progress lines: what `convkit train lenet5` does in an epoch, validation aside. After each of fit's steps a
// callback runs and times one bare step: a second LeNet-5 with the same optimizer (SGD, Nesterov momentum, weight
// decay), zeroGrad, forward, cross-entropy, backward and step on random batches already in the backend's memory (as
// the loader's batches are), no loop around it; its time is taken out of fit's.
// Run: node --import tsx bench/fit-throughput.ts [epochs=4]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as models from "../src/models/index.js";
import { DataLoader } from "../src/data/loader.js";
import { withTransform } from "../src/data/dataset.js";
import { loadNamedDataset } from "../src/data/node.js";
import { SGD, OneCycleLR } from "../src/optim/index.js";
import { LRSchedule, type FitContext } from "../src/train/fit.js";
import { fit, inputTransforms } from "../src/train/node.js";
import { setupBackend, teardownBackend } from "../src/cli/common.js";
import { randint, randn } from "../src/tensor/creation.js";
import { allocateFloat32 } from "../src/tensor/memory.js";
import { Tensor } from "../src/tensor/tensor.js";
import * as F from "../src/ops/functional.js";

const epochs = Number(process.argv[2] ?? 4);
const backend = await setupBackend("auto");
const ds = loadNamedDataset("mnist");
const tf = inputTransforms(ds, [1, 32, 32], true);
const loader = new DataLoader(withTransform(ds.train, tf.train), { batchSize: 64, shuffle: true, dropLast: true });

const sgd = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
const bareNet = models.lenet5();
const bareOpt = new SGD(bareNet.parameters(), sgd);
// batches where fit's are: in memory the loader owns, the backend's where it has one (read there in place)
const resident = (t: Tensor): Tensor => {
  const data = allocateFloat32(t.size, true);
  data.set(t.data);
  return new Tensor(data, t.shape);
};
const bareBatches = Array.from({ length: 4 }, () => [resident(randn([64, 1, 32, 32])), randint(0, 10, [64])] as const);
const bareStep = (i: number): void => {
  const [x, y] = bareBatches[i % bareBatches.length]!;
  bareOpt.zeroGrad();
  F.crossEntropy(bareNet.call(x), y).backward();
  bareOpt.step();
};
// both warmed up: ten bare steps, and ten of the loader's batches (the data path's first calls compile it, 40–90 ms
// that a measurement of a few epochs would otherwise count in fit's time)
for (let i = 0; i < 10; i++) bareStep(i);
for (let i = 0; i < 10; i++) loader.batch(0, i, undefined, { transient: true });
let bareSeconds = 0, bareSteps = 0, counted = 0;
const perEpoch: { fit: number; bare: number }[] = [];
const probe = {
  onEpochBegin: () => void (counted = 0),
  onBatchEnd: (ctx: FitContext) => {
    // fit counts a callback's time in its next step: none after an epoch's last step
    if (ctx.batch === ctx.stepsPerEpoch) return;
    const t = performance.now();
    bareStep(bareSteps++);
    const s = (performance.now() - t) / 1000;
    bareSeconds += s;
    counted += s;
  },
  onEpochEnd: (_ctx: FitContext, r: { seconds: number }) => {
    perEpoch.push({ fit: (loader.length * 64) / (r.seconds - counted), bare: ((loader.length - 1) * 64) / counted });
  },
};
const net = models.lenet5();
const opt = new SGD(net.parameters(), sgd);
const dir = join(mkdtempSync(join(tmpdir(), "convkit-fit-bench-")), "run");
const res = await fit(net, loader, {
  epochs, optimizer: opt, callbacks: [probe, new LRSchedule(new OneCycleLR(opt, { maxLr: 0.05, totalSteps: epochs * loader.length }), { interval: "step" })],
  dir, checkpointEvery: 50, tty: false, log: () => {},
});
rmSync(dir, { recursive: true, force: true });
const fitSeconds = res.trainSeconds - bareSeconds;
const fitIps = (res.records.length * loader.length * 64) / fitSeconds, bareIps = (bareSteps * 64) / bareSeconds;
perEpoch.forEach((e, i) => console.log(`epoch ${i + 1}: fit ${e.fit.toFixed(0)} img/s, bare step ${e.bare.toFixed(0)} img/s (${((100 * e.fit) / e.bare).toFixed(1)} %)`));
console.log(`${backend} backend, LeNet-5, batch 64, ${res.records.length} epochs of ${loader.length} steps, interleaved: bare step ${bareIps.toFixed(0)} img/s, ` +
  `fit ${fitIps.toFixed(0)} img/s = ${((100 * fitIps) / bareIps).toFixed(1)} % of the bare step`);
await teardownBackend();
