// Weight initialisation in place, like torch.nn.init: uniform/normal/truncated normal, Kaiming (He 2015) and Xavier
// (Glorot 2010), with the fan and gain rules of PyTorch. Every function takes an optional seedable Generator.
import type { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { fmtShape } from "../tensor/shape.js";
import { ShapeError, ValueError } from "../errors.js";

/** The nonlinearities calculateGain knows, by PyTorch's names. */
export type Nonlinearity = "linear" | "conv2d" | "conv_transpose2d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
/** Which fan Kaiming initialisation preserves the variance of: fan_in (the forward pass) or fan_out (the backward). */
export type FanMode = "fan_in" | "fan_out";

/** Recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv2d": case "conv_transpose2d": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu": return 3 / 4;
    default: throw new ValueError(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/** Fan-in and fan-out of a weight: dim 1 and dim 0 sizes times the receptive field (product of dims ≥ 2).
 *  Linear [out,in] → (in, out); Conv2d [cOut, cIn/g, kh, kw] → (cIn/g·kh·kw, cOut·kh·kw). */
export function calculateFanInAndFanOut(t: Tensor): {
  /** Inputs each output sums over: in channels × kernel area. */
  fanIn: number;
  /** Outputs each input reaches: out channels × kernel area. */
  fanOut: number;
} {
  if (t.ndim < 2) throw new ShapeError(`calculateFanInAndFanOut: needs a tensor of rank ≥ 2, got ${fmtShape(t.shape)}`);
  let field = 1;
  for (let i = 2; i < t.ndim; i++) field *= t.shape[i]!;
  return { fanIn: t.shape[1]! * field, fanOut: t.shape[0]! * field };
}

/** While > 0, every init function leaves tensors as they are (see skipInit). */
let skipping = 0;
/** While > 0, layers skip PyTorch's default init because the caller re-initialises them (see deferDefaultInit). */
let deferring = 0;

/** Build modules whose constructors would draw PyTorch's default init, when the caller overwrites every weight with
 *  its own init right after (torchvision's VGG, GoogLeNet…): saves drawing the large layers twice. */
export function deferDefaultInit<T>(fn: () => T): T {
  deferring++;
  try {
    return fn();
  } finally {
    deferring--;
  }
}

/** Build modules without spending time on random initial weights (they stay zero/one): for models whose weights are
 *  loaded right after, e.g. skipInit(() => models.create("vgg16")) before loadStateDict. */
export function skipInit<T>(fn: () => T): T {
  skipping++;
  try {
    return fn();
  } finally {
    skipping--;
  }
}

/** Fill t with U(low, high) draws, in place. */
export function uniform_(t: Tensor, low = 0, high = 1, generator: Generator = defaultGenerator): Tensor {
  if (skipping > 0) return t;
  for (let i = 0; i < t.size; i++) t.data[i] = low + (high - low) * generator.random();
  return t;
}

/** N(mean, std²) by Marsaglia's polar method on the generator's uniforms (no trigonometry, both values of each
 *  pair used: fast for big layers). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (skipping > 0) return t;
  const d = t.data, n = t.size;
  for (let i = 0; i < n; i += 2) {
    let u: number, v: number, s: number;
    do {
      u = 2 * generator.random() - 1;
      v = 2 * generator.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    d[i] = mean + u * f;
    if (i + 1 < n) d[i + 1] = mean + v * f;
  }
  return t;
}

/** Normal(mean, std) resampled until inside [a, b] (absolute bounds, as in torch.nn.init.trunc_normal_). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, generator: Generator = defaultGenerator): Tensor {
  if (!(a < b) || !(mean + 6 * std > a && mean - 6 * std < b)) {
    throw new ValueError(`truncNormal_: the interval [${a}, ${b}] must be non-empty and near the mean ${mean} (std ${std})`);
  }
  if (skipping > 0) return t;
  for (let i = 0; i < t.size; i++) {
    let v: number;
    do v = mean + std * generator.normal();
    while (v < a || v > b);
    t.data[i] = v;
  }
  return t;
}

/** Fill t with `value`, in place. */
export function constant_(t: Tensor, value: number): Tensor {
  if (skipping > 0) return t;
  t.data.fill(value);
  return t;
}
/** Fill t with 0, in place. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fill t with 1, in place. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Options of kaimingUniform_ and kaimingNormal_ (PyTorch's defaults). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  /** The fan to preserve (default fan_in). */
  mode?: FanMode;
  /** The nonlinearity after the layer, for its gain (default leaky_relu). */
  nonlinearity?: Nonlinearity;
  /** Source of the draws (the global default generator if omitted). */
  generator?: Generator;
}

function kaimingStd(op: string, t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (o.mode ?? "fan_in") === "fan_in" ? fanIn : fanOut;
  if (fan === 0) throw new ShapeError(`${op}: cannot initialise a tensor with zero fan (${fmtShape(t.shape)})`);
  return calculateGain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) / Math.sqrt(fan);
}

/** U(−bound, bound) with bound = gain·√(3/fan) (He et al. 2015). PyTorch's default for conv/linear weights is
 *  kaimingUniform_(w, { a: √5 }), which gives bound = 1/√fan_in. */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, o);
  return uniform_(t, -bound, bound, o.generator);
}

/** N(0, std²) with std = gain/√fan (He et al. 2015). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, o), o.generator);
}

/** U(−a, a) with a = gain·√(6/(fan_in+fan_out)) (Glorot & Bengio 2010). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, generator);
}

/** Fill t with N(0, gain²·2/(fan_in + fan_out)) draws, in place (Glorot & Bengio 2010). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

/** PyTorch's default initialisation of a conv/linear layer: weight kaiming_uniform_(a=√5) = U(±1/√fan_in),
 *  bias U(±1/√fan_in) with the weight's fan_in. */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator, force = false): void {
  if (deferring > 0 && !force) return;
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, generator);
  }
}
