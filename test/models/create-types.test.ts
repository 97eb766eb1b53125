// models.create's options are typed per model name (ModelOptionsMap): a misspelt option or model name does not compile
// (`npm run typecheck` covers this file: each @ts-expect-error line must be an error), and at run time an option the
// model does not read is refused, for JavaScript callers and names known only at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as models from "../../src/models/index.js";
import { ValueError } from "../../src/errors.js";
import { skipInit } from "../../src/nn/init.js";

test("create() takes each model's own options, and says which one it does not read", () => {
  const small = (): void => {
    // @ts-expect-error numClases is not an option of resnet18 (numClasses is)
    models.create("resnet18", { numClases: 10 });
    // @ts-expect-error lenet5's variant is 'classic' or 'modern'
    models.create("lenet5", { variant: "old" });
    // @ts-expect-error resnet18 has no inChannels (resnet20 has)
    models.create("resnet18", { inChannels: 1 });
    // @ts-expect-error no zoo model is called resnet19
    models.create("resnet19");
  };
  void small;
  // a literal name gives the model's class, with its own fields
  const net: models.LeNet5 = models.create("lenet5", { variant: "classic", inChannels: 3 });
  assert.equal(net.variant, "classic");
  const unet: models.UNet = skipInit(() => models.create("unet", { baseWidth: 4, depth: 1 }));
  assert.ok(unet instanceof models.UNet);
  // a run-time name takes any record, checked when the model is built
  const name: string = "resnet18";
  assert.throws(() => models.create(name, { numClases: 10 }), (e: unknown) => e instanceof ValueError && /resnet18 has no option 'numClases' \(its options: numClasses, generator, zeroInitResidual\)/.test(e.message));
  assert.throws(() => models.create("lenet5", { numClasses: 10, ...({ inChanels: 3 } as object) }), /lenet5 has no option 'inChanels'/);
  assert.throws(() => models.create(name.replace("18", "19")), /unknown model 'resnet19'/);
  const typed: models.ModelOptionsMap["resnet20"] = { inChannels: 1, numClasses: 10 };
  assert.equal(skipInit(() => models.create("resnet20", typed)).numParameters(), 272_474 - 2 * 16 * 9);
});
