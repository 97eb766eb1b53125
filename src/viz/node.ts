// Node-only: PNG encoding of a Canvas (pngjs) and writing it to a file atomically.
import { writeFileSync, renameSync, unlinkSync } from "node:fs";
import { PNG } from "pngjs";
import type { Canvas } from "./raster.js";

export function encodePng(canvas: Canvas): Uint8Array {
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data.set(canvas.data);
  const b = PNG.sync.write(png);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Write the canvas as a PNG: to a temporary file first, then renamed over the target, so a crash never leaves half a picture. */
export function writePng(path: string, canvas: Canvas): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodePng(canvas));
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}
