// The page's script (index.html): the model file is fetched as bytes, loaded with the preprocessing it records, and
// classifies what the canvas shows — its ImageData, RGBA pixels — with no server work. Bundle it with esbuild (see
// index.html); convkit's main entry imports nothing Node-only.
import { loadClassifier } from "convkit";

const result = document.getElementById("result");
try {
  const weights = new Uint8Array(await (await fetch("lenet5-mnist.safetensors")).arrayBuffer());
  const classifier = loadClassifier(weights, { name: "lenet5-mnist.safetensors" });

  // a digit drawn on the canvas: here the sample image, scaled to 28×28
  const image = new Image();
  image.src = "7.png";
  await image.decode();
  const canvas = document.getElementById("digit");
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);

  const top = classifier.classify(ctx.getImageData(0, 0, canvas.width, canvas.height), { top: 3 });
  result.textContent = top.map((p) => `${p.label}: ${(100 * p.probability).toFixed(1)}%`).join(", ");
  result.dataset.label = top[0].label;
} catch (e) {
  result.textContent = `error: ${e.message}`;
}
