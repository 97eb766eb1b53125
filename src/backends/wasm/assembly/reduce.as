// Sums: of per-thread partial buffers (the weight gradients'), and along an axis or over planes in double.
import { arg, unitStart } from "./common";
import { PlaneMeans } from "./args";

/** out[i] = Σ_t parts[t*stride + i] over `count` partial buffers. */
export function sumPartials(parts: usize, count: i32, stride: i32, n: i32, out: usize): void {
  const st = <usize>stride << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    let s = v128.load(parts + off);
    for (let t = 1; t < count; t++) s = f32x4.add(s, v128.load(parts + <usize>t * st + off));
    v128.store(out + off, s);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let s = load<f32>(parts + off);
    for (let t = 1; t < count; t++) s += load<f32>(parts + <usize>t * st + off);
    store<f32>(out + off, s);
  }
}

/** Σ of `size` contiguous floats at row in double, with 4 independent pairs of f64x2 lanes. */
@inline function runSum(row: usize, size: i32): f64 {
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let s = 0;
  for (; s + 8 <= size; s += 8) {
    const v = v128.load(row + (<usize>s << 2)), w = v128.load(row + (<usize>s << 2), 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(w));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)));
  }
  const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let sum = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; s < size; s++) sum += <f64>load<f32>(row + (<usize>s << 2));
  return sum;
}

/** Global average pooling: each plane's mean, its sum in double divided in double (as the reference does), planes in
 *  contiguous shares per thread. */
export function planeMeansTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, PlaneMeans.x), planes = arg(args, PlaneMeans.planes), size = arg(args, PlaneMeans.size);
  const y = <usize>arg(args, PlaneMeans.y);
  for (let p = unitStart(planes, tid, nth), end = unitStart(planes, tid + 1, nth); p < end; p++) {
    store<f32>(y + (<usize>p << 2), <f32>(runSum(x + ((<usize>p * <usize>size) << 2), size) / <f64>size));
  }
}

/** y[o, i] = Σ_s x[o, s, i] over [outer, size, inner], accumulated in double (as the reference does) with f64x2
 *  lanes: inner = 1 sums each contiguous run with 4 independent pairs of lanes; otherwise rows of `inner` add
 *  into the double accumulator row `acc` (inner doubles). */
export function reduceSum(x: usize, outer: i32, size: i32, inner: i32, y: usize, acc: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) store<f32>(y + (<usize>o << 2), <f32>runSum(x + ((<usize>o * <usize>size) << 2), size));
    return;
  }
  for (let o = 0; o < outer; o++) {
    memory.fill(acc, 0, <usize>inner << 3);
    const base = x + ((<usize>o * <usize>size * <usize>inner) << 2);
    for (let s = 0; s < size; s++) {
      const row = base + ((<usize>s * <usize>inner) << 2);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        const p = acc + (<usize>i << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
      }
      for (; i < inner; i++) {
        const p = acc + (<usize>i << 3);
        store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const yo = y + ((<usize>o * <usize>inner) << 2);
    for (let i = 0; i < inner; i++) store<f32>(yo + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}
