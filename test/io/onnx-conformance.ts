// Runs ONNX's own node tests (Debian's libonnx-testdata) through convkit's importer: model.onnx plus
// test_data_set_*/input_*.pb → output_*.pb, compared with ONNX's backend-test tolerance.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../../src/index.js";
import { decodeTensor, decodeModel } from "../../src/io/onnx-proto.js";
import { IntTensor, tensorFromProto, type Value } from "../../src/io/onnx-tensor.js";
import { OnnxModel } from "../../src/io/onnx-import.js";

export const TESTDATA = "/usr/share/libonnx-testdata/data";

/** ONNX's backend tests compare with numpy.testing.assert_allclose(rtol=1e-3, atol=1e-7). */
export const RTOL = 1e-3, ATOL = 1e-7;

/** Test-name prefixes of the operators the importer covers, mapped to the operator they test. */
export const FAMILIES: [RegExp, string][] = [
  [/^test_conv_/, "Conv"], [/^test_convtranspose/, "ConvTranspose"], [/^test_maxpool/, "MaxPool"], [/^test_averagepool/, "AveragePool"],
  [/^test_globalaveragepool/, "GlobalAveragePool"], [/^test_globalmaxpool/, "GlobalMaxPool"], [/^test_maxunpool/, "MaxUnpool"],
  [/^test_resize/, "Resize"], [/^test_upsample/, "Upsample"], [/^test_batchnorm/, "BatchNormalization"], [/^test_lrn/, "LRN"],
  [/^test_gemm/, "Gemm"], [/^test_matmul_/, "MatMul"], [/^test_add/, "Add"], [/^test_sub/, "Sub"], [/^test_mul/, "Mul"],
  [/^test_div/, "Div"], [/^test_relu$/, "Relu"], [/^test_leakyrelu/, "LeakyRelu"], [/^test_sigmoid/, "Sigmoid"], [/^test_tanh/, "Tanh"],
  [/^test_softmax/, "Softmax"], [/^test_logsoftmax/, "LogSoftmax"], [/^test_concat/, "Concat"], [/^test_flatten/, "Flatten"],
  [/^test_reshape/, "Reshape"], [/^test_transpose/, "Transpose"], [/^test_(constant|edge|reflect)_pad/, "Pad"], [/^test_clip/, "Clip"],
  [/^test_dropout/, "Dropout"], [/^test_identity/, "Identity"], [/^test_constant$/, "Constant"], [/^test_constantofshape/, "ConstantOfShape"],
  [/^test_shape/, "Shape"], [/^test_gather_[0-9n]/, "Gather"], [/^test_unsqueeze/, "Unsqueeze"], [/^test_squeeze/, "Squeeze"],
  [/^test_reduce_mean_/, "ReduceMean"], [/^test_reduce_sum_(?!square)/, "ReduceSum"], [/^test_reduce_max_/, "ReduceMax"], [/^test_reduce_min_/, "ReduceMin"],
  [/^test_sqrt/, "Sqrt"], [/^test_pow/, "Pow"], [/^test_exp$|^test_exp_/, "Exp"], [/^test_log$|^test_log_example/, "Log"],
  [/^test_neg/, "Neg"], [/^test_abs/, "Abs"], [/^test_max_/, "Max"], [/^test_min_/, "Min"], [/^test_sum_/, "Sum"], [/^test_mean_/, "Mean"],
  [/^test_reciprocal/, "Reciprocal"], [/^test_floor/, "Floor"], [/^test_ceil/, "Ceil"], [/^test_slice/, "Slice"], [/^test_expand/, "Expand"],
  [/^test_where/, "Where"], [/^test_prelu/, "PRelu"], [/^test_elu/, "Elu"], [/^test_selu/, "Selu"], [/^test_softplus/, "Softplus"],
  [/^test_softsign/, "Softsign"], [/^test_hardsigmoid/, "HardSigmoid"], [/^test_hardswish/, "HardSwish"], [/^test_sin$|^test_sin_/, "Sin"],
  [/^test_cos$|^test_cos_/, "Cos"], [/^test_sign$/, "Sign"], [/^test_instancenorm/, "InstanceNormalization"],
  [/^test_reduce_l2_/, "ReduceL2"], [/^test_reduce_log_sum_exp_/, "ReduceLogSumExp"], [/^test_reduce_sum_square_/, "ReduceSumSquare"], [/^test_cast_FLOAT_TO_DOUBLE|^test_cast_DOUBLE_TO_FLOAT$/, "Cast"],
];

/** pytorch-converted tests of the layers convkit covers. */
export const PYTORCH_CONVERTED = /^test_(AvgPool[123]d|BatchNorm[123]d|ConstantPad2d|Conv[123]d|ConvTranspose2d|ELU|LeakyReLU|Linear|LogSoftmax|MaxPool[123]d|PReLU|ReLU|SELU|Softplus|Softsign|ReflectionPad2d|ReplicationPad2d|Sigmoid|Softmax|Tanh|ZeroPad2d|log_softmax|softmax)/;

export interface CaseResult { dir: string; op: string; ok: boolean; reason: string }

function readValue(path: string): Value {
  return tensorFromProto(decodeTensor(new Uint8Array(readFileSync(path)), path), path);
}

/** First disagreement between `got` and `want`, or "" if they match. */
export function compare(got: Value, want: Value): string {
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return `shape [${got.shape.join(",")}] vs expected [${want.shape.join(",")}]`;
  }
  if ((want instanceof IntTensor) !== (got instanceof IntTensor)) return `got ${got instanceof IntTensor ? "integers" : "floats"}, expected ${want instanceof IntTensor ? "integers" : "floats"}`;
  for (let i = 0; i < want.size; i++) {
    const a = got.data[i]!, e = want.data[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (want instanceof IntTensor ? a !== e : !(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e))) return `element ${i}: ${a} vs expected ${e}`;
  }
  return "";
}

/** Run one test directory. */
export function runCase(dir: string, op: string): CaseResult {
  const name = dir.split("/").pop()!;
  try {
    const model = new OnnxModel(decodeModel(new Uint8Array(readFileSync(join(dir, "model.onnx"))), name), { name });
    const sets = readdirSync(dir).filter((d) => d.startsWith("test_data_set_")).sort();
    if (sets.length === 0) return { dir: name, op, ok: false, reason: "no test data sets" };
    for (const set of sets) {
      const files = readdirSync(join(dir, set));
      const count = (prefix: string): number => files.filter((f) => f.startsWith(prefix)).length;
      const inputs = Array.from({ length: count("input_") }, (_, i) => readValue(join(dir, set, `input_${i}.pb`)));
      const outputs = Array.from({ length: count("output_") }, (_, i) => readValue(join(dir, set, `output_${i}.pb`)));
      const got = model.runGraph(inputs);
      for (let i = 0; i < outputs.length; i++) {
        const diff = compare(got[i]!, outputs[i]!);
        if (diff) return { dir: name, op, ok: false, reason: `${set} output ${i}: ${diff}` };
      }
    }
    return { dir: name, op, ok: true, reason: "" };
  } catch (e) {
    return { dir: name, op, ok: false, reason: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** Every covered test directory with the operator it counts for. */
export function listCases(): { path: string; op: string }[] {
  const out: { path: string; op: string }[] = [];
  const node = join(TESTDATA, "node");
  for (const d of readdirSync(node).sort()) {
    const fam = FAMILIES.find(([re]) => re.test(d));
    if (fam) out.push({ path: join(node, d), op: fam[1] });
  }
  const pt = join(TESTDATA, "pytorch-converted");
  if (existsSync(pt)) for (const d of readdirSync(pt).sort()) if (PYTORCH_CONVERTED.test(d)) out.push({ path: join(pt, d), op: "pytorch-converted" });
  return out;
}

/** Run everything; with `print`, write a per-operator table to stdout. */
export function runAll(): CaseResult[] {
  return listCases().map((c) => runCase(c.path, c.op));
}

export { Tensor };
