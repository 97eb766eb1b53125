// The limit on one tensor's elements (setMaxElements): a typo's shape fails at once with a ValueError naming the op,
// the shape and the limit, instead of a bare RangeError or gigabytes allocated; ops' results obey it too.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ValueError, arange, eye, full, getMaxElements, linspace, ones, rand, randint, randn, setMaxElements, tensor, zeros,
} from "../../src/index.js";

/** Runs `f` with the limit set to `n`, restoring the previous limit after. */
function withLimit(n: number, f: () => void): void {
  const before = getMaxElements();
  setMaxElements(n);
  try {
    f();
  } finally {
    setMaxElements(before);
  }
}

test("the default limit is 2^30 elements", () => {
  assert.equal(getMaxElements(), 2 ** 30);
});

test("randn([1e6, 1e6]) throws a ValueError naming the op, the shape, the count and the limit", () => {
  assert.throws(() => randn([1e6, 1e6]), (e: unknown) => e instanceof ValueError
    && e.message === "randn: shape [1000000,1000000] has 1e12 elements, over the limit of 1073741824 (setMaxElements to change it)");
});

test("zeros([2^31]) throws before allocating 8 GiB; every creation function names itself", () => {
  const big = [2 ** 31];
  const cases: [string, () => unknown][] = [
    ["zeros", () => zeros(big)], ["ones", () => ones(big)], ["full", () => full(big, 3)], ["rand", () => rand(big)],
    ["randint", () => randint(0, 3, big)], ["eye", () => eye(2 ** 16)], ["arange", () => arange(2 ** 31)],
    ["linspace", () => linspace(0, 1, 2 ** 31)],
  ];
  for (const [op, f] of cases) {
    assert.throws(f, (e: unknown) => e instanceof ValueError && e.message.startsWith(`${op}: shape [`) && e.message.includes("over the limit of 1073741824"), op);
  }
});

test("setMaxElements lowers and raises the limit; ops' results are checked too", () => {
  withLimit(1000, () => {
    assert.equal(zeros([10, 100]).size, 1000);
    assert.throws(() => zeros([10, 101]), /^ValueError: zeros: shape \[10,101\] has 1010 elements, over the limit of 1000 \(setMaxElements to change it\)$/);
    assert.throws(() => tensor(new Uint8Array(1001)), /tensor: a tensor of 1001 elements, over the limit of 1000/);
    const x = ones([1000, 1]);
    assert.throws(() => x.expand([1000, 2]).add(1), /2000 elements, over the limit of 1000/);
  });
  withLimit(Infinity, () => assert.equal(zeros([3]).size, 3));
  assert.equal(getMaxElements(), 2 ** 30);
});

test("setMaxElements rejects a limit that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
    assert.throws(() => setMaxElements(bad), (e: unknown) => e instanceof ValueError && /setMaxElements: the limit must be a positive integer or Infinity/.test(e.message), String(bad));
  }
  assert.equal(getMaxElements(), 2 ** 30);
});
