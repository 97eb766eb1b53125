// Classify photos with torchvision's ImageNet weights. torchvision saves them as .pth files (for ResNet-18,
// ~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth, from https://download.pytorch.org/models/resnet18-f37072fd.pth);
// convkit reads them with its restricted unpickler (no code runs) into the same architecture, with the same keys.
// The preprocessing is the usual one for a .pth file (resize the shorter side and centre-crop to 224×224, ImageNet's
// mean and std) and the class names are ImageNet's (shipped with convkit): one call per photo.
//
//   node examples/classify-photo.mjs resnet18-f37072fd.pth cat.jpg dog.png [--model resnet18] [--top 5]
import { parseArgs } from "node:util";
import { classify, loadClassifierFile } from "convkit/node";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: "string", default: "resnet18" }, top: { type: "string", default: "5" } },
});
const [weights, ...photos] = positionals;
if (!weights || photos.length === 0) {
  console.error("usage: node examples/classify-photo.mjs WEIGHTS.pth PHOTO... [--model resnet18] [--top 5]");
  process.exit(2);
}

// a .pth state dict does not say which architecture it is for: --model names the zoo model
const classifier = loadClassifierFile(weights, { model: values.model });
for (const photo of photos) {
  console.log(photo);
  for (const { label, probability } of classify(classifier, photo, { top: Number(values.top) })) {
    console.log(`  ${(100 * probability).toFixed(2).padStart(6)}%  ${label}`);
  }
}
