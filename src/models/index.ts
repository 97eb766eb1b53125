// The model zoo: the lecture's classic architectures with torchvision's attribute names and state-dict keys, and a
// registry to build them by name (models.create("resnet18"), models.names()).
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { ValueError } from "../errors.js";
import { lenet5 } from "./lenet.js";
import { alexnet } from "./alexnet.js";
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn } from "./vgg.js";
import { vgg6_bn } from "./vgg-small.js";
import { googlenet, type GoogLeNetOutputs } from "./googlenet.js";
import { resnet18, resnet34, resnet50, resnet101, resnet152 } from "./resnet.js";
import { resnet20, resnet56 } from "./resnet-small.js";
import { densenet121, densenet161, densenet169, densenet201 } from "./densenet.js";
import { unet } from "./unet.js";

export { LeNet5, lenet5, type LeNet5Options } from "./lenet.js";
export { AlexNet, alexnet, type AlexNetOptions } from "./alexnet.js";
export { VGG, VGG_CONFIGS, makeVGGLayers, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, type VGGOptions, type VGGConfig } from "./vgg.js";
export { SmallVGG, SMALL_VGG_CONFIG, vgg6_bn, type SmallVGGOptions } from "./vgg-small.js";
export { GoogLeNet, BasicConv2d, Inception, InceptionAux, googlenet, type GoogLeNetOptions, type GoogLeNetOutputs } from "./googlenet.js";
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnet101, resnet152, type ResNetOptions } from "./resnet.js";
export { SmallResNet, resnet20, resnet56, type SmallResNetOptions } from "./resnet-small.js";
export { DenseNet, DenseLayer, DenseBlock, Transition, densenet121, densenet161, densenet169, densenet201, type DenseNetOptions } from "./densenet.js";
export { UNet, DoubleConv, unet, type UNetOptions } from "./unet.js";
export type { ModelOptions } from "./common.js";

/** Any zoo model: one image batch in, logits out (GoogLeNet with auxLogits in training: { logits, aux1, aux2 }). */
export type ZooModel = Module<[Tensor], Tensor | GoogLeNetOutputs>;

/** Options accepted by create(); each model reads the ones it knows (see its own options type). */
export type CreateOptions = Record<string, unknown>;

interface Entry {
  build: (opts: CreateOptions) => ZooModel;
  /** A typical input shape, for summaries and the CLI. */
  inputShape: readonly number[];
  description: string;
}

const REGISTRY: Record<string, Entry> = {
  lenet5: { build: (o) => lenet5(o), inputShape: [1, 1, 32, 32], description: "LeNet-5 (LeCun 1998), 'modern' or 'classic' variant" },
  alexnet: { build: (o) => alexnet(o), inputShape: [1, 3, 224, 224], description: "AlexNet (Krizhevsky 2012), torchvision layout" },
  vgg11: { build: (o) => vgg11(o), inputShape: [1, 3, 224, 224], description: "VGG-11 (config A)" },
  vgg11_bn: { build: (o) => vgg11_bn(o), inputShape: [1, 3, 224, 224], description: "VGG-11 with batch norm" },
  vgg13: { build: (o) => vgg13(o), inputShape: [1, 3, 224, 224], description: "VGG-13 (config B)" },
  vgg13_bn: { build: (o) => vgg13_bn(o), inputShape: [1, 3, 224, 224], description: "VGG-13 with batch norm" },
  vgg16: { build: (o) => vgg16(o), inputShape: [1, 3, 224, 224], description: "VGG-16 (config D)" },
  vgg16_bn: { build: (o) => vgg16_bn(o), inputShape: [1, 3, 224, 224], description: "VGG-16 with batch norm" },
  vgg19: { build: (o) => vgg19(o), inputShape: [1, 3, 224, 224], description: "VGG-19 (config E)" },
  vgg19_bn: { build: (o) => vgg19_bn(o), inputShape: [1, 3, 224, 224], description: "VGG-19 with batch norm" },
  vgg6_bn: { build: (o) => vgg6_bn(o), inputShape: [1, 1, 28, 28], description: "VGG for small images: 3×3 conv 32,32,pool,64,64,pool,128,pool + BN, one linear layer (Fashion-MNIST, CIFAR)" },
  googlenet: { build: (o) => googlenet(o), inputShape: [1, 3, 224, 224], description: "GoogLeNet / Inception v1 (Szegedy 2014)" },
  resnet18: { build: (o) => resnet18(o), inputShape: [1, 3, 224, 224], description: "ResNet-18 (He 2015), BasicBlock [2,2,2,2]" },
  resnet34: { build: (o) => resnet34(o), inputShape: [1, 3, 224, 224], description: "ResNet-34, BasicBlock [3,4,6,3]" },
  resnet50: { build: (o) => resnet50(o), inputShape: [1, 3, 224, 224], description: "ResNet-50, Bottleneck [3,4,6,3]" },
  resnet101: { build: (o) => resnet101(o), inputShape: [1, 3, 224, 224], description: "ResNet-101, Bottleneck [3,4,23,3]" },
  resnet152: { build: (o) => resnet152(o), inputShape: [1, 3, 224, 224], description: "ResNet-152, Bottleneck [3,8,36,3]" },
  resnet20: { build: (o) => resnet20(o), inputShape: [1, 3, 32, 32], description: "ResNet-20 for small images (He 2015 §4.2, CIFAR): 3 stages of 3 BasicBlocks, 16/32/64 channels" },
  resnet56: { build: (o) => resnet56(o), inputShape: [1, 3, 32, 32], description: "ResNet-56 for small images: 3 stages of 9 BasicBlocks, 16/32/64 channels" },
  densenet121: { build: (o) => densenet121(o), inputShape: [1, 3, 224, 224], description: "DenseNet-121 (Huang 2017)" },
  densenet161: { build: (o) => densenet161(o), inputShape: [1, 3, 224, 224], description: "DenseNet-161" },
  densenet169: { build: (o) => densenet169(o), inputShape: [1, 3, 224, 224], description: "DenseNet-169" },
  densenet201: { build: (o) => densenet201(o), inputShape: [1, 3, 224, 224], description: "DenseNet-201" },
  unet: { build: (o) => unet(o), inputShape: [1, 1, 256, 256], description: "U-Net (Ronneberger 2015), padded convs" },
};

/** Names create() accepts, in zoo order. */
export function names(): string[] {
  return Object.keys(REGISTRY);
}

/** Build a zoo model by name, e.g. create("resnet18", { numClasses: 10 }). */
export function create(name: string, opts: CreateOptions = {}): ZooModel {
  const entry = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) throw new ValueError(`models.create: unknown model '${name}' (known: ${names().join(", ")})`);
  return entry.build(opts);
}

/** The input shape a model is usually run at ([1,3,224,224] for the ImageNet models). */
export function defaultInputShape(name: string): number[] {
  const entry = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) throw new ValueError(`models.defaultInputShape: unknown model '${name}' (known: ${names().join(", ")})`);
  return [...entry.inputShape];
}

/** One line about a model. */
export function describe(name: string): string {
  const entry = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) throw new ValueError(`models.describe: unknown model '${name}'`);
  return entry.description;
}
