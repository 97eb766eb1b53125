// Kill a training process mid-epoch (SIGKILL) and resume it: the checkpoint on disk is intact, and the resumed run
// ends with exactly the weights and metrics of an uninterrupted run with the same seed. Stop one with Ctrl-C
// (SIGINT) and SIGTERM: it saves a checkpoint at the step, says where and how to resume, exits 130/143, and the
// resumed run ends the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convkit, convkitChild, tempDir, type Result } from "../cli/helpers.js";
import { decodeCheckpoint } from "../../src/train/checkpoint.js";
import { LOCK_FILE, readMetrics } from "../../src/train/node.js";

const ARGS = ["train", "lenet5", "--epochs", "2", "--limit-train", "640", "--limit-test", "64", "--batch-size", "32", "--checkpoint-every", "3"];

function readCheckpoint(path: string): ReturnType<typeof decodeCheckpoint> | null {
  try {
    return decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
  } catch {
    return null; // not there yet
  }
}

const noTime = (dir: string) => readMetrics(join(dir, "metrics.jsonl")).map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r);

/** The uninterrupted run both tests compare with (trained once). */
let straightRun: string | null = null;
function straight(): string {
  if (!straightRun) {
    straightRun = join(tempDir("straight"), "run");
    const ref = convkit([...ARGS, "--out", straightRun]);
    assert.equal(ref.code, 0, ref.stderr);
  }
  return straightRun;
}

/** The run in `dir` ended with exactly the straight run's weights, optimizer state and metrics. */
function assertSameAsStraight(dir: string): void {
  const a = decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "last.safetensors"))));
  const b = decodeCheckpoint(new Uint8Array(readFileSync(join(straight(), "last.safetensors"))));
  assert.equal(a.meta.step, 40);
  for (const [k, t] of b.model) assert.deepEqual([...a.model.get(k)!.data], [...t.data], `weights ${k}`);
  for (const [i, s] of Object.entries(b.optimizerBuffers)) for (const [k, v] of Object.entries(s)) assert.deepEqual([...a.optimizerBuffers[Number(i)]![k]!], [...v], `optimizer ${i}.${k}`);
  assert.deepEqual(noTime(dir), noTime(straight()));
  // every step's loss, those before the stop read back from the run's steps.csv
  const steps = readFileSync(join(dir, "steps.csv"), "utf8");
  assert.equal(steps.trim().split("\n").length, 1 + 40);
  assert.equal(steps, readFileSync(join(straight(), "steps.csv"), "utf8"));
}

test("SIGKILL mid-epoch, then --resume, equals an uninterrupted run", async () => {
  const dir = tempDir("resume");
  const killed = join(dir, "killed");
  const child = convkitChild([...ARGS, "--out", killed]);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  // wait until a mid-epoch checkpoint of the second epoch exists, then kill without warning
  let seen: { epoch: number; batch: number; step: number } | null = null;
  while (!done) {
    const ck = readCheckpoint(join(killed, "last.safetensors"));
    if (ck && ck.meta.epoch === 1 && ck.meta.batch > 0) {
      child.kill("SIGKILL");
      seen = ck.meta;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await exited;
  assert.ok(seen, `the run ended before a mid-epoch checkpoint was seen: ${stderr}`);
  const onDisk = readCheckpoint(join(killed, "last.safetensors"));
  assert.ok(onDisk, "the checkpoint left by the killed process is readable");
  assert.equal(onDisk.meta.epoch, 1);
  assert.ok(onDisk.meta.step >= seen.step && onDisk.meta.step < 40, `killed at step ${onDisk.meta.step}`);

  const resumed = convkit([...ARGS, "--out", killed, "--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming lenet5 on mnist from .*: epoch 2\/2, batch \d+\/20/);
  // the killed process left its lock behind: the next run finds its process gone and takes the lock over
  assert.match(resumed.stdout, /^note: .*train\.lock was left by pid \d+ .*which is no longer running; taking .* over$/m);
  assert.ok(!existsSync(join(killed, LOCK_FILE)));
  assertSameAsStraight(killed);
  assert.ok(existsSync(join(killed, "curves.png")) && existsSync(join(killed, "curves.svg")));
});

/** Run `args`, send `signal` once stdout shows `progress`, and wait for the exit. */
async function stopWhen(args: string[], progress: string, signal: NodeJS.Signals): Promise<Result> {
  const child = convkitChild(args);
  let stdout = "", stderr = "", sent = false;
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.includes(progress)) {
      sent = true;
      child.kill(signal);
    }
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  assert.ok(sent, `the run ended before '${progress}': ${stderr}`);
  return { code, stdout, stderr };
}

test("Ctrl-C mid-epoch, then SIGTERM: each saves a checkpoint at the step and exits 130 / 143; resuming equals an uninterrupted run", async () => {
  const out = join(tempDir("interrupt"), "run");
  const stops: [string[], string, NodeJS.Signals, number, number][] = [
    [[...ARGS, "--out", out], "epoch 1/2 batch 4/20", "SIGINT", 130, 1],
    [[...ARGS, "--out", out, "--resume"], "epoch 2/2 batch 4/20", "SIGTERM", 143, 2],
  ];
  let resumeWith = "";
  for (const [args, progress, signal, code, epoch] of stops) {
    const r = await stopWhen(args, progress, signal);
    assert.equal(r.code, code, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l.trim());
    assert.equal(lines.length, 1, r.stderr);
    const m = /^convkit: interrupted at epoch (\d+) step (\d+) \(batch (\d+)\/20 of the epoch\); checkpoint saved to (.+); resume with: (convkit train lenet5 --out (.+) --resume)$/.exec(lines[0]!);
    assert.ok(m, lines[0]);
    const ck = readCheckpoint(join(out, "last.safetensors"))!;
    // stopped after the progress line, before the epoch's end, and the checkpoint is where the message says
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [epoch, ck.meta.step, ck.meta.batch]);
    assert.deepEqual([ck.meta.epoch, m[4], m[6]], [epoch - 1, join(out, "last.safetensors"), out]);
    assert.ok(ck.meta.batch >= 4 && ck.meta.batch < 20, `stopped at batch ${ck.meta.batch}`);
    assert.ok(!existsSync(join(out, LOCK_FILE)), "the lock was released");
    resumeWith = m[5]!;
  }
  // the command it printed, as printed: the run keeps its own settings (2 epochs)
  const rest = convkit(resumeWith.split(" ").slice(1));
  assert.equal(rest.code, 0, rest.stderr);
  assertSameAsStraight(out);
});
