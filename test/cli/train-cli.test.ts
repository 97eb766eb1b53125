// convkit train on the command line: two runs on one --out (the second refused, naming the first's pid; the first
// runs on), bad flags (one `convkit:` line, exit 1, nothing created) and --init from a PyTorch .pth. Stopping a run
// with Ctrl-C/SIGTERM and resuming it is in test/train/resume.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { assertRefused, convkit, convkitChild, errLines, ROOT, tempDir } from "./helpers.js";
import { LOCK_FILE } from "../../src/train/node.js";

const SHIPPED = join(ROOT, "assets", "lenet5-mnist.safetensors");
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

test("two trains on one --out started 0.5 s apart: one is refused with the other's pid, the other runs on", async () => {
  const out = join(tempDir("train-lock"), "run");
  // no checkpoint before the first epoch ends (several seconds): the lock alone keeps the two apart
  const args = ["train", "lenet5", "--epochs", "2", "--limit-train", "4000", "--limit-test", "32", "--batch-size", "16", "--checkpoint-every", "0", "--out", out];
  const start = () => {
    const child = convkitChild(args);
    const r = { child, stdout: "", stderr: "", exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))) };
    child.stdout!.on("data", (d: Buffer) => (r.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (r.stderr += d.toString()));
    return r;
  };
  const a = start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const b = start();
  // whichever took the lock second is refused at once
  const refused = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)]);
  const running = refused === a ? b : a;
  assertRefused({ code: await refused.exited, stdout: refused.stdout, stderr: refused.stderr },
    new RegExp(`^convkit: ${escape(out)} is in use by another training run \\(pid ${running.child.pid}, started [0-9T:.Z-]+\\); wait for it to end or choose another --out$`), "the refused run");
  assert.equal(refused.stdout, "", "the refused run printed no plan or results");
  assert.equal((JSON.parse(readFileSync(join(out, LOCK_FILE), "utf8")) as { pid: number }).pid, running.child.pid, "the lock is the running one's");

  running.child.kill("SIGINT");
  assert.equal(await running.exited, 130, running.stderr);
  assert.match(running.stdout, /^training lenet5 /);
  assert.ok(!existsSync(join(out, LOCK_FILE)), "the run released its lock");
  assert.ok(readdirSync(out).includes("last.safetensors"));
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith(".")), [], "no temporary files left");
});

test("bad train flags: one convkit: line, exit 1, and nothing created", () => {
  const dir = tempDir("train-flags");
  const out = join(dir, "run");
  const file = join(dir, "notes.txt");
  writeFileSync(file, "a file");
  const zero = join(dir, "zero.safetensors");
  symlinkSync("/dev/zero", zero);
  const tiny = ["--epochs", "1", "--limit-train", "32", "--limit-test", "16", "--batch-size", "16"];
  const cases: [string[], RegExp][] = [
    [["lenet5", "--out", file], new RegExp(`^convkit: --out ${escape(file)} is a file, not a directory$`)],
    [["lenet5", "--data", file, "--out", out], /^convkit: --data .*notes\.txt is a file; --data takes a built-in dataset \(mnist, fashion-mnist\) or a directory of IDX files or of train\/ and test\/ image folders$/],
    [["lenet5", "--data", join(dir, "nowhere"), "--out", out], /^convkit: dataset '.*nowhere' not found: use mnist, fashion-mnist, a directory/],
    [["lenet5", "--momentum", "2", "--out", out], /^convkit: --momentum must be in \[0, 1\), got 2$/],
    [["lenet5", "--momentum=-0.5", "--out", out], /^convkit: --momentum must be in \[0, 1\), got -0\.5$/],
    [["lenet5", "--optimizer", "adam", "--momentum", "0.5", "--out", out], /^convkit: --momentum is for --optimizer sgd; adam has no momentum setting$/],
    [["lenet5", "--weight-decay=-1", "--out", out], /^convkit: --weight-decay must be a number ≥ 0, got -1$/],
    [["resnet20", "--variant", "classic", "--out", out], /^convkit: --variant is for lenet5; resnet20 has no variants$/],
    [["lenet5", "--variant", "fancy", "--out", out], /^convkit: option '--variant <name>' argument 'fancy' is invalid\. Allowed choices are modern, classic\. \(add --help for usage\)$/],
    [["lenet5", "--batch-size", "1000", "--limit-train", "64", "--out", out], /^convkit: --batch-size 1000 is larger than the 64 training samples$/],
    [["lenet5", "--init", zero, "--out", out], new RegExp(`^convkit: --init: ${escape(zero)} is not a regular file, expected a weights file$`)],
    [["lenet5", "--init", file, "--out", out], /^convkit: --init: .*notes\.txt is not a convkit checkpoint, a \.safetensors state dict or a PyTorch \.pth file$/],
    // a state dict for another model: counts and the first keys, not every key
    [["vgg6_bn", "--init", SHIPPED, "--out", out], /^convkit: --init: .*lenet5-mnist\.safetensors does not hold vgg6_bn's weights: 33 missing keys \(features\.1\.weight, features\.1\.bias, features\.1\.running_mean, … \(30 more\)\); 6 unexpected keys \(.*\); 4 shape mismatches \(features\.0\.weight: model \[32,1,3,3\], file \[6,1,5,5\]\)$/],
  ];
  for (const [args, re] of cases) {
    const what = args.join(" ");
    // the small-run flags first: a case's own flags win
    const line = assertRefused(convkit(["train", args[0]!, ...tiny, ...args.slice(1)]), re, what);
    assert.ok(line.length < 400, `${what}: ${line.length} characters`);
    assert.ok(!existsSync(out), `${what} created ${out}`);
  }
  assert.equal(readFileSync(file, "utf8"), "a file");
});

test("train --init takes a PyTorch .pth (told by its content) as predict does", () => {
  const dir = tempDir("train-pth");
  const pth = join(dir, "lenet5.pth");
  // torch.save of the shipped weights, read from the safetensors file by hand in Python
  const py = `import json,struct,sys,collections,torch
b=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); sd=collections.OrderedDict()
for k,v in h.items():
    if k!='__metadata__':
        s,e=v['data_offsets']; sd[k]=torch.frombuffer(bytearray(b[8+n+s:8+n+e]),dtype=torch.float32).reshape(v['shape']).clone()
torch.save(sd,sys.argv[2])`;
  const made = spawnSync("/usr/bin/python3", ["-c", py, SHIPPED, pth], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const t = convkit(["train", "lenet5", "--init", pth, "--epochs", "1", "--limit-train", "32", "--batch-size", "16", "--limit-test", "128", "--lr", "0.001", "--out", join(dir, "run")]);
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(errLines(t), []);
  assert.match(t.stdout, /starting from the weights in .*lenet5\.pth/);
  // two steps of lr 0.001 from a random start are near chance; from the shipped weights these digits are ~99% right
  const acc = Number(/held-out accuracy ([\d.]+)%/.exec(t.stdout)?.[1]);
  assert.ok(acc > 90, `accuracy ${acc}%`);
});
