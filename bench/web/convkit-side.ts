// convkit's side of the WebGPU benchmark: the public API (models, F.conv2d, SGD, crossEntropy) on the 'webgpu'
// backend. initWebGPUBackend selects it, so every tensor made after init lives in a GPU buffer; a call is done when
// its result is read back (valuesAsync / itemAsync), which is where each timed call waits.
import { initWebGPUBackend, webgpuStats } from "../../src/backends/webgpu/index.js";
import { randn, randint } from "../../src/tensor/creation.js";
import { noGrad } from "../../src/autograd/grad-mode.js";
import * as F from "../../src/ops/functional.js";
import * as models from "../../src/models/index.js";
import { SGD } from "../../src/optim/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import type { Module } from "../../src/nn/module.js";
import { classesOf, inputShape, type Impl, type Prepared, type Settings, type Workload } from "./workloads.js";

type Net = Module<[Tensor], Tensor>;

export function convkitImpl(): Impl {
  return {
    name: "convkit webgpu",
    async init() {
      const { adapter } = await initWebGPUBackend();
      return `adapter ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(" ") || "(no adapter info)"}`;
    },
    supports: () => true,
    prepare: async (w, s) => counted(await prepare(w, s)),
  };
}

/** `p` with a note of what its last run did on the GPU: dispatches, submits, uploads and pipelines compiled (a
 *  timed call that compiles, or uploads more than its inputs, is a finding). */
function counted(p: Prepared): Prepared {
  let last = "";
  return {
    ...p,
    run: async () => {
      const a = webgpuStats();
      await p.run();
      const b = webgpuStats();
      last = `last sample: ${b.dispatches - a.dispatches} dispatches, ${b.submits - a.submits} submits, ${b.uploads - a.uploads} uploads, ${b.pipelinesCompiled - a.pipelinesCompiled} compiled`;
    },
    note: () => last,
  };
}

async function prepare(w: Workload, s: Settings): Promise<Prepared> {
  const release = () => {}; // the backend frees what the garbage collector finds dead
  if (w.kind === "conv") {
    const { Cout, Cin, k, s: stride, p: padding } = w.shape;
    const x = randn(inputShape(w), { requiresGrad: w.grads });
    const weight = randn([Cout, Cin, k, k], { requiresGrad: w.grads });
    if (!w.grads) {
      return {
        calls: s.convCalls, release,
        run: async () => {
          let y: Tensor | null = null;
          noGrad(() => { for (let i = 0; i < s.convCalls; i++) y = F.conv2d(x, weight, null, { stride, padding }); });
          await y!.valuesAsync();
        },
      };
    }
    // forward, then both gradients from a given dy (as the reference's backward would get it)
    const y0 = noGrad(() => F.conv2d(x, weight, null, { stride, padding }));
    const dy = randn(y0.shape);
    return {
      calls: s.convCalls, release,
      run: async () => {
        for (let i = 0; i < s.convCalls; i++) {
          x.grad = null;
          weight.grad = null;
          F.conv2d(x, weight, null, { stride, padding }).backward(dy);
        }
        await weight.grad!.valuesAsync(); // the queue runs in order: the last weight gradient comes after the rest
      },
    };
  }
  if (w.kind === "infer") {
    const net = models.resnet18().eval() as unknown as Net;
    const x = randn(inputShape(w));
    return { calls: 1, release, run: async () => noGrad(() => net.call(x)).valuesAsync() };
  }
  const net = (w.model === "lenet5" ? models.lenet5() : models.resnet18()) as unknown as Net;
  const opt = new SGD(net.parameters(), { lr: 0.01 });
  const x = randn(inputShape(w));
  const labels = randint(0, classesOf(w.model), [w.batch]);
  return {
    calls: 1, release,
    run: async () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.call(x), labels);
      loss.backward();
      opt.step();
      return loss.itemAsync(); // submits the step's kernels too: they were queued before the read
    },
  };
}
