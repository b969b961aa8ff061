export { renderPreview, percentileWindow, labelColor, blend, PALETTE, BACKGROUND, type Preview, type PreviewOptions, type PreviewPanel } from './render.js';
export { planesOf, planeVoxel, worldAxes, IMAGE_PLANE, type PlaneAxes, type View } from './planes.js';
export { encodePng, decodePng } from './png.js';
export { drawText, textWidth, type Canvas } from './font.js';
export { batchRowImage } from './from-batch.js';
export { writePreviews, type WritePreviewsOptions, type PreviewFile } from './write-previews.js';
