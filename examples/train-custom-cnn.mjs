// Train a CNN of your own with fit: a small network written as an nn.Module, the built-in MNIST digits (8,004 to
// train on, 1,996 held out), a validation pass after each epoch, early stopping, and a run directory with checkpoints,
// metrics and curves. Then the trained network classifies a digit, with its preprocessing, as an ImageClassifier.
//
//   node examples/train-custom-cnn.mjs [--epochs 3] [--limit 8004] [--dir runs/small-cnn]
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ImageClassifier, data, nn, optim, train } from "convkit";
import { fit, loadBuiltinMnist, readImage } from "convkit/node";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "3" }, limit: { type: "string" },
    dir: { type: "string", default: "runs/small-cnn" },
  },
});

/** Two 3×3 conv blocks and a linear classifier: x [N, 1, 28, 28] → logits [N, 10]. */
class SmallCNN extends nn.Module {
  constructor() {
    super();
    this.features = this.registerModule("features", new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2), // → 16×14×14
      new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2), // → 32×7×7
    ));
    this.classifier = this.registerModule("classifier", new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(32 * 7 * 7, 10)));
  }

  forward(x) {
    return this.classifier.call(this.features.call(x));
  }
}

const net = new SmallCNN();
nn.printSummary(net, [1, 1, 28, 28]);

// the digits, normalised with MNIST's mean and std (the held-out ones too), a random shift while training
const mean = [data.MNIST_MEAN], std = [data.MNIST_STD];
const { train: trainDigits, test: heldOut } = loadBuiltinMnist();
const limit = values.limit ? Math.min(Number(values.limit), trainDigits.length) : trainDigits.length;
// --limit: that many digits evenly spaced over the split (the built-in digits are stored by class)
const some = new data.Subset(trainDigits, Array.from({ length: limit }, (_, i) => Math.floor((i * trainDigits.length) / limit)));
const trainSet = data.withTransform(some, data.compose(data.randomCrop(28, { padding: 2 }), data.normalize(mean, std)));
const valSet = data.withTransform(heldOut, data.normalize(mean, std));

const result = await fit(net, trainSet, {
  epochs: Number(values.epochs), batchSize: 64,
  optimizer: new optim.Adam(net.parameters(), { lr: 2e-3 }),
  validation: valSet,
  callbacks: [new train.EarlyStopping({ patience: 2 })],
  dir: values.dir, // last.safetensors, best.safetensors, metrics.jsonl, metrics.csv, curves.png
  checkpointInfo: { classes: [...data.MNIST_CLASSES], mean, std, inputShape: [1, 28, 28] },
});
console.log(`best ${result.best.monitor} ${result.best.value?.toFixed(4)} at epoch ${result.best.epoch}; the run is in ${values.dir}`);

// the trained network as a classifier: the same preprocessing, class names, top classes with probabilities
const classifier = new ImageClassifier({ model: net, name: "SmallCNN", classes: [...data.MNIST_CLASSES], mean, std, inputShape: [1, 28, 28], numClasses: 10 });
const digit = fileURLToPath(import.meta.resolve("convkit/assets/digits/3.png"));
const [best] = classifier.classify(readImage(digit));
console.log(`digits/3.png is a ${best.label} (${(100 * best.probability).toFixed(1)}%)`);
