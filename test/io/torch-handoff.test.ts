// The hand-off to PyTorch at scale (issue 16): a zoo model trained in convkit goes to torchvision with strict=True
// (`convkit export --torch` and the safetensors file) with the same logits, continues training under
// DistributedDataParallel with `torchrun --nproc_per_node 2` (gloo, 127.0.0.1), and comes back: convkit loads the
// result and reproduces PyTorch's logits. Needs Debian's python3-torch/python3-torchvision at /usr/bin/python3 (CI
// installs them); scripts/torch-handoff/ddp_finetune.py is the PyTorch side.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { F, Tensor, manualSeed, models, nn, noGrad, optim, randint, randn } from "../../src/index.js";
import { saveSafetensors } from "../../src/io/safetensors.js";
import { loadPth } from "../../src/io/pth.js";
import { loadStateDictFile } from "../../src/node.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PY = "/usr/bin/python3";
const SCRIPT = join(ROOT, "scripts", "torch-handoff", "ddp_finetune.py");

/** A free TCP port on the loopback address, for the rendezvous. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
function floats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
/** max |a − b| relative to max(1, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0, s = 1;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); s = Math.max(s, Math.abs(b[i]!)); }
  return d / s;
}

test("hand-off: convkit-trained resnet18 → torchvision (strict) → torchrun DDP on 2 processes → back to convkit, same logits", async (t) => {
  const probe = spawnSync(PY, ["-c", "import torch, torchvision, torch.distributed as d; assert d.is_gloo_available()"], { encoding: "utf8" });
  assert.equal(probe.status, 0, `${PY} cannot run torch with gloo (install python3-torch python3-torchvision; CI does): ${probe.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "convkit-handoff-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // 1. defined and trained (a few steps) in convkit
  manualSeed(7);
  const model = models.create("resnet18", { numClasses: 10 }) as nn.Module<[Tensor], Tensor>;
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  model.train();
  for (let step = 0; step < 2; step++) {
    opt.zeroGrad();
    F.crossEntropy(model.call(randn([8, 3, 32, 32])), randint(0, 10, [8])).backward();
    opt.step();
  }
  model.eval();
  const x = randn([4, 3, 32, 32]);
  const ours = noGrad(() => model.call(x));
  writeFileSync(join(dir, "input.bin"), new Uint8Array(Float32Array.from(x.data).buffer));
  writeFileSync(join(dir, "convkit.safetensors"), saveSafetensors(model.stateDict()));

  // 2. out through the command line: --torch (torch.save format) and --safetensors
  const cli = spawnSync(process.execPath, [join(ROOT, "bin", "convkit.js"), "export", join(dir, "convkit.safetensors"), "--model", "resnet18",
    "--torch", join(dir, "weights.pt"), "--safetensors", join(dir, "weights.safetensors")], { encoding: "utf8" });
  assert.equal(cli.status, 0, `convkit export: ${cli.stderr}`);
  assert.match(cli.stdout, /as a PyTorch checkpoint → .*weights\.pt/);
  // convkit reads its own .pt back, tensor for tensor
  const back = loadPth(new Uint8Array(readFileSync(join(dir, "weights.pt"))));
  assert.deepEqual([...back.keys()], [...model.stateDict().keys()]);

  // 3. torchrun: strict loads and their logits, then DDP steps on two processes
  // --redirects 1 --tee 1: torch 1.13's launcher under Python 3.11 cannot parse its own default "0" (Std.NONE is not
  // iterated in an IntFlag there); stdout to files and console is the nearest working setting
  const port = await freePort();
  const run = spawnSync(PY, ["-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", String(port),
    "--redirects", "1", "--tee", "1", "--log_dir", join(dir, "logs"), SCRIPT, dir, dir, "--steps", "3"],
  { encoding: "utf8", timeout: 240_000, env: { ...process.env, OMP_NUM_THREADS: "1" } });
  assert.equal(run.status, 0, `torchrun failed (exit ${run.status}):\n${run.stderr.slice(-3000)}`);
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { world: number; losses: number[] };
  assert.equal(summary.world, 2);
  t.diagnostic(`DDP losses ${summary.losses.map((l) => l.toFixed(4)).join(", ")}`);
  for (const file of ["logits_pt.bin", "logits_safetensors.bin"]) {
    const d = relDiff(ours.data, floats(join(dir, file)));
    t.diagnostic(`torchvision strict load of ${file.slice(7, -4)}: logits differ by ${d.toExponential(2)} (relative)`);
    assert.ok(d <= 1e-5, `torchvision's logits from ${file} differ from convkit's by ${d}`);
  }
  assert.equal(readFileSync(join(dir, "checksum_0.txt"), "utf8"), readFileSync(join(dir, "checksum_1.txt"), "utf8"), "DDP replicas diverged");

  // 4. back in convkit: both files of the DDP-trained model give PyTorch's logits
  const want = floats(join(dir, "logits_trained.bin"));
  assert.ok(relDiff(ours.data, want) > 1e-3, "training in PyTorch changed the model");
  for (const file of ["trained.safetensors", "trained.pt"]) {
    const again = models.create("resnet18", { numClasses: 10 }) as nn.Module<[Tensor], Tensor>;
    again.loadStateDict(loadStateDictFile(join(dir, file)), { strict: true });
    again.eval();
    const d = relDiff(noGrad(() => again.call(x)).data, want);
    t.diagnostic(`convkit on PyTorch's ${file}: logits differ by ${d.toExponential(2)} (relative)`);
    assert.ok(d <= 1e-5, `convkit's logits on ${file} differ from PyTorch's by ${d}`);
  }
});
