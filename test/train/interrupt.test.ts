// Stopping a run on request (RunOptions.signal, which `convkit train` aborts on Ctrl-C/SIGTERM): it stops at the next
// step boundary with a checkpoint there, shows the cursor the progress bar hid, releases its lock, and a resume from
// that checkpoint ends with exactly the weights and metrics of an uninterrupted run. A second Ctrl-C quits at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { runTraining, readMetrics, InterruptedError, LOCK_FILE, TRAIN_DEFAULTS, type TrainConfig } from "../../src/train/node.js";
import { decodeCheckpoint } from "../../src/train/checkpoint.js";
import { ROOT } from "../cli/helpers.js";

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `convkit-stop-${p}-`));
// 6 batches per epoch; checkpoints only at epoch ends and interruptions
const tiny = (out: string): TrainConfig => ({ ...TRAIN_DEFAULTS, model: "lenet5", out, epochs: 2, batchSize: 16, limitTrain: 96, limitTest: 32, checkpointEvery: 0 });
const checkpoint = (dir: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, "last.safetensors"))));
const noTime = (dir: string) => readMetrics(join(dir, "metrics.jsonl")).map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r);

test("a stop requested mid-epoch saves a checkpoint at the step boundary; the resumed run equals an uninterrupted one", async () => {
  const [stopped, straight] = [tmp("stopped"), tmp("straight")];
  const stop = new AbortController();
  // progress lines come every ⌈6/5⌉ = 2 batches: ask to stop when the second epoch's batch 2 is reported
  const log = (line: string): void => {
    if (line.includes("epoch 2/2 batch 2/6")) stop.abort();
  };
  await assert.rejects(runTraining(tiny(stopped), { log, tty: false, signal: stop.signal }), (e: unknown) => {
    assert.ok(e instanceof InterruptedError, String(e));
    assert.equal(e.message, `interrupted at epoch 2 step 8 (batch 2/6 of the epoch); checkpoint saved to ${join(stopped, "last.safetensors")}`);
    assert.deepEqual([e.epoch, e.step, e.checkpoint], [1, 8, join(stopped, "last.safetensors")]);
    return true;
  });
  assert.deepEqual((({ epoch, batch, step }) => ({ epoch, batch, step }))(checkpoint(stopped).meta), { epoch: 1, batch: 2, step: 8 });
  assert.ok(!existsSync(join(stopped, LOCK_FILE)), "the lock is released");

  await runTraining({ ...tiny(stopped) }, { log: () => {}, tty: false, resume: true });
  await runTraining(tiny(straight), { log: () => {}, tty: false });
  const [a, b] = [checkpoint(stopped), checkpoint(straight)];
  assert.equal(a.meta.step, 12);
  for (const [k, t] of b.model) assert.deepEqual([...a.model.get(k)!.data], [...t.data], `weights ${k}`);
  for (const [i, s] of Object.entries(b.optimizerBuffers)) for (const [k, v] of Object.entries(s)) assert.deepEqual([...a.optimizerBuffers[Number(i)]![k]!], [...v], `optimizer ${i}.${k}`);
  assert.deepEqual(noTime(stopped), noTime(straight));
});

test("a stop with the progress bar drawn shows the cursor again", async () => {
  const out = tmp("tty");
  const written: string[] = [];
  const stream = { isTTY: true, columns: 120, write: (s: string | Uint8Array): boolean => (written.push(String(s)), true) } as unknown as NodeJS.WritableStream;
  const stop = new AbortController();
  stop.abort();
  await assert.rejects(runTraining(tiny(out), { log: () => {}, tty: true, stream, signal: stop.signal }), InterruptedError);
  const text = written.join("");
  const hide = text.lastIndexOf("\x1b[?25l"), show = text.lastIndexOf("\x1b[?25h");
  assert.ok(hide >= 0, "the bar hid the cursor");
  assert.ok(show > hide, "and showed it again");
  // stopped before the first step: the checkpoint is the start of the run
  assert.deepEqual([checkpoint(out).meta.epoch, checkpoint(out).meta.step], [0, 0]);
});

test("convkit train's signal handling: the first Ctrl-C asks the run to stop; a second quits at once, cursor shown, lock released", async () => {
  const dir = tmp("twice");
  // a process that holds a run's lock and waits (as a long step would) with the handlers convkit train installs;
  // stdout counts as a terminal so that the cursor is put back
  const script = `import { stopOnSignals } from "./src/cli/train.ts";
import { lockRunDirectory } from "./src/train/node.ts";
Object.defineProperty(process.stdout, "isTTY", { value: true });
const stop = stopOnSignals();
lockRunDirectory(process.env.RUN_DIR);
stop.signal.addEventListener("abort", () => console.log("stopping at the next step"));
setInterval(() => {}, 1000);
console.log("ready");`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, RUN_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const shown = (text: string): Promise<void> => new Promise((resolve) => {
    const check = (): void => {
      if (stdout.includes(text)) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
  await shown("ready");
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  child.kill("SIGINT");
  await shown("stopping at the next step");
  child.kill("SIGINT");
  // a process that ignores the second Ctrl-C would wait here for ever: give it 30 s
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 130, `exit code ${code}: ${stderr}`);
  assert.match(stdout, /\x1b\[\?25h/);
  assert.deepEqual(stderr.split("\n").filter((l) => l.trim()), ["convkit: SIGINT again: stopped at once, without a checkpoint of this step"]);
  assert.ok(!existsSync(join(dir, LOCK_FILE)), "the lock went with the process");
});
