// In-place ReLU (torch.relu_, nn.ReLU(inplace=True)) and ResNet's in-place shortcut: they overwrite their input only
// when nothing is recorded, and give the same values and gradients as the out-of-place ops.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, GradError, manualSeed, models, nn, noGrad, randn, tensor } from "../../src/index.js";
import { assertClose } from "../helpers/fixtures.js";

test("relu_: overwrites the tensor and returns it; refused on a tensor that requires grad while recording", () => {
  const x = tensor([-1, 2, -3, 4, Number.NaN, -0.5], [2, 3]);
  assert.equal(x.relu_(), x);
  assert.deepEqual([...x.data], [0, 2, 0, 4, Number.NaN, 0]);
  const w = tensor([-1, 1]).requiresGrad_();
  assert.throws(() => F.relu_(w), GradError);
  noGrad(() => F.relu_(w)); // allowed when nothing is recorded, as for the other in-place ops
  assert.deepEqual([...w.data], [0, 1]);
});

test("nn.ReLU({ inplace: true }): in place under noGrad; under autograd a new tensor with the right gradient", () => {
  const relu = new nn.ReLU({ inplace: true });
  assert.equal(relu.toString(), "ReLU(inplace=True)");
  assert.equal(new nn.ReLU().toString(), "ReLU()");
  const x = tensor([-2, 3, -1, 5]);
  const y = noGrad(() => relu.call(x));
  assert.equal(y, x, "the input itself, overwritten");
  assert.deepEqual([...x.data], [0, 3, 0, 5]);
  const a = tensor([-2, 3, -1, 5]).requiresGrad_();
  const b = relu.call(a);
  assert.notEqual(b, a);
  assert.deepEqual([...a.data], [-2, 3, -1, 5], "the recorded input is left as it was");
  b.mul(tensor([1, 2, 3, 4])).sum().backward();
  assert.deepEqual([...a.grad!.data], [0, 2, 0, 4]);
  // a non-leaf that requires grad (a layer's output in training) takes the recorded path too
  const h = tensor([-1, 1]).requiresGrad_().mul(2);
  const r = relu.call(h);
  assert.notEqual(r, h);
  assert.deepEqual([...h.data], [-2, 2]);
});

test("resnet: eval logits with the in-place ReLUs and shortcut (noGrad) equal those recorded under autograd", () => {
  manualSeed(3);
  const net = models.resnet18({ numClasses: 7 });
  net.eval();
  const x = randn([2, 3, 32, 32]);
  const recorded = net.call(x);
  assert.ok(recorded.requiresGrad, "parameters require grad: the out-of-place path ran");
  const before = Float32Array.from(x.data);
  const inPlace = noGrad(() => net.call(x));
  // equal up to the rounding of the downsampling convolutions, which the inference runs with their batch norms folded
  assertClose(inPlace, recorded.detach(), { rtol: 1e-5, atol: 1e-6 }, "in-place inference");
  assert.deepEqual(x.data, before, "the model's input is never overwritten");
});
