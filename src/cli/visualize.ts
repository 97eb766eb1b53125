// convkit visualize filters|features: the first-layer filter grid, and the feature maps of an image at a layer.
import { Option, type Command } from "commander";
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Conv2d } from "../nn/conv.js";
import type { AnyModule } from "../nn/module.js";
import { filterGrid, featureMaps } from "../viz/plots.js";
import { writePng } from "../viz/node.js";
import { ValueError } from "../errors.js";
import { checkOutputPath, intArg, listSome, loadModelFile, options, readModelInput, type LoadedModel } from "./common.js";

/** Largest --scale: pixels per weight (a 7×7 filter is then 448 px wide). */
const MAX_SCALE = 64;

function layerOf(m: LoadedModel, name: string | undefined): [string, AnyModule] {
  const mods = [...m.model.namedModules()];
  if (name !== undefined) {
    const found = mods.find(([n]) => n === name);
    if (!found) throw new ValueError(`--layer '${name}' is not a layer of ${m.name} (layers: ${listSome(mods.filter(([n]) => n).map(([n]) => n), 30)})`);
    return found;
  }
  const conv = mods.find(([, mod]) => mod instanceof Conv2d);
  if (!conv) throw new ValueError(`${m.name} has no Conv2d layer; pass --layer`);
  return conv;
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  const vis = program.command("visualize").description("pictures of what a model learned: filters and feature maps");
  vis.command("filters")
    .description("the filters of a conv layer as a grid (default: the first conv layer, the lecture's edge detectors)")
    .argument("<weights>", "training checkpoint, .safetensors or .pth")
    .addOption(new Option("--layer <name>", "conv layer by name (e.g. features.0, conv1)").default(undefined, "the first conv layer"))
    .addOption(options.model())
    .addOption(new Option("--scale <n>", `pixels per weight, 1 to ${MAX_SCALE}`).argParser(intArg(1, MAX_SCALE)).default(undefined, "about 48 px per filter"))
    .addOption(options.output("output PNG"))
    .action((file: string, f: { layer?: string; model?: string; scale?: number; output: string }) => run(async () => {
      checkOutputPath("-o", f.output);
      const scale = f.scale === undefined ? {} : { scale: f.scale };
      const m = loadModelFile(file, { model: f.model });
      const [name, layer] = layerOf(m, f.layer);
      if (!(layer instanceof Conv2d)) throw new ValueError(`--layer '${name}' is a ${layer.typeName}, not a Conv2d`);
      const w = layer.weight;
      writePng(f.output, filterGrid(w, { title: `${m.name} ${name}: ${w.shape[0]} filters ${w.shape.slice(1).join("x")}`, ...scale }));
      console.log(`${name}: ${w.shape[0]} filters of ${w.shape.slice(1).join("×")} → ${f.output}`);
    }));
  vis.command("features")
    .description("the feature maps an image produces at a layer (default: the first conv layer)")
    .argument("<weights>", "training checkpoint, .safetensors or .pth")
    .argument("<image>", "PNG or JPEG file")
    .addOption(new Option("--layer <name>", "layer by name (e.g. features.0, features.3, layer1)").default(undefined, "the first conv layer"))
    .addOption(options.model())
    .addOption(options.invert())
    .addOption(options.resize())
    .addOption(options.output("output PNG"))
    .action((file: string, image: string, f: { layer?: string; model?: string; invert?: boolean; resize?: boolean; output: string }) => run(async () => {
      checkOutputPath("-o", f.output);
      const m = loadModelFile(file, { model: f.model });
      const [name, layer] = layerOf(m, f.layer);
      const x = readModelInput(m, image, { invert: f.invert, resize: f.resize });
      let captured: Tensor | null = null;
      const h = layer.registerForwardHook((_mod, _in, out) => {
        captured = out as Tensor;
        return undefined;
      });
      try {
        noGrad(() => m.model.call(x));
      } finally {
        h.remove();
      }
      const act = captured as Tensor | null;
      if (!act || act.ndim !== 4) throw new ValueError(`layer '${name}' gives no [1,C,H,W] feature maps${act ? ` (it gives [${act.shape.join(",")}])` : ""}`);
      writePng(f.output, featureMaps(act, { title: `${m.name} ${name}: ${act.shape[1]} maps ${act.shape[2]}x${act.shape[3]}` }));
      console.log(`${name}: ${act.shape[1]} feature maps of ${act.shape[2]}×${act.shape[3]} → ${f.output}`);
    }));
}
