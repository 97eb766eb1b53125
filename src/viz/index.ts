// Pictures: the lecture's plots (filter grids, feature maps, montages, confusion matrices, curves) as SVG Figures, and
// a pixel Canvas for images. PNG rasterising and file writing are Node-side (viz/node.ts).
export * from "./raster.js";
export * from "./svg.js";
export * from "./png.js";
export * from "./plots.js";
