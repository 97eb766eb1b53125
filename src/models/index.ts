// The model zoo: the lecture's classic architectures with torchvision's attribute names and state-dict keys, and a
// registry to build them by name (models.create("resnet18"), models.names()), its options typed per name.
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { ValueError } from "../errors.js";
import { lenet5, type LeNet5Options } from "./lenet.js";
import { alexnet, type AlexNetOptions } from "./alexnet.js";
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, type VGGOptions } from "./vgg.js";
import { vgg6_bn, type SmallVGGOptions } from "./vgg-small.js";
import { googlenet, type GoogLeNetOptions, type GoogLeNetOutputs } from "./googlenet.js";
import { resnet18, resnet34, resnet50, resnet101, resnet152, type ResNetOptions } from "./resnet.js";
import { resnet20, resnet56, type SmallResNetOptions } from "./resnet-small.js";
import { densenet121, densenet161, densenet169, densenet201, type DenseNetOptions } from "./densenet.js";
import { unet, type UNetOptions } from "./unet.js";
import { squeezenet1_1, type SqueezeNetOptions } from "./squeezenet.js";
import { shufflenet_v2_x1_0, type ShuffleNetV2Options } from "./shufflenet.js";
import { efficientnet_b0, type EfficientNetOptions } from "./efficientnet.js";
import { regnet_y_400mf, type RegNetOptions } from "./regnet.js";
import { mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, type MobileNetV2Options, type MobileNetV3Options } from "./mobilenet.js";

export { LeNet5, lenet5, type LeNet5Options } from "./lenet.js";
export { AlexNet, alexnet, type AlexNetOptions } from "./alexnet.js";
export { VGG, VGG_CONFIGS, makeVGGLayers, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, type VGGOptions, type VGGConfig } from "./vgg.js";
export { SmallVGG, SMALL_VGG_CONFIG, vgg6_bn, type SmallVGGOptions } from "./vgg-small.js";
export { GoogLeNet, BasicConv2d, Inception, InceptionAux, googlenet, type GoogLeNetOptions, type GoogLeNetOutputs } from "./googlenet.js";
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnet101, resnet152, type ResNetOptions, type BlockClass } from "./resnet.js";
export { SmallResNet, resnet20, resnet56, type SmallResNetOptions } from "./resnet-small.js";
export { DenseNet, DenseLayer, DenseBlock, Transition, densenet121, densenet161, densenet169, densenet201, type DenseNetOptions } from "./densenet.js";
export { UNet, DoubleConv, unet, type UNetOptions } from "./unet.js";
export { MobileNetV2, MobileNetV3, InvertedResidual, InvertedResidualV3, makeDivisible, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, type MobileNetV2Options, type MobileNetV3Options, type V3Row } from "./mobilenet.js";
export { SqueezeNet, Fire, squeezenet1_1, type SqueezeNetOptions } from "./squeezenet.js";
export { ShuffleNetV2, ShuffleUnit, shufflenet_v2_x1_0, type ShuffleNetV2Options } from "./shufflenet.js";
export { EfficientNet, MBConv, efficientnet_b0, type EfficientNetOptions } from "./efficientnet.js";
export { RegNet, REGNET_Y_400MF, SimpleStemIN, BottleneckTransform, ResBottleneckBlock, AnyStage, regnet_y_400mf, type RegNetConfig, type RegNetOptions } from "./regnet.js";
export type { ModelOptions } from "./common.js";
import type { LeNet5 } from "./lenet.js";
import type { AlexNet } from "./alexnet.js";
import type { VGG } from "./vgg.js";
import type { SmallVGG } from "./vgg-small.js";
import type { GoogLeNet } from "./googlenet.js";
import type { ResNet } from "./resnet.js";
import type { SmallResNet } from "./resnet-small.js";
import type { DenseNet } from "./densenet.js";
import type { UNet } from "./unet.js";
import type { MobileNetV2, MobileNetV3 } from "./mobilenet.js";
import type { SqueezeNet } from "./squeezenet.js";
import type { ShuffleNetV2 } from "./shufflenet.js";
import type { EfficientNet } from "./efficientnet.js";
import type { RegNet } from "./regnet.js";

/** Any zoo model: one image batch in, logits out (GoogLeNet with auxLogits in training: { logits, aux1, aux2 }). */
export type ZooModel = Module<[Tensor], Tensor | GoogLeNetOutputs>;

/** The options of each zoo model, by name: `ModelOptionsMap["resnet18"]` is ResNetOptions. create() takes them for a
 *  literal name, so a misspelt option does not compile. */
export interface ModelOptionsMap {
  /** LeNet-5 (LeCun 1998), 'modern' or 'classic' variant */
  lenet5: LeNet5Options;
  /** AlexNet (Krizhevsky 2012), torchvision layout */
  alexnet: AlexNetOptions;
  /** VGG-11 (config A) */
  vgg11: VGGOptions;
  /** VGG-11 with batch norm */
  vgg11_bn: VGGOptions;
  /** VGG-13 (config B) */
  vgg13: VGGOptions;
  /** VGG-13 with batch norm */
  vgg13_bn: VGGOptions;
  /** VGG-16 (config D) */
  vgg16: VGGOptions;
  /** VGG-16 with batch norm */
  vgg16_bn: VGGOptions;
  /** VGG-19 (config E) */
  vgg19: VGGOptions;
  /** VGG-19 with batch norm */
  vgg19_bn: VGGOptions;
  /** VGG for small images: 3×3 conv 32,32,pool,64,64,pool,128,pool + BN, one linear layer (Fashion-MNIST, CIFAR) */
  vgg6_bn: SmallVGGOptions;
  /** GoogLeNet / Inception v1 (Szegedy 2014) */
  googlenet: GoogLeNetOptions;
  /** ResNet-18 (He 2015), BasicBlock [2,2,2,2] */
  resnet18: ResNetOptions;
  /** ResNet-34, BasicBlock [3,4,6,3] */
  resnet34: ResNetOptions;
  /** ResNet-50, Bottleneck [3,4,6,3] */
  resnet50: ResNetOptions;
  /** ResNet-101, Bottleneck [3,4,23,3] */
  resnet101: ResNetOptions;
  /** ResNet-152, Bottleneck [3,8,36,3] */
  resnet152: ResNetOptions;
  /** ResNet-20 for small images (He 2015 §4.2, CIFAR): 3 stages of 3 BasicBlocks, 16/32/64 channels */
  resnet20: SmallResNetOptions;
  /** ResNet-56 for small images: 3 stages of 9 BasicBlocks, 16/32/64 channels */
  resnet56: SmallResNetOptions;
  /** DenseNet-121 (Huang 2017) */
  densenet121: DenseNetOptions;
  /** DenseNet-161 */
  densenet161: DenseNetOptions;
  /** DenseNet-169 */
  densenet169: DenseNetOptions;
  /** DenseNet-201 */
  densenet201: DenseNetOptions;
  /** U-Net (Ronneberger 2015), padded convs */
  unet: UNetOptions;
  /** MobileNetV2 (Sandler 2018): inverted residuals, depthwise 3×3, ReLU6 */
  mobilenet_v2: MobileNetV2Options;
  /** MobileNetV3-Large (Howard 2019): hard swish, squeeze-excitation */
  mobilenet_v3_large: MobileNetV3Options;
  /** MobileNetV3-Small (Howard 2019) */
  mobilenet_v3_small: MobileNetV3Options;
  /** SqueezeNet 1.1 (Iandola 2016): Fire modules, 1×1 conv classifier */
  squeezenet1_1: SqueezeNetOptions;
  /** ShuffleNetV2 ×1.0 (Ma 2018): channel split and shuffle */
  shufflenet_v2_x1_0: ShuffleNetV2Options;
  /** EfficientNet-B0 (Tan 2019): MBConv + squeeze-excitation, SiLU, stochastic depth */
  efficientnet_b0: EfficientNetOptions;
  /** RegNetY-400MF (Radosavovic 2020): grouped bottlenecks with squeeze-excitation */
  regnet_y_400mf: RegNetOptions;
}

/** The model each name builds: `ModelMap["lenet5"]` is LeNet5. */
export interface ModelMap {
  /** LeNet-5 (LeCun 1998), 'modern' or 'classic' variant */
  lenet5: LeNet5;
  /** AlexNet (Krizhevsky 2012), torchvision layout */
  alexnet: AlexNet;
  /** VGG-11 (config A) */
  vgg11: VGG;
  /** VGG-11 with batch norm */
  vgg11_bn: VGG;
  /** VGG-13 (config B) */
  vgg13: VGG;
  /** VGG-13 with batch norm */
  vgg13_bn: VGG;
  /** VGG-16 (config D) */
  vgg16: VGG;
  /** VGG-16 with batch norm */
  vgg16_bn: VGG;
  /** VGG-19 (config E) */
  vgg19: VGG;
  /** VGG-19 with batch norm */
  vgg19_bn: VGG;
  /** VGG for small images: 3×3 conv 32,32,pool,64,64,pool,128,pool + BN, one linear layer (Fashion-MNIST, CIFAR) */
  vgg6_bn: SmallVGG;
  /** GoogLeNet / Inception v1 (Szegedy 2014) */
  googlenet: GoogLeNet;
  /** ResNet-18 (He 2015), BasicBlock [2,2,2,2] */
  resnet18: ResNet;
  /** ResNet-34, BasicBlock [3,4,6,3] */
  resnet34: ResNet;
  /** ResNet-50, Bottleneck [3,4,6,3] */
  resnet50: ResNet;
  /** ResNet-101, Bottleneck [3,4,23,3] */
  resnet101: ResNet;
  /** ResNet-152, Bottleneck [3,8,36,3] */
  resnet152: ResNet;
  /** ResNet-20 for small images (He 2015 §4.2, CIFAR): 3 stages of 3 BasicBlocks, 16/32/64 channels */
  resnet20: SmallResNet;
  /** ResNet-56 for small images: 3 stages of 9 BasicBlocks, 16/32/64 channels */
  resnet56: SmallResNet;
  /** DenseNet-121 (Huang 2017) */
  densenet121: DenseNet;
  /** DenseNet-161 */
  densenet161: DenseNet;
  /** DenseNet-169 */
  densenet169: DenseNet;
  /** DenseNet-201 */
  densenet201: DenseNet;
  /** U-Net (Ronneberger 2015), padded convs */
  unet: UNet;
  /** MobileNetV2 (Sandler 2018): inverted residuals, depthwise 3×3, ReLU6 */
  mobilenet_v2: MobileNetV2;
  /** MobileNetV3-Large (Howard 2019): hard swish, squeeze-excitation */
  mobilenet_v3_large: MobileNetV3;
  /** MobileNetV3-Small (Howard 2019) */
  mobilenet_v3_small: MobileNetV3;
  /** SqueezeNet 1.1 (Iandola 2016): Fire modules, 1×1 conv classifier */
  squeezenet1_1: SqueezeNet;
  /** ShuffleNetV2 ×1.0 (Ma 2018): channel split and shuffle */
  shufflenet_v2_x1_0: ShuffleNetV2;
  /** EfficientNet-B0 (Tan 2019): MBConv + squeeze-excitation, SiLU, stochastic depth */
  efficientnet_b0: EfficientNet;
  /** RegNetY-400MF (Radosavovic 2020): grouped bottlenecks with squeeze-excitation */
  regnet_y_400mf: RegNet;
}

/** A zoo model's name: "lenet5", "resnet18", …; names() lists them at run time. */
export type ModelName = keyof ModelOptionsMap;

/** The zoo's factories by name; its type checks ModelOptionsMap and ModelMap against them. */
const FACTORIES: { [N in ModelName]: (opts?: ModelOptionsMap[N]) => ModelMap[N] } = {
  lenet5, alexnet, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, vgg6_bn, googlenet,
  resnet18, resnet34, resnet50, resnet101, resnet152, resnet20, resnet56, densenet121, densenet161, densenet169, densenet201, unet,
  mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, squeezenet1_1, shufflenet_v2_x1_0, efficientnet_b0, regnet_y_400mf,
};

/** Options of a name known only at run time (a string from a file or the command line): checked when the model is built. */
export type CreateOptions = Record<string, unknown>;

/** The options create() takes for `N`: that model's own for a literal name, any record for a run-time string. */
export type CreateOptionsFor<N extends string> = N extends ModelName ? ModelOptionsMap[N] : CreateOptions;

/** Each options type's keys, listed for the run-time check of create() (a misspelt key from JavaScript or a file
 *  would otherwise be ignored silently); `allKeys` makes the compiler refuse a list that misses or invents one. */
const allKeys = <T>() => <const K extends readonly (keyof T & string)[]>(...keys: K & (Exclude<keyof T, K[number]> extends never ? unknown : { missing: Exclude<keyof T, K[number]> })): K => keys;
const BASE = ["numClasses", "generator"] as const;
const VGG_KEYS = allKeys<VGGOptions>()(...BASE, "dropout", "initWeights");
const RESNET_KEYS = allKeys<ResNetOptions>()(...BASE, "zeroInitResidual");
const SMALL_RESNET_KEYS = allKeys<SmallResNetOptions>()(...BASE, "inChannels", "zeroInitResidual");
const MOBILENET_KEYS = allKeys<MobileNetV2Options & MobileNetV3Options>()(...BASE, "widthMult", "dropout");
const DENSENET_KEYS = allKeys<DenseNetOptions>()(...BASE, "growthRate", "blockConfig", "numInitFeatures", "bnSize", "dropRate");

interface Entry {
  /** The option names the model reads. */
  options: readonly string[];
  /** A typical input shape, for summaries and the CLI. */
  inputShape: readonly number[];
  description: string;
}

const REGISTRY: { [N in ModelName]: Entry } = {
  lenet5: { options: allKeys<LeNet5Options>()(...BASE, "variant", "inChannels"), inputShape: [1, 1, 32, 32], description: "LeNet-5 (LeCun 1998), 'modern' or 'classic' variant" },
  alexnet: { options: allKeys<AlexNetOptions>()(...BASE, "dropout"), inputShape: [1, 3, 224, 224], description: "AlexNet (Krizhevsky 2012), torchvision layout" },
  vgg11: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-11 (config A)" },
  vgg11_bn: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-11 with batch norm" },
  vgg13: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-13 (config B)" },
  vgg13_bn: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-13 with batch norm" },
  vgg16: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-16 (config D)" },
  vgg16_bn: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-16 with batch norm" },
  vgg19: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-19 (config E)" },
  vgg19_bn: { options: VGG_KEYS, inputShape: [1, 3, 224, 224], description: "VGG-19 with batch norm" },
  vgg6_bn: { options: allKeys<SmallVGGOptions>()(...BASE, "inChannels", "dropout"), inputShape: [1, 1, 28, 28], description: "VGG for small images: 3×3 conv 32,32,pool,64,64,pool,128,pool + BN, one linear layer (Fashion-MNIST, CIFAR)" },
  googlenet: { options: allKeys<GoogLeNetOptions>()(...BASE, "auxLogits", "transformInput", "dropout", "dropoutAux", "initWeights"), inputShape: [1, 3, 224, 224], description: "GoogLeNet / Inception v1 (Szegedy 2014)" },
  resnet18: { options: RESNET_KEYS, inputShape: [1, 3, 224, 224], description: "ResNet-18 (He 2015), BasicBlock [2,2,2,2]" },
  resnet34: { options: RESNET_KEYS, inputShape: [1, 3, 224, 224], description: "ResNet-34, BasicBlock [3,4,6,3]" },
  resnet50: { options: RESNET_KEYS, inputShape: [1, 3, 224, 224], description: "ResNet-50, Bottleneck [3,4,6,3]" },
  resnet101: { options: RESNET_KEYS, inputShape: [1, 3, 224, 224], description: "ResNet-101, Bottleneck [3,4,23,3]" },
  resnet152: { options: RESNET_KEYS, inputShape: [1, 3, 224, 224], description: "ResNet-152, Bottleneck [3,8,36,3]" },
  resnet20: { options: SMALL_RESNET_KEYS, inputShape: [1, 3, 32, 32], description: "ResNet-20 for small images (He 2015 §4.2, CIFAR): 3 stages of 3 BasicBlocks, 16/32/64 channels" },
  resnet56: { options: SMALL_RESNET_KEYS, inputShape: [1, 3, 32, 32], description: "ResNet-56 for small images: 3 stages of 9 BasicBlocks, 16/32/64 channels" },
  densenet121: { options: DENSENET_KEYS, inputShape: [1, 3, 224, 224], description: "DenseNet-121 (Huang 2017)" },
  densenet161: { options: DENSENET_KEYS, inputShape: [1, 3, 224, 224], description: "DenseNet-161" },
  densenet169: { options: DENSENET_KEYS, inputShape: [1, 3, 224, 224], description: "DenseNet-169" },
  densenet201: { options: DENSENET_KEYS, inputShape: [1, 3, 224, 224], description: "DenseNet-201" },
  unet: { options: allKeys<UNetOptions>()(...BASE, "inChannels", "baseWidth", "depth", "batchNorm"), inputShape: [1, 1, 256, 256], description: "U-Net (Ronneberger 2015), padded convs" },
  mobilenet_v2: { options: MOBILENET_KEYS, inputShape: [1, 3, 224, 224], description: "MobileNetV2 (Sandler 2018): inverted residuals, depthwise 3×3, ReLU6" },
  mobilenet_v3_large: { options: MOBILENET_KEYS, inputShape: [1, 3, 224, 224], description: "MobileNetV3-Large (Howard 2019): hard swish, squeeze-excitation" },
  mobilenet_v3_small: { options: MOBILENET_KEYS, inputShape: [1, 3, 224, 224], description: "MobileNetV3-Small (Howard 2019)" },
  squeezenet1_1: { options: allKeys<SqueezeNetOptions>()(...BASE, "dropout"), inputShape: [1, 3, 224, 224], description: "SqueezeNet 1.1 (Iandola 2016): Fire modules, 1×1 conv classifier" },
  shufflenet_v2_x1_0: { options: allKeys<ShuffleNetV2Options>()(...BASE), inputShape: [1, 3, 224, 224], description: "ShuffleNetV2 ×1.0 (Ma 2018): channel split and shuffle" },
  efficientnet_b0: { options: allKeys<EfficientNetOptions>()(...BASE, "dropout", "stochasticDepthProb"), inputShape: [1, 3, 224, 224], description: "EfficientNet-B0 (Tan 2019): MBConv + squeeze-excitation, SiLU, stochastic depth" },
  regnet_y_400mf: { options: allKeys<RegNetOptions>()(...BASE), inputShape: [1, 3, 224, 224], description: "RegNetY-400MF (Radosavovic 2020): grouped bottlenecks with squeeze-excitation" },
};

/** Names create() accepts, in zoo order. */
export function names(): string[] {
  return Object.keys(REGISTRY);
}

/** Whether `name` is a zoo model's name (narrows a run-time string for create's typed options). */
export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(REGISTRY, name);
}

/**
 * Build a zoo model by name, e.g. `create("resnet18", { numClasses: 10 })`. With a literal name the options are that
 * model's own type (`ModelOptionsMap`), so a misspelt option does not compile, and the result is the model's class;
 * with a name known only at run time they are any record. Either way an option the model does not read is a
 * ValueError naming it, as is an unknown name.
 */
export function create<N extends string>(name: N & (string extends N ? string : ModelName), opts?: CreateOptionsFor<N>): N extends ModelName ? ModelMap[N] : ZooModel;
export function create(name: string, opts: CreateOptions = {}): ZooModel {
  if (!isModelName(name)) throw new ValueError(`models.create: unknown model '${name}' (known: ${names().join(", ")})`);
  const known = REGISTRY[name].options;
  const unknown = Object.keys(opts).filter((k) => opts[k] !== undefined && !known.includes(k));
  if (unknown.length) throw new ValueError(`models.create: ${name} has no option ${unknown.map((k) => `'${k}'`).join(", ")} (its options: ${known.join(", ")})`);
  return (FACTORIES[name] as (o: CreateOptions) => ZooModel)(opts);
}

/** The input shape a model is usually run at ([1,3,224,224] for the ImageNet models). */
export function defaultInputShape(name: string): number[] {
  if (!isModelName(name)) throw new ValueError(`models.defaultInputShape: unknown model '${name}' (known: ${names().join(", ")})`);
  return [...REGISTRY[name].inputShape];
}

/** One line about a model. */
export function describe(name: string): string {
  if (!isModelName(name)) throw new ValueError(`models.describe: unknown model '${name}'`);
  return REGISTRY[name].description;
}
