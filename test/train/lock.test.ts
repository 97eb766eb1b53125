// A run's hold on its --out directory (train.lock), and the checks a run makes before it creates anything: its
// settings, --out, --data, and the --init file (told apart by content, read with a size limit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lockRunDirectory, readInitWeights, runTraining, LOCK_FILE, RunLockedError, TRAIN_DEFAULTS, type TrainConfig } from "../../src/train/node.js";
import { ValueError, FormatError } from "../../src/errors.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHIPPED = join(ROOT, "assets", "lenet5-mnist.safetensors");
const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `convkit-lock-${p}-`));
const tiny = (out: string, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS, model: "lenet5", out, epochs: 1, batchSize: 16, limitTrain: 32, limitTest: 16, checkpointEvery: 0, ...extra,
});
const quiet = { log: () => {}, tty: false };
/** The pid of a process that has ended. */
const deadPid = (): number => spawnSync("true").pid!;

test("the lock: exclusive while held (naming the holder's pid), removed on release, stale ones taken over with a note", () => {
  const dir = tmp("held");
  const a = lockRunDirectory(dir);
  const held = JSON.parse(readFileSync(a.path, "utf8")) as { pid: number; started: string };
  assert.equal(held.pid, process.pid);
  assert.ok(Date.now() - Date.parse(held.started) < 60_000);
  assert.throws(() => lockRunDirectory(dir), (e: unknown) => e instanceof RunLockedError &&
    e.message === `${dir} is in use by another training run (pid ${process.pid}, started ${held.started}); wait for it to end or choose another --out`);
  a.release();
  assert.ok(!existsSync(a.path));
  a.release(); // twice is harmless

  const pid = deadPid();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: "2026-01-01T00:00:00.000Z", id: "x" }));
  const notes: string[] = [];
  const b = lockRunDirectory(dir, (l) => notes.push(l));
  assert.deepEqual(notes, [`note: ${join(dir, LOCK_FILE)} was left by pid ${pid} (started 2026-01-01T00:00:00.000Z), which is no longer running; taking ${dir} over`]);
  assert.equal((JSON.parse(readFileSync(b.path, "utf8")) as { pid: number }).pid, process.pid);
  b.release();

  // a process on another machine (a shared disk) cannot be checked: its lock holds
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: "elsewhere", started: "2026-01-01T00:00:00.000Z", id: "y" }));
  assert.throws(() => lockRunDirectory(dir), /is in use by another training run \(pid \d+ on elsewhere, started/);
  // a lock file that does not say whose it is
  writeFileSync(join(dir, LOCK_FILE), "");
  assert.throws(() => lockRunDirectory(dir), /locked by .*train\.lock, which does not say by whom; delete it if no training run is using/);
});

test("a run refuses a directory another run holds, and writes nothing there; a stale lock is taken over", async () => {
  const dir = tmp("busy");
  const other = lockRunDirectory(dir);
  await assert.rejects(runTraining(tiny(dir), quiet), RunLockedError);
  await assert.rejects(runTraining(tiny(dir), { ...quiet, resume: true }), RunLockedError);
  assert.deepEqual(readdirSync(dir), [LOCK_FILE]);
  other.release();
  await assert.rejects(runTraining(tiny(dir), { ...quiet, resume: true }), /last\.safetensors does not exist \(nothing to resume\)/);

  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), started: "2026-01-01T00:00:00.000Z", id: "z" }));
  const lines: string[] = [];
  await runTraining(tiny(dir), { log: (l) => lines.push(l), tty: false });
  assert.match(lines[0]!, /^note: .*train\.lock was left by pid \d+ .*no longer running; taking/);
  assert.ok(existsSync(join(dir, "last.safetensors")));
  assert.ok(!existsSync(join(dir, LOCK_FILE)), "released at the end");
});

test("bad settings and inputs are refused before --out is created", async () => {
  const dir = tmp("bad");
  const out = join(dir, "run");
  const file = join(dir, "file");
  writeFileSync(file, "not a directory");
  const cases: [Partial<TrainConfig>, RegExp][] = [
    [{ momentum: 2 }, /^--momentum must be in \[0, 1\), got 2$/],
    [{ momentum: -0.5 }, /^--momentum must be in \[0, 1\), got -0\.5$/],
    [{ weightDecay: -1 }, /^--weight-decay must be a number ≥ 0, got -1$/],
    [{ epochs: 0 }, /^--epochs must be an integer ≥ 1, got 0$/],
    [{ lr: Number.NaN }, /^--lr must be a number > 0, got NaN$/],
    [{ data: file }, /^--data .*file is a file; --data takes a built-in dataset \(mnist, fashion-mnist\) or a directory of IDX files or of train\/ and test\/ image folders$/],
    [{ data: join(dir, "nowhere") }, /dataset '.*nowhere' not found/],
    [{ batchSize: 1000 }, /--batch-size 1000 is larger than the 32 training samples/],
    [{ modelOptions: { variant: "fancy" } }, /lenet5: variant must be 'classic' or 'modern', got 'fancy'/],
    [{ init: join(dir, "none.safetensors") }, /^--init: .*none\.safetensors does not exist$/],
    [{ init: SHIPPED, model: "vgg6_bn" }, /^--init: .*lenet5-mnist\.safetensors does not hold vgg6_bn's weights: 33 missing keys \(features\.1\.weight, features\.1\.bias, features\.1\.running_mean, … \(30 more\)\); 6 unexpected keys \(.*\); 4 shape mismatches \(features\.0\.weight: model \[32,1,3,3\], file \[6,1,5,5\]\)$/],
  ];
  for (const [extra, re] of cases) {
    await assert.rejects(runTraining(tiny(out, extra), quiet), (e: unknown) => {
      assert.ok(e instanceof ValueError, `${JSON.stringify(extra)}: ${String(e)}`);
      assert.match(e.message, re);
      assert.ok(e.message.length < 400, `${e.message.length} characters`);
      return true;
    });
    assert.ok(!existsSync(out), `${JSON.stringify(extra)} created ${out}`);
  }
  await assert.rejects(runTraining(tiny(file), quiet), /^ValueError: --out .*file is a file, not a directory$/);
  await assert.rejects(runTraining(tiny(join(file, "run")), quiet), /--out .*file\/run: part of the path is a file, not a directory/);
  assert.equal(readFileSync(file, "utf8"), "not a directory");
});

test("readInitWeights tells the format by content and refuses what is not a regular file", () => {
  const dir = tmp("init");
  // a safetensors file named .pth is read as safetensors (the name does not decide)
  const misnamed = join(dir, "weights.pth");
  copyFileSync(SHIPPED, misnamed);
  assert.equal(readInitWeights(misnamed).get("features.0.weight")!.shape.join(","), "6,1,5,5");
  const zero = join(dir, "zero.safetensors");
  symlinkSync("/dev/zero", zero);
  assert.throws(() => readInitWeights(zero), (e: unknown) => e instanceof ValueError && e.message === `--init: ${zero} is not a regular file, expected a weights file`);
  const fifo = join(dir, "fifo.pth");
  assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
  assert.throws(() => readInitWeights(fifo), /--init: .*fifo\.pth is not a regular file/);
  mkdirSync(join(dir, "sub"));
  assert.throws(() => readInitWeights(join(dir, "sub")), /--init: .*sub is a directory, expected a weights file/);
  const text = join(dir, "notes.safetensors");
  writeFileSync(text, "hello, these are not weights");
  assert.throws(() => readInitWeights(text), (e: unknown) => e instanceof FormatError && /^--init: .*notes\.safetensors is not a convkit checkpoint, a \.safetensors state dict or a PyTorch \.pth file$/.test(e.message));
  // a zip that is no torch.save archive: loadPth's reason, naming the flag and the file
  const zip = join(dir, "archive.pth");
  writeFileSync(zip, Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
  assert.throws(() => readInitWeights(zip), (e: unknown) => e instanceof FormatError && e.message.startsWith(`--init: ${zip}`));
});
