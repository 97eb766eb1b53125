// Helpers the WGSL kernels share: a kernel's parameter block (one WGSL struct and the function that packs its values,
// declared once so the two cannot disagree), the 1-D grid of a dispatch over more invocations than one dimension of
// workgroups allows, and the scalar functions several kernels use (pow as JavaScript's Math.pow, infinities).
import { ValueError } from "../../errors.js";

/** A field of a parameter block: a 4-byte scalar, or up to 8 i32 (a shape or strides, as two vec4<i32>). */
export type ParamType = "i32" | "u32" | "f32" | "i32x8";

/** A kernel's uniform parameters: their WGSL declaration (binding 0 of group 0, named P) and the packer. */
export interface ParamBlock<K extends string> {
  /** `struct Params {…}` and the uniform variable P. */
  readonly wgsl: string;
  /** The values as the bytes of the uniform buffer, in the struct's layout. */
  pack(values: Record<K, number | readonly number[]>): ArrayBuffer;
}

/** A parameter block of the named fields. Arrays (i32x8) come first: each takes 32 bytes at a 16-byte-aligned offset,
 *  then every scalar takes 4 bytes, so offsets are simple sums and the WGSL layout rules hold without padding. */
export function paramBlock<K extends string>(fields: Record<K, ParamType>): ParamBlock<K> {
  const names = Object.keys(fields) as K[];
  const arrays = names.filter((k) => fields[k] === "i32x8");
  const scalars = names.filter((k) => fields[k] !== "i32x8");
  const members = [...arrays.map((k) => `  ${k}: array<vec4<i32>, 2>,`), ...scalars.map((k) => `  ${k}: ${fields[k]},`)];
  const wgsl = `struct Params {\n${members.join("\n")}\n}\n@group(0) @binding(0) var<uniform> P: Params;\n`;
  const bytes = Math.max(16, Math.ceil((arrays.length * 32 + scalars.length * 4) / 16) * 16);
  return {
    wgsl,
    pack(values) {
      const buf = new ArrayBuffer(bytes);
      const i32 = new Int32Array(buf), u32 = new Uint32Array(buf), f32 = new Float32Array(buf);
      arrays.forEach((k, a) => {
        const v = values[k] as readonly number[];
        if (v.length > 8) throw new ValueError(`webgpu: parameter ${k} has ${v.length} entries, at most 8 fit`);
        v.forEach((x, j) => (i32[a * 8 + j] = x));
      });
      scalars.forEach((k, s) => {
        const at = arrays.length * 8 + s, v = values[k] as number;
        if (fields[k] === "f32") f32[at] = v;
        else if (fields[k] === "u32") u32[at] = v;
        else i32[at] = v;
      });
      return buf;
    },
  };
}

/** Threads per workgroup of the one-dimensional kernels. */
export const WG = 64;
/** The most workgroups along one dimension of a dispatch. */
const MAX_GROUPS = 65535;

/** Workgroups for `count` invocations of WG threads: a 2-D grid where one row of workgroups is not enough. */
export function grid(count: number, wg = WG): [number, number] {
  const groups = Math.max(1, Math.ceil(count / wg));
  if (groups <= MAX_GROUPS) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  if (y > MAX_GROUPS) throw new ValueError(`webgpu: ${count} invocations are more than one dispatch holds`);
  return [Math.ceil(groups / y), y];
}

/** The entry point's header for a 1-D kernel: `i` is the invocation's index across the whole grid of `grid()`. */
export function linearMain(wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = i32((wid.y * nwg.x + wid.x) * ${wg}u + lid);`;
}

/** Entry `j` (0…7) of an i32x8 parameter. */
export const AT8 = `fn at8(v: array<vec4<i32>, 2>, j: i32) -> i32 { return v[j / 4][j % 4]; }\n`;

/** +∞ and NaN from bits at run time (a constant expression may not be infinite), a NaN test on the bits (v != v is
 *  none: SwiftShader's float != is false when an operand is NaN, so a != that NaN must pass is written !(a == b)),
 *  and Math.pow's rules: a negative base takes an integer exponent (odd keeps the sign), pow(x, 0) = 1, and NaN
 *  elsewhere for a negative base. */
/** WGSL's clampNan(v, lo, hi): min(max(v, lo), hi) that keeps NaN (WGSL's min and max need not), as hardtanh. */
export const CLAMP_NAN = `fn clampNan(v: f32, lo: f32, hi: f32) -> f32 {
  let a = select(v, lo, v < lo);
  return select(a, hi, a > hi);
}
`;

/** isNan(v) from the bits (a comparison v != v may be optimised away). */
export const IS_NAN = `fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
`;

export const MATH = `fn inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
${IS_NAN}fn jspow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (y == 2.0) { return x * x; }
  if (y == 1.0) { return x; }
  if (x != x || y != y) { return nan(); }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) { r = select(0.0, inf(), y < 0.0); } else { r = exp2(y * log2(ax)); }
  if (x < 0.0 || (x == 0.0 && 1.0 / x < 0.0)) {
    if (floor(y) != y) { return select(nan(), r, ax == 0.0); }
    let odd = abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
    return select(r, -r, odd);
  }
  return r;
}
`;
