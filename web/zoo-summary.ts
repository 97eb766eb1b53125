// One zoo model's summary in the page's form: nn.summarize at the model's usual input shape, per leaf layer, and the
// output shape of each block for the layer diagram (a block: a child that is not a plain container — a Bottleneck, an
// Inception module, a DoubleConv, a single layer —, found by forward hooks during the same pass). Shared by the
// model-zoo worker (live, in the browser) and web/tools/make-zoo-data.ts (the copy the page ships).
import { Tensor, models, nn } from "../src/index.js";
import type { ZooBlock, ZooLayer, ZooSummary } from "./zoo-protocol.js";

const CONTAINERS = new Set(["Sequential", "ModuleList", "ModuleDict"]);

/** Builds `name` (initialising its weights) and summarizes it; shapes lose their batch dimension. */
export function zooSummary(name: string): ZooSummary {
  const inputShape = models.defaultInputShape(name);
  const model = models.create(name);
  // every call of every module but the root, in the order the calls finish
  const calls: { module: nn.AnyModule; shape: number[] }[] = [];
  const handles = [...model.namedModules()].filter(([path]) => path !== "").map(([, m]) => m.registerForwardHook((mod, _inputs, out) => {
    if (out instanceof Tensor) calls.push({ module: mod as unknown as nn.AnyModule, shape: out.shape.slice(1) });
    return undefined;
  }));
  let s: nn.SummaryData;
  try {
    s = nn.summarize(model, inputShape);
  } finally {
    for (const h of handles) h.remove();
  }
  const called = new Set(calls.map((c) => c.module));
  // the blocks: descend through plain containers, and through modules the forward did not call (DenseNet's dense
  // blocks run their layers without a call of their own)
  const blockNames = new Map<nn.AnyModule, string>();
  const visit = (m: nn.AnyModule, path: string): void => {
    for (const [child, c] of m.namedChildren()) {
      const p = path ? `${path}.${child}` : child;
      const hasChildren = [...c.children()].length > 0;
      if (hasChildren && (CONTAINERS.has(c.typeName) || !called.has(c))) visit(c, p);
      else if (called.has(c)) blockNames.set(c, p);
    }
  };
  visit(model as unknown as nn.AnyModule, "");
  const blocks: ZooBlock[] = calls.filter((c) => blockNames.has(c.module)).map((c) => [blockNames.get(c.module)!, c.module.typeName, c.shape]);
  const layers: ZooLayer[] = s.layers.map((l) => [l.name, l.type, l.outputShape.slice(1), l.params, l.macs]);
  return {
    name, description: models.describe(name), inputShape: inputShape.slice(1), params: s.totals.params, macs: s.totals.macs,
    paramBytes: s.totals.paramBytes, activationBytes: s.totals.activationBytes, layers, blocks,
  };
}
