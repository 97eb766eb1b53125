// The rasteriser and the plots, checked pixel by pixel where the picture is determined by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, zeros, ShapeError } from "../../src/index.js";
import { Canvas, textWidth, BLACK } from "../../src/viz/raster.js";
import { filterGrid, featureMaps, montage, confusionMatrixImage, curves } from "../../src/viz/plots.js";
import { encodePng } from "../../src/viz/node.js";
import { PNG } from "pngjs";

const px = (c: Canvas, x: number, y: number): number[] => [...c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4)];

test("Canvas: rectangles, lines, text and scaled images", () => {
  const c = new Canvas(20, 10);
  assert.deepEqual(px(c, 0, 0), [255, 255, 255, 255]);
  c.fillRect(2, 3, 2, 2, [10, 20, 30]);
  assert.deepEqual(px(c, 3, 4), [10, 20, 30, 255]);
  assert.deepEqual(px(c, 4, 4), [255, 255, 255, 255]);
  c.line(0, 9, 19, 9, BLACK);
  for (let x = 0; x < 20; x++) assert.equal(px(c, x, 9)[0], 0);
  const t = new Canvas(12, 7);
  t.text(0, 0, "1");
  // glyph '1' row 0 is 00100: only column 2 is inked
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => px(t, x, 0)[0]), [255, 255, 0, 255, 255]);
  assert.equal(textWidth("ab"), 11);
  const im = new Canvas(4, 2);
  im.image(0, 0, [0, 1], 1, 1, 2, 0, 1, 2);
  assert.deepEqual([px(im, 1, 1)[0], px(im, 2, 0)[0]], [0, 255]);
  assert.equal(new Canvas(10.4, 3.6).width, 10);
});

test("filterGrid: grey = 0, white = the largest |weight|, one cell per filter; RGB for 3 input channels", () => {
  const w = zeros([2, 1, 2, 2]);
  w.data.set([1, -1, 0, 0.5, 0, 0, 0, 0]);
  const g = filterGrid(w, { scale: 1, gap: 1, columns: 2 });
  assert.deepEqual([g.width, g.height], [7, 4]);
  assert.deepEqual([px(g, 1, 1)[0], px(g, 2, 1)[0], px(g, 1, 2)[0]], [255, 0, 128]);
  const rgb = filterGrid(zeros([4, 3, 3, 3]), { scale: 2 });
  assert.equal(rgb.width, 2 * (6 + 2) + 2);
  assert.throws(() => filterGrid(zeros([3, 3])), ShapeError);
});

test("featureMaps, montage, confusion matrix and curves draw and encode to PNG", () => {
  const maps = featureMaps(tensor([[[[0, 1], [2, 3]], [[5, 5], [5, 6]]]]), { scale: 1, gap: 0, columns: 2 });
  assert.deepEqual([maps.width, maps.height], [4, 2]);
  assert.deepEqual([px(maps, 0, 0)[0], px(maps, 1, 1)[0], px(maps, 2, 0)[0]], [0, 255, 0]); // each map scaled to its own range
  const m = montage([{ label: "pixel", cells: [{ image: zeros([1, 4, 4]), caption: "q", border: [0, 255, 0] }] }]);
  assert.ok(m.width > 20);
  const cm = confusionMatrixImage([[5, 1], [0, 7]], ["cat", "dog"]);
  const back = PNG.sync.read(Buffer.from(encodePng(cm)));
  assert.deepEqual([back.width, back.height], [cm.width, cm.height]);
  assert.throws(() => confusionMatrixImage([[1, 2]], ["a"]), ShapeError);
  const cv = curves([{ title: "loss", xLabel: "epoch", series: [{ name: "train", points: [[1, 2], [2, 1]] }] }], { width: 200, height: 100 });
  assert.deepEqual([cv.width, cv.height], [200, 100]);
  // the series colour appears somewhere in the plot area
  let blue = 0;
  for (let i = 0; i < cv.data.length; i += 4) if (cv.data[i] === 31 && cv.data[i + 1] === 119 && cv.data[i + 2] === 180) blue++;
  assert.ok(blue > 50);
});
