/**
 * A tiny ONNX model written by hand (protobuf bytes, no Python, no files to
 * ship): `mask = Cast<float>(lo < image < hi)`, an intensity-window
 * "segmenter" that finds the demo's synthetic spleen (110 HU, between the
 * liver's 60 and the spine's 700) after the chain's ScaleIntensityRange.
 * Replace it by your network's .onnx (`--model`); the feeding code is the same.
 */

import { FLOAT, bytes, intAttribute, modelBytes, node, scalarTensor, valueInfo } from './onnx-proto.js';

/** The model: input "image" (float, rank `rank`), output "mask" (float 0/1, same shape), opset 13. */
export function thresholdModel(lo: number, hi: number, rank = 5): Uint8Array {
  const graph = [
    ...bytes(1, node('Greater', ['image', 'lo'], 'above')),
    ...bytes(1, node('Less', ['image', 'hi'], 'below')),
    ...bytes(1, node('And', ['above', 'below'], 'inside')),
    ...bytes(1, node('Cast', ['inside'], 'mask', [intAttribute('to', FLOAT)])),
    ...bytes(2, 'voxelpipe-threshold'),
    ...bytes(5, scalarTensor('lo', lo)),
    ...bytes(5, scalarTensor('hi', hi)),
    ...bytes(11, valueInfo('image', rank)),
    ...bytes(12, valueInfo('mask', rank)),
  ];
  return modelBytes(graph);
}
