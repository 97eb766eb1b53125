// Elementwise ops on contiguous or row-broadcast operands: relu and its mask, add, sub, mul, div and reluGrad.

/** Unary ops that pay in SIMD: 0 relu (max(v, 0): NaN stays NaN, −0 → 0, as the reference), 1 reluMask (v > 0 ? 1 : 0). */
export function unaryOp(op: i32, x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  if (op == 0) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      // pmax-style select keeps NaN (v ≠ v) and maps −0 and negatives to +0
      v128.store(y + off, v128.bitselect(zero, v, f32x4.le(v, zero)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      store<f32>(y + (<usize>i << 2), v <= 0 ? 0 : v);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(y + off, v128.and(f32x4.gt(v128.load(x + off), zero), one));
    }
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) > 0 ? 1 : 0);
  }
}

/** y[r*inner + i] = a[r*aRow + i*aStep] op b[r*bRow + i*bStep] over rows × inner (steps 0 or 1: broadcast or
 *  contiguous); ops 0 add, 1 sub, 2 mul, 3 div, 4 reluGrad (0 where b ≤ 0, else a). Each lane computes exactly the
 *  scalar expression. */
export function binaryOp(op: i32, a: usize, aRow: i32, aStep: i32, b: usize, bRow: i32, bStep: i32, rows: i32, inner: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>r * <usize>aRow) << 2), br = b + ((<usize>r * <usize>bRow) << 2);
    const yr = y + ((<usize>r * <usize>inner) << 2);
    const as = <usize>aStep << 2, bs = <usize>bStep << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const off = <usize>i << 2;
      const va = aStep != 0 ? v128.load(ar + off) : v128.load32_splat(ar);
      const vb = bStep != 0 ? v128.load(br + off) : v128.load32_splat(br);
      let v: v128;
      if (op == 0) v = f32x4.add(va, vb);
      else if (op == 1) v = f32x4.sub(va, vb);
      else if (op == 2) v = f32x4.mul(va, vb);
      else if (op == 3) v = f32x4.div(va, vb);
      else v = v128.andnot(va, f32x4.le(vb, f32x4.splat(0))); // reluGrad: +0 where b ≤ 0 (NaN compares false), else a
      v128.store(yr + off, v);
    }
    for (; i < inner; i++) {
      const p = load<f32>(ar + <usize>i * as), q = load<f32>(br + <usize>i * bs);
      store<f32>(yr + (<usize>i << 2), op == 0 ? p + q : op == 1 ? p - q : op == 2 ? p * q : op == 3 ? p / q : q <= 0 ? <f32>0 : p);
    }
  }
}
