// Bad input to the core: each case asserts the error class and that the message names the op, the shapes or values,
// and the rule broken.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Tensor, tensor, zeros, ones, full, arange, linspace, randint, randperm, eye, add, matmul, cat, stack, pad, reshape,
  permute, transpose, flatten, squeeze, expand, slice, select, flip, sum, max, where, clamp,
  ShapeError, ValueError, DTypeError, ConvkitError,
} from "../../src/index.js";
import { gather, indexSelect, oneHot, repeat, split, chunk } from "../../src/ops/movement.js";
import { logsumexp } from "../../src/ops/reduce.js";

type ErrorClass = new (...args: never[]) => ConvkitError;
const x23 = (): Tensor => arange(6).reshape([2, 3]);
const f64 = (shape: number[]): Tensor => zeros(shape, { dtype: "float64" });

const cases: [string, () => unknown, ErrorClass, RegExp][] = [
  ["non-broadcastable add", () => add(x23(), ones([4])), ShapeError, /^add: shapes \[2,3\] and \[4\] cannot be broadcast.*3 vs 4/],
  ["non-broadcastable method", () => x23().mul(ones([3, 2])), ShapeError, /^mul: shapes \[2,3\] and \[3,2\]/],
  ["dtype mismatch in add", () => add(x23(), f64([3])), DTypeError, /^add: dtypes differ \(float32 and float64\)/],
  ["reshape size mismatch", () => reshape(x23(), [4]), ShapeError, /^reshape: cannot reshape \[2,3\] \(6 elements\) into \[4\]/],
  ["reshape -1 that does not divide", () => reshape(x23(), [4, -1]), ShapeError, /^reshape: cannot reshape \[2,3\].*\[4,-1\]/],
  ["reshape two -1", () => reshape(x23(), [-1, -1]), ValueError, /^reshape: only one dim can be -1/],
  ["reshape negative size", () => reshape(x23(), [-2, -3]), ValueError, /^reshape: size of dim 0 must be an integer ≥ 0, got -2/],
  ["sum over a bad dim", () => sum(x23(), 2), ValueError, /^sum: dim 2 is out of range for a tensor of rank 2/],
  ["sum over a repeated dim", () => sum(x23(), [1, -1]), ValueError, /^sum: dim \[1,-1\] repeats a dim/],
  ["non-integer dim", () => max(x23(), 0.5), ValueError, /^max: dim must be an integer, got 0.5/],
  ["max of an empty tensor", () => max(zeros([0, 3])), ValueError, /^max: the tensor is empty/],
  ["logsumexp bad dim", () => logsumexp(x23(), -3), ValueError, /^logsumexp: dim -3 is out of range/],
  ["permute repeated dims", () => permute(x23(), [1, 1]), ValueError, /^permute: dims \[1,1\] repeat a dim/],
  ["permute wrong count", () => permute(x23(), [0]), ShapeError, /^permute: got 1 dims \[0\] for a tensor of rank 2/],
  ["transpose bad dim", () => transpose(x23(), 0, 5), ValueError, /^transpose: dim 5 is out of range/],
  ["flatten start after end", () => flatten(zeros([2, 3, 4]), 2, 1), ValueError, /^flatten: startDim 2 comes after endDim 1/],
  ["squeeze bad dim", () => squeeze(x23(), -3), ValueError, /^squeeze: dim -3 is out of range/],
  ["expand a non-1 dim", () => expand(x23(), [2, 6]), ShapeError, /^expand: dim 1 of size 3 cannot become 6 .*\[2,3\] → \[2,6\]/],
  ["expand to fewer dims", () => expand(x23(), [6]), ShapeError, /^expand: target \[6\] has fewer dims than the tensor \[2,3\]/],
  ["slice step 0", () => slice(x23(), 1, 0, 2, 0), ValueError, /^slice: step must be a non-zero integer, got 0/],
  ["slice non-integer start", () => slice(x23(), 1, 0.5), ValueError, /^slice: start must be an integer, got 0.5/],
  ["select out of range", () => select(x23(), 1, 3), ValueError, /^select: index 3 is out of range for dim 1 of size 3/],
  ["flip repeated dim", () => flip(x23(), [0, -2]), ValueError, /^flip: dims \[0,-2\] repeat a dim/],
  ["NaN size", () => zeros([2, NaN]), ValueError, /^zeros: size of dim 1 must be an integer ≥ 0, got NaN/],
  ["negative size", () => ones([-1]), ValueError, /^ones: size of dim 0 must be an integer ≥ 0, got -1/],
  ["non-integer size", () => full([2.5], 1), ValueError, /^full: size of dim 0 must be an integer ≥ 0, got 2.5/],
  ["eye with a negative size", () => eye(-2), ValueError, /^eye: size of dim 0 must be an integer ≥ 0, got -2/],
  ["ragged nested array", () => tensor([[1, 2], [3]]), ShapeError, /^tensor: ragged nested array: element 1 has shape \[1\] but element 0 has \[2\]/],
  ["ragged depth", () => tensor([[1, 2], 3] as never), ShapeError, /^tensor: ragged nested array: element 1 has shape \[\] but element 0 has \[2\]/],
  ["non-numbers", () => tensor(["a"] as never), ValueError, /^tensor: expected numbers or nested arrays of numbers, got string/],
  ["data that does not fill the shape", () => tensor(new Float32Array(5), [2, 3]), ShapeError, /^tensor: 5 values do not fill shape \[2,3\] \(6 elements\)/],
  ["Tensor constructor size mismatch", () => new Tensor(new Float32Array(3), [2, 2]), ShapeError, /^Tensor: 3 values do not fill shape \[2,2\]/],
  ["matmul inner mismatch", () => matmul(x23(), ones([4, 5])), ShapeError, /^matmul: \[2,3\] @ \[4,5\]: the last dim of a \(3\) must equal the second-to-last dim of b \(4\)/],
  ["matmul vector mismatch", () => matmul(ones([3]), ones([4])), ShapeError, /^matmul: \[3\] @ \[4\]: the last dim of a \(3\) must equal the only dim of b \(4\)/],
  ["matmul batch mismatch", () => matmul(ones([2, 3, 4]), ones([3, 4, 5])), ShapeError, /^matmul: batch dims \[2\] of \[2,3,4\] and \[3\] of \[3,4,5\] cannot be broadcast/],
  ["matmul of a scalar", () => matmul(tensor(2), ones([2])), ShapeError, /^matmul: both operands need at least 1 dim, got \[\] and \[2\]/],
  ["matmul dtype mismatch", () => matmul(ones([2, 2]), f64([2, 2])), DTypeError, /^matmul: dtypes differ \(float32 and float64\)/],
  ["cat shape mismatch", () => cat([x23(), ones([3, 3])], 1), ShapeError, /^cat: tensor 1 has shape \[3,3\] but tensor 0 has \[2,3\]; all dims except dim 1 must match/],
  ["cat dtype mismatch", () => cat([x23(), f64([2, 3])]), DTypeError, /^cat: tensor 1 is float64, tensor 0 is float32/],
  ["cat of nothing", () => cat([]), ValueError, /^cat: needs at least one tensor/],
  ["stack unequal shapes", () => stack([x23(), ones([3, 2])]), ShapeError, /^stack: tensor 1 has shape \[3,2\] but tensor 0 has \[2,3\]; stack needs equal shapes/],
  ["reflect pad too large", () => pad(ones([1, 2, 3]), [3, 0], "reflect"), ShapeError, /^pad: reflect padding \(3, 0\) of dim 2 must be smaller than its size 3/],
  ["pad with an odd list", () => pad(ones([1, 2, 3]), [1, 2, 3]), ValueError, /^pad: pads must hold \(before, after\) pairs for at most 3 dims, got \[1,2,3\]/],
  ["pad with an unknown mode", () => pad(ones([1, 2, 3]), [1, 1], "circular" as never), ValueError, /^pad: unknown mode 'circular'/],
  ["pad crop to nothing", () => pad(ones([1, 2, 3]), [-2, -1]), ShapeError, /^pad: cropping 2\+1 from dim 2 of size 3 leaves nothing/],
  ["where shapes", () => where(ones([2]), ones([3]), 0), ShapeError, /^where: condition \[2\], a \[3\] and b \[\] cannot be broadcast together/],
  ["clamp without bounds", () => clamp(x23(), null, null), ValueError, /^clamp: at least one of min and max/],
  ["gather rank mismatch", () => gather(x23(), 1, ones([2])), ShapeError, /^gather: index \[2\] must have the rank of the input \[2,3\]/],
  ["gather index out of range", () => gather(x23(), 1, tensor([[0, 3]])), ValueError, /^gather: index 3 \(element 1 of the index\) is not an integer in \[-3, 3\) for dim 1 of size 3/],
  ["gather index too big in another dim", () => gather(x23(), 1, zeros([3, 1])), ShapeError, /^gather: index \[3,1\] is larger than the input \[2,3\] in dim 0/],
  ["indexSelect 2-D index", () => indexSelect(x23(), 0, zeros([1, 1])), ShapeError, /^indexSelect: index must be 1-D, got shape \[1,1\]/],
  ["indexSelect non-integer index", () => indexSelect(x23(), 0, tensor([0.5])), ValueError, /^indexSelect: index 0.5 .*not an integer/],
  ["oneHot negative class", () => oneHot(tensor([1, -1]), 3), ValueError, /^oneHot: index -1 is negative/],
  ["oneHot class too large", () => oneHot(tensor([1, 3]), 3), ValueError, /^oneHot: index 3 .*not an integer in \[-3, 3\)/],
  ["item of many elements", () => x23().item(), ValueError, /^item: tensor of shape \[2,3\] has 6 elements, expected 1/],
  ["arange step 0", () => arange(0, 5, 0), ValueError, /^arange: start 0, end 5 and a non-zero step 0 must be finite/],
  ["linspace negative steps", () => linspace(0, 1, -1), ValueError, /^linspace: steps must be an integer ≥ 0, got -1/],
  ["randint empty range", () => randint(3, 3, [2]), ValueError, /^randint: low 3 and high 3 must be integers with low < high/],
  ["randperm negative", () => randperm(-1), ValueError, /^randperm: n must be an integer ≥ 0, got -1/],
  ["split sizes that do not add up", () => split(x23(), [1, 1], 1), ShapeError, /^split: sizes \[1,1\] add up to 2 but dim 1 of \[2,3\] has 3/],
  ["split size 0", () => split(x23(), 0, 1), ValueError, /^split: split size must be an integer ≥ 1, got 0/],
  ["chunk into 0", () => chunk(x23(), 0), ValueError, /^chunk: chunks must be an integer ≥ 1, got 0/],
  ["repeat with too few reps", () => repeat(x23(), [2]), ShapeError, /^repeat: 1 repetitions \[2\] for a tensor of rank 2/],
  ["sizeAt bad dim", () => x23().sizeAt(2), ValueError, /^sizeAt: dim 2 is out of range/],
];

for (const [name, fn, cls, re] of cases) {
  test(`bad input: ${name}`, () => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof cls, `${name}: expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, re);
      return true;
    });
  });
}

test("at least 15 bad-input cases", () => assert.ok(cases.length >= 15));
