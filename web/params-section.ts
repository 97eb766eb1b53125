// Section 3 of the playground: why convolution scales. Parameters of a fully connected layer on the whole image
// (linearParamCount) against a convolutional layer with the same number of filters (conv2dParamCount).
import { conv2dParamCount, linearParamCount } from "../src/index.js";
import { fmtInt } from "./render.js";
import { $, intInput } from "./dom.js";

export class ParamsSection {
  private readonly ids = ["fc-h", "fc-w", "fc-c", "fc-units", "fc-k"] as const;

  constructor() {
    for (const id of this.ids) $<HTMLInputElement>(id).addEventListener("input", () => this.update());
  }

  update(): void {
    const [h, w, c, units, k] = this.ids.map((id) => intInput($<HTMLInputElement>(id), 1, 1)) as [number, number, number, number, number];
    const inputs = h * w * c;
    const fcWeights = linearParamCount(inputs, units, false);
    const fcAll = linearParamCount(inputs, units, true);
    const convWeights = conv2dParamCount(c, units, k, { bias: false });
    const convAll = conv2dParamCount(c, units, k, { bias: true });
    $("fc-formula").textContent = `(H·W·C) · units = (${h}·${w}·${c}) · ${units} = ${fmtInt(inputs)} · ${units}`;
    $("fc-count").textContent = `${fmtInt(fcWeights)} weights (+${fmtInt(fcAll - fcWeights)} biases)`;
    $("fc-count").dataset["value"] = String(fcWeights);
    $("conv-formula").textContent = `(k·k·C) · filters = (${k}·${k}·${c}) · ${units} = ${fmtInt(k * k * c)} · ${units}`;
    $("conv-count").textContent = `${fmtInt(convWeights)} weights (+${fmtInt(convAll - convWeights)} biases)`;
    $("conv-count").dataset["value"] = String(convWeights);
    $("param-ratio").textContent =
      `The convolution needs ${fmtInt(fcWeights / convWeights)}× fewer weights, and its count does not grow with the ` +
      `image: the same ${k} × ${k} × ${c} filters slide over every position (sparse connectivity and weight sharing).`;
  }
}
