// Export a model to ONNX and run it in onnxruntime-node (npm install onnxruntime-node). The file carries the model's
// classes and preprocessing as metadata (convkit's loader and `convkit predict` read them back) and declares a
// symbolic batch size; onnxruntime computes what convkit computes.
//
//   node examples/export-onnx.mjs [WEIGHTS] [IMAGE] [-o model.onnx]      (default: the shipped LeNet-5 and digit 7)
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { io, noGrad, zeros } from "convkit";
import { loadClassifierFile, readImage, writeFileAtomic } from "convkit/node";

const asset = (name) => fileURLToPath(import.meta.resolve(`convkit/assets/${name}`));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { output: { type: "string", short: "o", default: "model.onnx" } } });
const [weights = asset("lenet5-mnist.safetensors"), image = asset("digits/7.png")] = positionals;

// the model with its preprocessing; traced once on an input of its shape
const classifier = loadClassifierFile(weights);
const onnx = io.exportOnnx(classifier.model, zeros([1, ...classifier.inputShape]), { metadata: classifier.metadata(), dynamicBatch: true });
writeFileAtomic(values.output, onnx);
console.log(`${classifier.name} → ${values.output} (${(onnx.length / 1024).toFixed(0)} KiB)`);

// the same input through onnxruntime and through convkit
const x = classifier.preprocess(readImage(image)); // [1, C, H, W]
const session = await ort.InferenceSession.create(values.output);
const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) };
const theirs = (await session.run(feeds))[session.outputNames[0]].data;
const ours = noGrad(() => classifier.model.call(x)).data;
const diff = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i])));
const best = (logits) => classifier.labels(logits.length)[logits.indexOf(Math.max(...logits))];
console.log(`${image}: onnxruntime says ${best([...theirs])}, convkit says ${best([...ours])}; logits differ by at most ${diff.toExponential(1)}`);
