export { readDicomFile, readDicomSeries, dicomHeaderInfo, listDicomFiles, type DicomReadOptions } from './read.js';
export { isDicom, parseDicom, TRANSFER_SYNTAXES, SUPPORTED_SYNTAXES, type DicomImage, type FrameGeometry } from './parse.js';
export { stackGeometry, type StackGeometry, type StackSlice } from './geometry.js';
export { decodeRleFrame } from './rle.js';
