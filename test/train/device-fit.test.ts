// fit with a run directory while the model and optimizer live on a device, here the 'sim' stand-in
// (test/helpers/sim-device.ts: values read only asynchronously, as a GPU's). The checkpoint callbacks are synchronous,
// so each checkpoint is a snapshot taken at its step and written once its values are read back: the file holds that
// step's weights and optimizer state even though training went on meanwhile, everything is on disk when fit settles
// (a stop's checkpoint included), and a run stopped mid-epoch resumes on the device to exactly the uninterrupted run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { F, Generator, hostStateDict, nn, optim, tensor, type Tensor } from "../../src/index.js";
import type { Dataset, Sample } from "../../src/data/dataset.js";
import type { FitContext } from "../../src/train/fit.js";
import type { OptimizerState } from "../../src/optim/optimizer.js";
import { fit, InterruptedError, readMetrics } from "../../src/train/node.js";
import { decodeCheckpoint, type Checkpoint } from "../../src/train/checkpoint.js";
import { onSim, useSimDevice } from "../helpers/sim-device.js";

useSimDevice();

const tmp = (p: string): string => join(mkdtempSync(join(tmpdir(), `convkit-device-fit-${p}-`)), "run");
const checkpoint = (bytes: Uint8Array): Checkpoint => decodeCheckpoint(bytes);
const noTime = (dir: string) => readMetrics(join(dir, "metrics.jsonl")).map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r);

/** 8×8 images of a horizontal (class 0) or vertical (class 1) bar over faint noise. */
class Bars implements Dataset {
  readonly classes = ["horizontal", "vertical"];
  constructor(readonly length: number, private readonly salt: number) {}
  get(i: number): Sample {
    const g = new Generator(i * 7919 + this.salt);
    const label = i % 2, at = 1 + g.int(6);
    const px = new Float32Array(64).map(() => 0.1 * g.random());
    for (let k = 0; k < 8; k++) px[label === 0 ? at * 8 + k : k * 8 + at] = 0.8;
    return { image: tensor(px, [1, 8, 8]), label };
  }
}

/** conv → batch norm (whose running stats change in every training forward) → ReLU → pool → linear. */
function makeNet(seed: number): nn.Sequential {
  const generator = new Generator(seed);
  return new nn.Sequential(new nn.Conv2d(1, 4, 3, { generator }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(4 * 3 * 3, 2, { generator }));
}

const trainSet = new Bars(96, 1), valSet = new Bars(32, 2);
// 6 steps an epoch; a checkpoint every 3 steps and at each epoch's end
const OPTS = { epochs: 2, batchSize: 16, validation: valSet, seed: 3, checkpointEvery: 3, progress: false } as const;

/** A model, its optimizer, and a callback that records the state at step 3 (as the checkpoint there is taken) and
 *  the file on disk at step 5, and asks for a stop at `stopAt` (epoch, batch). */
function setup(seed: number, dir: string, stopAt?: [number, number]) {
  const net = makeNet(seed);
  const opt = new optim.RMSprop(net.parameters(), { lr: 0.01, momentum: 0.9, centered: true });
  const stop = new AbortController();
  const seen: { atStep3?: Promise<[Map<string, Tensor>, OptimizerState]>; fileAtStep5?: Uint8Array } = {};
  const probe = {
    onBatchEnd(ctx: FitContext): void {
      if (ctx.step === 3) seen.atStep3 = Promise.all([hostStateDict(ctx.model), ctx.optimizer.stateDictAsync()]);
      if (ctx.step === 5) seen.fileAtStep5 = new Uint8Array(readFileSync(join(dir, "last.safetensors")));
      if (stopAt && ctx.epoch === stopAt[0] && ctx.batch === stopAt[1]) stop.abort();
    },
  };
  return { net, opt, seen, run: (resume = false) => fit(net, trainSet, { ...OPTS, optimizer: opt, callbacks: [probe], dir, resume, signal: stop.signal }) };
}

/** The checkpoint holds exactly these weights and optimizer buffers. */
function assertHolds(ck: Checkpoint, model: Map<string, Tensor>, optimizer: OptimizerState, label: string): void {
  for (const [k, t] of model) assert.deepEqual([...ck.model.get(k)!.data], [...t.data], `${label}: weights ${k}`);
  for (const [i, s] of Object.entries(optimizer.state)) {
    for (const [k, v] of Object.entries(s)) if (typeof v !== "number") assert.deepEqual([...ck.optimizerBuffers[Number(i)]![k]!], [...v], `${label}: optimizer ${i}.${k}`);
  }
}

test("fit's checkpoints on the device: snapshots of their step written once read back; a stop mid-epoch resumes there to exactly the uninterrupted run", async () => {
  await onSim(async () => {
    const straightDir = tmp("straight");
    const straight = setup(5, straightDir);
    const whole = await straight.run();
    assert.ok(straight.net.parameters().next().value!.isOnDevice, "trained on the device");
    // the last checkpoint, on disk once fit settled: the final weights and optimizer state
    assertHolds(checkpoint(new Uint8Array(readFileSync(join(straightDir, "last.safetensors")))), await hostStateDict(straight.net), await straight.opt.stateDictAsync(), "last");
    assert.ok(existsSync(join(straightDir, "best.safetensors")));
    // step 3's checkpoint, read from disk at step 5: step 3's state (training's forwards had moved batch norm's
    // running stats by the time it was written)
    const at5 = checkpoint(straight.seen.fileAtStep5!);
    assert.equal(at5.meta.step, 3);
    const [model3, opt3] = await straight.seen.atStep3!;
    assertHolds(at5, model3, opt3, "step 3");

    // stopped in the second epoch after its second batch: the checkpoint at that boundary is on disk when fit rejects
    const stoppedDir = tmp("stopped");
    await assert.rejects(setup(5, stoppedDir, [2, 2]).run(), (e: unknown) => {
      assert.ok(e instanceof InterruptedError, String(e));
      assert.match(e.message, /^interrupted at epoch 2 step 8 \(batch 2\/6 of the epoch\); checkpoint saved to /);
      return true;
    });
    assert.equal(checkpoint(new Uint8Array(readFileSync(join(stoppedDir, "last.safetensors")))).meta.step, 8);
    // a new model and optimizer (another initialisation), resumed on the device
    const resumed = setup(99, stoppedDir);
    const r = await resumed.run(true);
    const [want, got] = [await hostStateDict(straight.net), await hostStateDict(resumed.net)];
    for (const [k, t] of want) assert.deepEqual([...got.get(k)!.data], [...t.data], `weights ${k}`);
    assert.deepEqual(r.stepLosses, whole.stepLosses);
    assert.deepEqual(noTime(stoppedDir), noTime(straightDir));
  });
});
