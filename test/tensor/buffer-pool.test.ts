// The buffer pool behind graph inference: reused buffers come back zeroed, only its own whole buffers are taken back,
// and allocations draw from it only inside withBufferPool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BufferPool, withBufferPool, activeBufferPool } from "../../src/tensor/buffer-pool.js";
import { zeros, randn } from "../../src/tensor/creation.js";

test("buffer pool: a released buffer backs the next take of its size, zero-filled; other sizes get new ones", () => {
  const pool = new BufferPool();
  const a = pool.take(6);
  a.fill(7);
  assert.equal(pool.release(a), true);
  assert.equal(pool.heldBytes, 24);
  assert.notEqual(pool.take(5), a, "a different size is a new buffer");
  const b = pool.take(6);
  assert.equal(b, a, "same size: the released buffer");
  assert.deepEqual([...b], [0, 0, 0, 0, 0, 0], "zeroed as a new allocation would be");
  assert.equal(pool.heldBytes, 0);
});

test("buffer pool: refuses buffers it did not allocate, views into part of a buffer and float64 arrays", () => {
  const pool = new BufferPool();
  assert.equal(pool.release(new Float32Array(4)), false);
  assert.equal(pool.release(pool.take(8).subarray(2)), false);
  assert.equal(pool.release(new Float64Array(4)), false);
  assert.equal(pool.heldBytes, 0);
  pool.release(pool.take(3));
  pool.clear();
  assert.equal(pool.heldBytes, 0);
});

test("withBufferPool: float32 tensors allocated inside come from the pool, float64 ones and those outside do not", () => {
  const pool = new BufferPool();
  const inside = withBufferPool(pool, () => {
    assert.equal(activeBufferPool(), pool);
    return zeros([2, 3]);
  });
  assert.equal(activeBufferPool(), null);
  assert.equal(pool.release(inside.data), true, "allocated through the pool");
  const again = withBufferPool(pool, () => randn([3, 2]));
  assert.equal(again.data, inside.data, "the released buffer, refilled by randn");
  assert.equal(pool.release(withBufferPool(pool, () => zeros([2], { dtype: "float64" })).data), false);
  assert.equal(pool.release(zeros([2, 3]).data), false, "outside the scope: a plain allocation");
});
