// Node-only: a Figure rasterised to PNG by resvg (@resvg/resvg-js, whose binary comes in a per-platform npm package)
// with the DejaVu Sans shipped in assets/fonts — never the system's fonts, so a picture is the same on every machine —
// and pictures written to files atomically: a Figure as PNG with its SVG beside it, a Canvas as PNG.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../io/node.js";
import { ConvkitError } from "../errors.js";
import { encodeRgbaPng } from "./png.js";
import { Canvas } from "./raster.js";
import type { Figure } from "./svg.js";

/** The part of @resvg/resvg-js used here (its CommonJS module is loaded with require on first use). */
interface ResvgModule {
  Resvg: new (svg: string, options: object) => { render(): { asPng(): Buffer } };
}
let resvg: ResvgModule | null = null;
let fonts: string[] | null = null;

/** The shipped font files: assets/fonts beside src/ (a checkout) or beside dist/ (the package). */
function fontFiles(): string[] {
  if (fonts) return fonts;
  for (const up of ["../../assets/fonts/", "../../../assets/fonts/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    const files = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => dir + f);
    if (files.every((f) => existsSync(f))) return (fonts = files);
  }
  throw new ConvkitError("rasterising a picture: assets/fonts/DejaVuSans.ttf is missing from this convkit installation (reinstall convkit)");
}

/** resvg, loaded on first use so that importing convkit/node works where its binary is missing. */
function loadResvg(): ResvgModule {
  if (resvg) return resvg;
  try {
    resvg = createRequire(import.meta.url)("@resvg/resvg-js") as ResvgModule;
  } catch (e) {
    throw new ConvkitError(`rasterising a picture needs @resvg/resvg-js with its binary for ${process.platform}-${process.arch} (npm install; the SVG can still be written): ${(e as Error).message.split("\n")[0]}`);
  }
  return resvg;
}

/** Render a Figure's SVG to PNG at its size (or `scale` times it), with the shipped fonts only. */
export function rasterize(figure: Figure, opts: { scale?: number } = {}): Uint8Array {
  const { Resvg } = loadResvg();
  const r = new Resvg(figure.svg, {
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    fitTo: opts.scale && opts.scale !== 1 ? { mode: "zoom", value: opts.scale } : { mode: "original" },
    logLevel: "off",
  });
  const png = r.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function isCanvas(p: Canvas | Figure): p is Canvas {
  return p instanceof Canvas;
}

/** A picture as a PNG file's bytes: a Figure rasterised, a Canvas encoded as it is. */
export function encodePng(picture: Canvas | Figure): Uint8Array {
  return isCanvas(picture) ? encodeRgbaPng(picture.width, picture.height, picture.data) : rasterize(picture);
}

/** The SVG that goes beside a PNG: `curves.png` → `curves.svg` (other names get `.svg` added). */
export function svgPathFor(pngPath: string): string {
  return /\.png$/i.test(pngPath) ? pngPath.replace(/\.png$/i, ".svg") : `${pngPath}.svg`;
}

/**
 * Write a picture as a PNG atomically (io's writeFileAtomic: temporary file, fsync, rename); a Figure also as SVG
 * beside it (svgPathFor), to zoom into or edit. Returns the paths written.
 */
export function writePng(path: string, picture: Canvas | Figure): string[] {
  const png = encodePng(picture);
  writeFileAtomic(path, png);
  if (isCanvas(picture)) return [path];
  const svg = svgPathFor(path);
  writeFileAtomic(svg, new TextEncoder().encode(picture.svg));
  return [path, svg];
}
