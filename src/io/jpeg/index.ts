export { readJpeg, isJpeg, jpegHeaderInfo, parseJpegFrame, decodeJpegRgb, type JpegFrame } from './read.js';
