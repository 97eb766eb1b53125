// Kill a training process mid-epoch (SIGKILL) and resume it: the checkpoint on disk is intact, and the resumed run
// ends with exactly the weights and metrics of an uninterrupted run with the same seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convkit, convkitChild, tempDir } from "../cli/helpers.js";
import { decodeCheckpoint } from "../../src/train/checkpoint.js";
import { readMetrics } from "../../src/train/node.js";

const ARGS = ["train", "lenet5", "--epochs", "2", "--limit-train", "640", "--limit-test", "64", "--batch-size", "32", "--checkpoint-every", "3"];

function readCheckpoint(path: string): ReturnType<typeof decodeCheckpoint> | null {
  try {
    return decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
  } catch {
    return null; // not there yet
  }
}

const noTime = (dir: string) => readMetrics(join(dir, "metrics.jsonl")).map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r);

test("SIGKILL mid-epoch, then --resume, equals an uninterrupted run", async () => {
  const dir = tempDir("resume");
  const killed = join(dir, "killed"), straight = join(dir, "straight");
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
  const ref = convkit([...ARGS, "--out", straight]);
  assert.equal(ref.code, 0, ref.stderr);

  const a = decodeCheckpoint(new Uint8Array(readFileSync(join(killed, "last.safetensors"))));
  const b = decodeCheckpoint(new Uint8Array(readFileSync(join(straight, "last.safetensors"))));
  assert.equal(a.meta.step, 40);
  for (const [k, t] of b.model) assert.deepEqual([...a.model.get(k)!.data], [...t.data], `weights ${k}`);
  for (const [i, s] of Object.entries(b.optimizerBuffers)) for (const [k, v] of Object.entries(s)) assert.deepEqual([...a.optimizerBuffers[Number(i)]![k]!], [...v], `optimizer ${i}.${k}`);
  assert.deepEqual(noTime(killed), noTime(straight));
  assert.ok(existsSync(join(killed, "curves.png")));
});
