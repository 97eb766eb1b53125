// Pictures: a small RGBA rasteriser and the lecture's plots (filter grids, feature maps, montages, confusion matrices,
// curves). PNG encoding is Node-side (viz/node.ts).
export * from "./raster.js";
export * from "./plots.js";
