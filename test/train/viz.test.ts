// The pictures: the pixel Canvas and the PNG encoder checked byte by byte; the SVG figures by their layout (sizes,
// labels, where each cell and point goes) and by the pixels resvg draws from them with the shipped font.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { tensor, zeros, ShapeError, ValueError } from "../../src/index.js";
import { Canvas, BLACK } from "../../src/viz/raster.js";
import { encodeRgbaPng } from "../../src/viz/png.js";
import { SvgWriter, escapeXml, formatNumber, textWidth, type Figure } from "../../src/viz/svg.js";
import { filterGrid, featureMaps, montage, confusionMatrixImage, curves, trainingCurves, type EpochSummary } from "../../src/viz/plots.js";
import { encodePng, rasterize, svgPathFor, writePng } from "../../src/viz/node.js";

const px = (c: Canvas, x: number, y: number): number[] => [...c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4)];

/** The figure drawn by resvg, decoded. */
function draw(f: Figure): PNG {
  const png = PNG.sync.read(Buffer.from(rasterize(f)));
  assert.deepEqual([png.width, png.height], [f.width, f.height]);
  return png;
}
const rgbAt = (p: PNG, x: number, y: number): number[] => {
  const o = (Math.floor(y) * p.width + Math.floor(x)) * 4;
  return [p.data[o]!, p.data[o + 1]!, p.data[o + 2]!];
};
/** Every element `name` of the SVG with its numeric attributes. */
function elements(svg: string, name: string): Record<string, number>[] {
  return [...svg.matchAll(new RegExp(`<${name}\\b([^>]*)>`, "g"))].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k!, Number(v)])));
}
/** The text content of every <text> element. */
const texts = (svg: string): string[] => [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
/** The centre of pixel (i, j) of a kh×kw plane drawn in the <image> box b. */
const cellCentre = (b: Record<string, number>, kh: number, kw: number, i: number, j: number): [number, number] =>
  [b.x! + ((j + 0.5) * b.width!) / kw, b.y! + ((i + 0.5) * b.height!) / kh];

test("Canvas: rectangles, lines and scaled images; a constant image is mid-grey", () => {
  const c = new Canvas(20, 10);
  assert.deepEqual(px(c, 0, 0), [255, 255, 255, 255]);
  c.fillRect(2, 3, 2, 2, [10, 20, 30]);
  assert.deepEqual(px(c, 3, 4), [10, 20, 30, 255]);
  assert.deepEqual(px(c, 4, 4), [255, 255, 255, 255]);
  c.line(0, 9, 19, 9, BLACK);
  for (let x = 0; x < 20; x++) assert.equal(px(c, x, 9)[0], 0);
  const im = new Canvas(4, 2);
  im.image(0, 0, [0, 1], 1, 1, 2, 0, 1, 2);
  assert.deepEqual([px(im, 1, 1)[0], px(im, 2, 0)[0]], [0, 255]);
  im.image(0, 0, [0.3, 0.3], 1, 1, 2, 0.3, 0.3, 2);
  assert.deepEqual([px(im, 0, 0)[0], px(im, 3, 1)[0]], [128, 128]);
  assert.equal(new Canvas(10.4, 3.6).width, 10);
});

test("encodeRgbaPng: pngjs (which checks every CRC) reads back the same pixels; a Canvas encodes through it", () => {
  const w = 7, h = 5;
  const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37 + (i >> 2) * 11) & 255);
  const back = PNG.sync.read(Buffer.from(encodeRgbaPng(w, h, rgba)));
  assert.deepEqual([back.width, back.height], [w, h]);
  assert.deepEqual([...back.data], [...rgba]);
  const c = new Canvas(3, 2, [9, 8, 7]);
  assert.deepEqual([...PNG.sync.read(Buffer.from(encodePng(c))).data.subarray(0, 4)], [9, 8, 7, 255]);
});

test("SVG text: measured with DejaVu Sans' advance widths, escaped, numbers with the true minus", () => {
  assert.equal(textWidth("ab", 10), (0.6128 + 0.6348) * 10);
  assert.equal(textWidth("−", 10), 8.379); // U+2212 from the font's table, not the average
  assert.ok(textWidth("W", 10, true) > textWidth("W", 10));
  assert.equal(escapeXml(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&#39;");
  assert.deepEqual([formatNumber(-0.71904), formatNumber(0), formatNumber(2e-5), formatNumber(1234567), formatNumber(NaN)], ["−0.719", "0", "2e−5", "1.23e6", "NaN"]);
  // a title with markup characters is text, not markup: resvg parses the document and draws it
  const s = new SvgWriter(200, 40);
  s.text(4, 30, `<b>&"x"</b>`, { size: 20 });
  assert.ok(s.figure().svg.includes("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"));
  const p = draw(s.figure());
  let ink = 0;
  for (let i = 0; i < p.data.length; i += 4) if (p.data[i]! < 128) ink++;
  assert.ok(ink > 100, `text drawn with the shipped font (${ink} dark pixels)`);
});

test("filterGrid: ≥ 600 px, each filter labelled with its layer and index, grey = 0, white = +max|w|, black = −max|w|", () => {
  const w = zeros([6, 1, 5, 5]);
  w.data.set([0.5, -0.5, 0, 0.25], 0); // filter 0: white, black, grey, light grey
  w.data.fill(0.1, 25, 50); // filter 1: constant
  const f = filterGrid(w, { title: "C1", layer: "features.0" });
  assert.ok(f.width >= 600 && f.width === draw(f).width);
  for (let k = 0; k < 6; k++) assert.ok(texts(f.svg).includes(`features.0 filter ${k}`), `label of filter ${k}`);
  assert.ok(texts(f.svg).includes("−0.5") && texts(f.svg).includes("0.5"), "the colour bar's ends");
  const cells = elements(f.svg, "image");
  assert.equal(cells.length, 6);
  assert.ok(cells[0]!.width! >= 100, `cells of ${cells[0]!.width} px`);
  const p = draw(f);
  const at = (cell: number, i: number, j: number): number[] => rgbAt(p, ...cellCentre(cells[cell]!, 5, 5, i, j));
  assert.deepEqual([at(0, 0, 0), at(0, 0, 1), at(0, 0, 2), at(0, 0, 3)], [[255, 255, 255], [0, 0, 0], [128, 128, 128], [191, 191, 191]]);
  assert.deepEqual(at(1, 2, 2), [153, 153, 153]); // 0.1 on the shared ±0.5 scale
  // each weight a crisp square: next to its black neighbour the white one is still white (no smoothing), and the
  // embedded PNG already has the cell's size on whole pixels, so that a browser has nothing to stretch either
  const [cx, cy] = cellCentre(cells[0]!, 5, 5, 0, 0);
  assert.deepEqual(rgbAt(p, cx + 0.4 * (cells[0]!.width! / 5), cy), [255, 255, 255]);
  const embedded = PNG.sync.read(Buffer.from(/<image [^>]*href="data:image\/png;base64,([^"]+)"/.exec(f.svg)![1]!, "base64"));
  assert.deepEqual([embedded.width, embedded.height, cells[0]!.x! % 1, cells[0]!.y! % 1], [cells[0]!.width, cells[0]!.height, 0, 0]);
  // each cell on its own min..max: a constant one has nothing to show and is mid-grey, not black
  const own = draw(filterGrid(w, { perCell: true }));
  assert.deepEqual(rgbAt(own, ...cellCentre(elements(filterGrid(w, { perCell: true }).svg, "image")[1]!, 5, 5, 2, 2)), [128, 128, 128]);
  // all weights zero: mid-grey too
  const z = filterGrid(zeros([2, 1, 3, 3]));
  assert.deepEqual(rgbAt(draw(z), ...cellCentre(elements(z.svg, "image")[0]!, 3, 3, 1, 1)), [128, 128, 128]);
  assert.throws(() => filterGrid(zeros([3, 3])), ShapeError);
  assert.throws(() => filterGrid(zeros([0, 1, 3, 3])), /filterGrid: the weight \[0,1,3,3\] has no filters to draw/);
});

test("filterGrid: RGB cells for 3 input channels; one row per filter and a column per input channel otherwise", () => {
  const rgb = zeros([4, 3, 1, 1]);
  rgb.data.set([1, -1, 0]); // filter 0: red +max, green −max, blue 0
  const f = filterGrid(rgb);
  assert.equal(elements(f.svg, "image").length, 4);
  assert.deepEqual(rgbAt(draw(f), ...cellCentre(elements(f.svg, "image")[0]!, 1, 1, 0, 0)), [255, 0, 128]);
  const g = filterGrid(zeros([3, 20, 3, 3]), { layer: "conv2" });
  assert.equal(elements(g.svg, "image").length, 3 * 16);
  const t = texts(g.svg);
  assert.ok(t.includes("conv2 filter 2") && t.includes("input channel") && t.includes("15") && !t.includes("16"));
  assert.match(g.svg, /the first 16 of 20 input channels/);
  // 64 filters: the cells are too narrow for the layer's name, so the subtitle says it
  const many = filterGrid(zeros([64, 3, 7, 7]), { title: "AlexNet's first layer", layer: "features.0" });
  assert.ok(texts(many.svg).includes("filter 63") && texts(many.svg).some((t) => t.startsWith("layer features.0: ")), texts(many.svg).slice(0, 3).join("|"));
});

test("featureMaps: ≥ 600 px, each map labelled with its range and scaled to it; a constant map is mid-grey", () => {
  const f = featureMaps(tensor([[[[0, 1], [2, 3]], [[5, 5], [5, 5]]]]), { layer: "features.1" });
  assert.ok(f.width >= 600);
  const t = texts(f.svg);
  assert.ok(t.includes("features.1 map 0") && t.includes("features.1 map 1"));
  assert.ok(t.includes("0 … 3") && t.includes("all 5"), t.join("|"));
  const cells = elements(f.svg, "image");
  const p = draw(f);
  assert.deepEqual([rgbAt(p, ...cellCentre(cells[0]!, 2, 2, 0, 0)), rgbAt(p, ...cellCentre(cells[0]!, 2, 2, 1, 1))], [[0, 0, 0], [255, 255, 255]]);
  assert.deepEqual(rgbAt(p, ...cellCentre(cells[1]!, 2, 2, 0, 1)), [128, 128, 128]);
  // one scale for all: the constant map of 5s is white, and a colour bar states 0 … 5
  const g = featureMaps(tensor([[[[0, 1], [2, 3]], [[5, 5], [5, 5]]]]), { perCell: false });
  assert.deepEqual(rgbAt(draw(g), ...cellCentre(elements(g.svg, "image")[1]!, 2, 2, 0, 0)), [255, 255, 255]);
  assert.ok(texts(g.svg).includes("5") && texts(g.svg).includes("0"));
  assert.throws(() => featureMaps(zeros([2, 2])), ShapeError);
  assert.throws(() => featureMaps(zeros([1, 0, 4, 4])), /featureMaps: the activations \[1,0,4,4\] have no maps to draw/);
});

test("montage and confusion matrix: labelled, ≥ 600 px, drawn", () => {
  const m = montage([{ label: "pixel space", cells: [{ image: zeros([1, 28, 28]), caption: "query 7", border: [0, 255, 0] }] }], { title: "neighbours", range: [0, 1] });
  assert.ok(m.width >= 600 && texts(m.svg).includes("query 7") && texts(m.svg).includes("pixel space"));
  assert.match(m.svg, /stroke="rgb\(0,255,0\)"/);
  assert.throws(() => montage([]), ValueError);
  const cm = confusionMatrixImage([[5, 1], [0, 7]], ["cat", "dog"]);
  assert.ok(cm.width >= 600);
  assert.ok(["cat", "dog", "5", "1", "0", "7", "true class", "predicted class"].every((s) => texts(cm.svg).includes(s)));
  draw(cm);
  assert.throws(() => confusionMatrixImage([[1, 2]], ["a"]), ShapeError);
});

const record = (epoch: number, loss: number): EpochSummary => ({ epoch, trainLoss: loss, valLoss: loss * 1.1, trainAccuracy: 0.9, valAccuracy: 0.85 });
/** The x of the x-axis tick labelled `label` (the tick labels under the axis, centred on their tick). */
const tickX = (svg: string, label: string): number[] => [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*text-anchor="middle">([^<]*)<\/text>/g)].filter((m) => m[3] === label).map((m) => Number(m[1]));

test("trainingCurves: epochs counted from 1, every step's loss as a thin line under the epoch points, a legend", () => {
  // one epoch of 8 steps: a line and a dot per series, not single dots alone
  const steps = Array.from({ length: 8 }, (_, b) => [(b + 1) / 8, 2 - b * 0.2] as const);
  const f = trainingCurves([record(1, 1.5)], steps);
  assert.ok(f.width >= 600);
  const paths = [...f.svg.matchAll(/<path d="([^"]*)"[^>]*stroke-width="1"/g)];
  assert.equal(paths.length, 1, "the per-step line");
  assert.equal(paths[0]![1]!.split(/[ML]/).filter(Boolean).length, 8);
  for (const name of ["train, each step", "train, epoch mean", "held-out", "loss", "accuracy (%)"]) assert.ok(texts(f.svg).includes(name), name);
  assert.match(f.svg, /epoch \(counted from 1/);
  // the epoch-1 dots sit over the tick labelled 1 (the end of the first epoch), none at 0
  const dots = elements(f.svg, "circle").filter((c) => c.r === 3.5 && c["stroke-width"] === 1);
  const one = tickX(f.svg, "1")[0]!;
  const markers = dots.filter((c) => Math.abs(c.cx! - one) < 0.5);
  assert.ok(markers.length >= 2, `dots at epoch 1 (x = ${one}): ${dots.map((d) => d.cx).join(",")}`);
  assert.ok(dots.every((c) => Math.abs(c.cx! - tickX(f.svg, "0")[0]!) > 5));
  // three epochs: ticks 1, 2, 3 carry the points; the loss axis is logarithmic once losses span more than 10×
  const g = trainingCurves([record(1, 2), record(2, 0.3), record(3, 0.05)]);
  for (const e of ["1", "2", "3"]) assert.ok(elements(g.svg, "circle").some((c) => Math.abs(c.cx! - tickX(g.svg, e)[0]!) < 0.5), `a point at epoch ${e}`);
  assert.ok(texts(g.svg).includes("0.1") && texts(g.svg).includes("1"), "decade ticks");
  draw(g);
  // one lucky batch with a loss of 1e-6 among 200 steps goes below the frame instead of stretching the axis to it
  const lucky = Array.from({ length: 200 }, (_, i) => [(i + 1) / 100, i === 150 ? 1e-6 : 2 / (1 + i / 10)] as const);
  const h = trainingCurves([record(1, 0.5), record(2, 0.2)], lucky);
  assert.ok(!texts(h.svg).some((t) => /e−[4-6]/.test(t)), texts(h.svg).join("|"));
  assert.match(h.svg, /<path d="[^"]*" clip-path="url\(#c\d+\)"/);
});

test("curves: a long series is thinned to its envelope, NaN breaks a line, one point is a dot", () => {
  const n = 100_000;
  const long = Array.from({ length: n }, (_, i) => [i / 1000, Math.sin(i) + 2] as const);
  const f = curves([{ title: "t", xLabel: "x", series: [{ name: "s", style: "thin", points: long }] }]);
  const d = /<path d="([^"]*)"/.exec(f.svg)![1]!;
  const count = d.split(/[ML]/).filter(Boolean).length;
  assert.ok(count <= 2 * 420 && count > 300, `${count} points drawn of ${n}`);
  const nan = curves([{ title: "t", xLabel: "x", series: [{ name: "s", points: [[1, 1], [2, NaN], [3, 2], [4, 3]] }] }]);
  assert.equal((/<path d="([^"]*)"/.exec(nan.svg)![1]!.match(/M/g) ?? []).length, 2);
  const one = curves([{ title: "t", xLabel: "x", series: [{ name: "s", points: [[1, 1]] }] }]);
  assert.equal(elements(one.svg, "circle").filter((c) => c.r === 3.5).length, 2, "the dot and its legend mark");
});

test("writePng: a Figure as PNG with its SVG beside it; a Canvas as PNG only", () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-viz-"));
  try {
    const f = filterGrid(zeros([2, 1, 3, 3]));
    assert.deepEqual(writePng(join(dir, "filters.png"), f), [join(dir, "filters.png"), join(dir, "filters.svg")]);
    const back = PNG.sync.read(readFileSync(join(dir, "filters.png")));
    assert.deepEqual([back.width, back.height], [f.width, f.height]);
    assert.equal(readFileSync(join(dir, "filters.svg"), "utf8"), f.svg);
    writePng(join(dir, "raw.png"), new Canvas(4, 4));
    assert.ok(existsSync(join(dir, "raw.png")) && !existsSync(join(dir, "raw.svg")));
    assert.deepEqual([svgPathFor("a/b.PNG"), svgPathFor("maps")], ["a/b.svg", "maps.svg"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
