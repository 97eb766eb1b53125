// Node-only: PNG encoding of a Canvas (pngjs) and writing it to a file atomically.
import { writeFileAtomic } from "../io/node.js";
import { PNG } from "pngjs";
import type { Canvas } from "./raster.js";

export function encodePng(canvas: Canvas): Uint8Array {
  const png = new PNG({ width: canvas.width, height: canvas.height });
  png.data.set(canvas.data);
  const b = PNG.sync.write(png);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Write the canvas as a PNG atomically (io's writeFileAtomic: temporary file, fsync, rename). */
export function writePng(path: string, canvas: Canvas): void {
  writeFileAtomic(path, encodePng(canvas));
}
