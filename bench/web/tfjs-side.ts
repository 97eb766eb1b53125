// TF.js 4.22's side of the WebGPU benchmark, on its webgpu or webgl backend: the same convolutions (tf.conv2d, and
// tf.grads for both gradients), and ResNet-18 and LeNet-5 built from ops with torchvision's layers (NHWC, filters
// [kh, kw, Cin, Cout]), trained by tf.train.sgd on softmax cross-entropy. The backend package is imported in init, so
// that in Node (bench/webgpu-node.ts) it registers only after navigator.gpu is set, and webgl is never loaded there.
// Batch norm in training normalises by the batch's moments; the running averages are not updated (PyTorch and convkit
// update them: a few elementwise ops per layer, well under 1 % of a ResNet-18 step).
import * as tf from "@tensorflow/tfjs-core";
import { classesOf, inputShape, type Impl, type Prepared, type Workload } from "./workloads.js";

type T4 = tf.Tensor4D;
interface BN { gamma: tf.Variable; beta: tf.Variable; mean: tf.Tensor; variance: tf.Tensor }
interface Block { conv1: tf.Variable; bn1: BN; conv2: tf.Variable; bn2: BN; stride: number; down?: { conv: tf.Variable; bn: BN } }
interface Net { forward(x: T4, training: boolean): tf.Tensor2D; trainable: tf.Variable[]; all: tf.Tensor[] }

/** He-normal filter [k, k, cin, cout] (its values do not matter to the timing; finite, moderate ones do). */
const filter = (k: number, cin: number, cout: number): tf.Variable => tf.variable(tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin))));
const bnOf = (c: number): BN => ({ gamma: tf.variable(tf.ones([c])), beta: tf.variable(tf.zeros([c])), mean: tf.zeros([c]), variance: tf.ones([c]) });
const pad = (p: number): [[0, 0], [number, number], [number, number], [0, 0]] => [[0, 0], [p, p], [p, p], [0, 0]];
const conv = (x: T4, f: tf.Variable, stride: number, p: number): T4 => tf.conv2d(x, f as tf.Tensor4D, stride, p === 0 ? "valid" : pad(p));
function norm(x: T4, b: BN, training: boolean): T4 {
  if (!training) return tf.batchNorm4d(x, b.mean as tf.Tensor1D, b.variance as tf.Tensor1D, b.beta as tf.Tensor1D, b.gamma as tf.Tensor1D, 1e-5);
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, b.beta as tf.Tensor1D, b.gamma as tf.Tensor1D, 1e-5);
}
const linear = (x: tf.Tensor2D, w: tf.Variable, b: tf.Variable): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b);
const dense = (i: number, o: number) => ({ w: tf.variable(tf.randomNormal([i, o], 0, Math.sqrt(1 / i))), b: tf.variable(tf.zeros([o])) });

/** torchvision's resnet18: 7×7/2 stem, 3×3/2 max pool, four stages of two basic blocks, global average pool, fc. */
function resnet18(classes: number): Net {
  const stem = { conv: filter(7, 3, 64), bn: bnOf(64) };
  const blocks: Block[] = [];
  let cin = 64;
  for (const [c, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let i = 0; i < 2; i++) {
      const s = i === 0 ? stride : 1;
      blocks.push({
        conv1: filter(3, cin, c), bn1: bnOf(c), conv2: filter(3, c, c), bn2: bnOf(c), stride: s,
        ...(s !== 1 || cin !== c ? { down: { conv: filter(1, cin, c), bn: bnOf(c) } } : {}),
      });
      cin = c;
    }
  }
  const fc = dense(512, classes);
  const bns = [stem.bn, ...blocks.flatMap((b) => [b.bn1, b.bn2, ...(b.down ? [b.down.bn] : [])])];
  const trainable = [stem.conv, ...blocks.flatMap((b) => [b.conv1, b.conv2, ...(b.down ? [b.down.conv] : [])]), ...bns.flatMap((b) => [b.gamma, b.beta]), fc.w, fc.b];
  return {
    trainable,
    all: [...trainable, ...bns.flatMap((b) => [b.mean, b.variance])],
    forward(x, training) {
      let h = tf.relu(norm(conv(x, stem.conv, 2, 3), stem.bn, training));
      h = tf.maxPool(h, 3, 2, 1);
      for (const b of blocks) {
        const out = norm(conv(tf.relu(norm(conv(h, b.conv1, b.stride, 1), b.bn1, training)), b.conv2, 1, 1), b.bn2, training);
        const id = b.down ? norm(conv(h, b.down.conv, b.stride, 0), b.down.bn, training) : h;
        h = tf.relu(tf.add(out, id)) as T4;
      }
      return linear(tf.mean(h, [1, 2]) as tf.Tensor2D, fc.w, fc.b);
    },
  };
}

/** convkit's LeNet-5 'modern': C1 6@5×5, ReLU, max pool 2, C3 16@5×5, ReLU, max pool 2, C5 120@5×5, ReLU, 84, 10. */
function lenet5(classes: number): Net {
  const c1 = filter(5, 1, 6), c3 = filter(5, 6, 16), c5 = filter(5, 16, 120);
  const b1 = tf.variable(tf.zeros([6])), b3 = tf.variable(tf.zeros([16])), b5 = tf.variable(tf.zeros([120]));
  const f6 = dense(120, 84), out = dense(84, classes);
  const trainable = [c1, b1, c3, b3, c5, b5, f6.w, f6.b, out.w, out.b];
  return {
    trainable, all: trainable,
    forward(x) {
      let h: T4 = tf.maxPool(tf.relu(tf.add(conv(x, c1, 1, 0), b1)) as T4, 2, 2, "valid");
      h = tf.maxPool(tf.relu(tf.add(conv(h, c3, 1, 0), b3)) as T4, 2, 2, "valid");
      h = tf.relu(tf.add(conv(h, c5, 1, 0), b5)) as T4;
      return linear(tf.relu(linear(tf.reshape(h, [x.shape[0], 120]), f6.w, f6.b)), out.w, out.b);
    },
  };
}

/** NCHW → TF.js's NHWC. */
const nhwc = (w: Workload): [number, number, number, number] => {
  const [n, c, h, wd] = inputShape(w);
  return [n, h, wd, c];
};

/** Registers TF.js's gradients (tfjs-core alone has none: the @tensorflow/tfjs package imports them). Its ES module
 *  tree, as a bundler reads it; Node cannot load that tree (directory imports), so bench/webgpu-node.ts passes its own. */
const registerGradients = async (): Promise<unknown> => import("@tensorflow/tfjs-core/dist/register_all_gradients.js");

/** TF.js on `backend` ('webgpu' or 'webgl'); `gradients` registers the gradients of TF.js's ops. */
export function tfjsImpl(backend: "webgpu" | "webgl", gradients = registerGradients): Impl {
  return {
    name: `tfjs ${backend}`,
    async init() {
      await gradients();
      if (backend === "webgpu") await import("@tensorflow/tfjs-backend-webgpu");
      else await import("@tensorflow/tfjs-backend-webgl");
      // setBackend answers false and logs the reason as a warning: keep the warning as the reason
      const warned: string[] = [];
      const warn = console.warn;
      console.warn = (...a: unknown[]) => { warned.push(a.map((v) => (v instanceof Error ? v.message : String(v))).join(" ")); };
      let ok = false;
      try {
        ok = await tf.setBackend(backend);
      } catch (e) {
        warned.push(e instanceof Error ? e.message : String(e));
      } finally {
        console.warn = warn;
      }
      if (!ok) throw new Error(`tf.setBackend('${backend}') failed: ${warned.join("; ").replace(/\s+/g, " ") || "no reason given (no such backend here?)"}`);
      await tf.ready();
      return `TF.js ${tf.version_core} ${backend}${describe(backend)}`;
    },
    supports: () => true,
    async prepare(w, s): Promise<Prepared> {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      if (w.kind === "conv") {
        const { Cin, Cout, k, s: stride, p } = w.shape;
        const x = tf.randomNormal(nhwc(w)) as T4;
        const f = tf.randomNormal([k, k, Cin, Cout]) as T4;
        const padding = p === 0 ? "valid" : pad(p);
        const y0 = tf.conv2d(x, f, stride, padding);
        const dy = tf.randomNormal(y0.shape);
        y0.dispose();
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as T4, b as T4, stride, padding));
        const release = () => tf.dispose([x, f, dy]);
        return {
          calls: s.convCalls, release,
          run: async () => {
            // every call's results but the last are disposed as soon as made; the last is read, then disposed
            let last: tf.Tensor[] = [];
            for (let i = 0; i < s.convCalls; i++) {
              tf.dispose(last);
              last = w.grads ? grads([x, f], dy) : [tf.conv2d(x, f, stride, padding)];
            }
            await last[last.length - 1]!.data();
            tf.dispose(last);
          },
        };
      }
      const classes = classesOf(w.model);
      const net = w.model === "lenet5" ? lenet5(classes) : resnet18(classes);
      const x = tf.randomNormal(nhwc(w)) as T4;
      if (w.kind === "infer") {
        return {
          calls: 1, release: () => tf.dispose([x, ...net.all]),
          run: async () => {
            const y = tf.tidy(() => net.forward(x, false));
            await y.data();
            y.dispose();
          },
        };
      }
      const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([w.batch], 0, classes, "int32") as tf.Tensor1D, classes));
      const opt = tf.train.sgd(0.01);
      return {
        calls: 1, release: () => { tf.dispose([x, labels, ...net.all]); opt.dispose(); },
        run: async () => {
          const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(x, true)) as tf.Scalar, true, net.trainable)!;
          await loss.data();
          loss.dispose();
        },
      };
    },
  };
}

/** The adapter (webgpu) or renderer (webgl) the backend runs on, where it tells. */
function describe(backend: string): string {
  try {
    const b = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string }; gpgpu?: { gl?: WebGLRenderingContext } };
    if (backend === "webgpu" && b.adapterInfo) return `, adapter ${[b.adapterInfo.vendor, b.adapterInfo.architecture].filter(Boolean).join(" ")}`;
    const gl = b.gpgpu?.gl;
    if (gl) {
      const ext = gl.getExtension("WEBGL_debug_renderer_info");
      return `, WebGL ${tf.env().getNumber("WEBGL_VERSION")} ${ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER))}`;
    }
  } catch { /* the description is optional */ }
  return "";
}
