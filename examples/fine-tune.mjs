// Fine-tune from a checkpoint: start from the shipped LeNet-5 (trained on MNIST's ten digits), give it a new last
// layer for a new task — is a digit even or odd? — and train only that layer on a few hundred digits, in seconds.
// The file it writes records its classes and preprocessing, so classify() reads it like any convkit model file.
//
//   node examples/fine-tune.mjs [--weights FILE] [--train 600] [--epochs 2] [-o even-odd.safetensors]
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { F, ImageClassifier, data, io, models, noGrad, optim } from "convkit";
import { classify, loadBuiltinMnist, loadClassifierFile, writeFileAtomic } from "convkit/node";

const asset = (name) => fileURLToPath(import.meta.resolve(`convkit/assets/${name}`));
const { values } = parseArgs({
  options: {
    weights: { type: "string", default: asset("lenet5-mnist.safetensors") },
    train: { type: "string", default: "600" }, epochs: { type: "string", default: "2" },
    output: { type: "string", short: "o", default: "even-odd.safetensors" },
  },
});

// the checkpoint: weights, input size, mean and std
const base = loadClassifierFile(values.weights);
// the same network with a 2-way last layer (classifier.2): every other weight comes from the checkpoint
const net = models.create("lenet5", { ...base.modelOptions, numClasses: 2 });
const head = "classifier.2.";
const { missingKeys } = net.loadStateDict(new Map([...base.stateDict].filter(([key]) => !key.startsWith(head))), { strict: false });
console.log(`from ${values.weights}: all weights but ${missingKeys.join(", ")}`);
for (const [name, p] of net.namedParameters()) p.requiresGrad = name.startsWith(head); // train the new layer only

// the built-in digits, labelled even (0) or odd (1), preprocessed as the checkpoint says
const { train, test } = loadBuiltinMnist();
const toInput = base.inputTransform(train.get(0).image); // 28×28 → padded to 32×32, normalised
// n digits evenly spaced over a split (the built-in digits are stored by class)
const parity = (split, n) => ({
  length: Math.min(n, split.length), classes: ["even", "odd"],
  get: (i) => {
    const s = split.get(Math.floor((i * split.length) / Math.min(n, split.length)));
    return { image: toInput(s.image), label: s.label % 2 };
  },
});
const trainSet = parity(train, Number(values.train));
const testSet = parity(test, 1000);

const accuracy = () => {
  let right = 0;
  for (const { images, labels } of new data.DataLoader(testSet, { batchSize: 500 })) {
    right += noGrad(() => net.eval().call(images)).argmax(1).eq(labels).sum().item();
  }
  return (100 * right) / testSet.length;
};
console.log(`held-out accuracy before: ${accuracy().toFixed(1)}%`);
const opt = new optim.SGD([...net.parameters()].filter((p) => p.requiresGrad), { lr: 0.01, momentum: 0.9 });
for (let epoch = 0; epoch < Number(values.epochs); epoch++) {
  net.train();
  for (const { images, labels } of new data.DataLoader(trainSet, { batchSize: 32, shuffle: true, seed: epoch })) {
    opt.zeroGrad();
    F.crossEntropy(net.call(images), labels).backward();
    opt.step();
  }
}
console.log(`held-out accuracy after ${values.epochs} epochs on ${trainSet.length} digits: ${accuracy().toFixed(1)}%`);

// saved with its description (zoo name and options, classes, preprocessing): classify() needs nothing else
const tuned = new ImageClassifier({
  model: net, name: "lenet5", modelOptions: { ...base.modelOptions, numClasses: 2 }, numClasses: 2, classes: ["even", "odd"],
  mean: base.mean, std: base.std, inputShape: base.inputShape,
});
writeFileAtomic(values.output, io.saveSafetensors(net.stateDict(), tuned.metadata()));
const [best] = classify(values.output, asset("digits/7.png"));
console.log(`${values.output}: digits/7.png is ${best.label} (${(100 * best.probability).toFixed(1)}%)`);
