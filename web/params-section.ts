// Section "Why convolution": why convolution scales. Parameters of a fully connected layer on the whole image
// (linearParamCount) against a convolutional layer with the same number of filters (conv2dParamCount).
import { conv2dParamCount, linearParamCount } from "../src/index.js";
import { fmtInt } from "./render.js";
import { $, readInts, showError } from "./dom.js";

export class ParamsSection {
  private readonly ids = ["fc-h", "fc-w", "fc-c", "fc-units", "fc-k"] as const;

  constructor() {
    for (const id of this.ids) $<HTMLInputElement>(id).addEventListener("input", () => this.update());
  }

  update(): void {
    const input = (id: string) => $<HTMLInputElement>(id);
    const r = readInts({
      h: [input("fc-h"), { name: "image height H", min: 1, max: 4096 }],
      w: [input("fc-w"), { name: "image width W", min: 1, max: 4096 }],
      c: [input("fc-c"), { name: "channels C", min: 1, max: 4096 }],
      units: [input("fc-units"), { name: "units / filters", min: 1, max: 4096 }],
      k: [input("fc-k"), { name: "kernel size k", min: 1, max: 31 }],
    });
    showError($("fc-error"), r.error);
    if (r.error !== null) {
      for (const id of ["fc-formula", "fc-count", "conv-formula", "conv-count", "param-ratio"]) $(id).textContent = "";
      return;
    }
    const { h, w, c, units, k } = r.values;
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
