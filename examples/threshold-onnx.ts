/**
 * A tiny ONNX model written by hand (protobuf bytes, no Python, no files to
 * ship): `mask = Cast<float>(lo < image < hi)`, an intensity-window
 * "segmenter" that finds the demo's synthetic spleen (110 HU, between the
 * liver's 60 and the spine's 700) after the chain's ScaleIntensityRange.
 * Replace it by your network's .onnx (`--model`); the feeding code is the same.
 */

import { FLOAT, bytes, int, modelBytes, valueInfo } from './onnx-proto.js';

const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** TensorProto of one float (a scalar): data_type = 2, float_data = 4 (packed), name = 8. */
function scalar(name: string, v: number): number[] {
  const f = Buffer.alloc(4);
  f.writeFloatLE(v);
  return [...int(2, FLOAT), ...bytes(4, [...f]), ...bytes(8, name)];
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
function node(op: string, inputs: string[], output: string, attrs: number[][] = []): number[] {
  return [...inputs.flatMap((i) => bytes(1, i)), ...bytes(2, output), ...bytes(3, `${op}_${output}`), ...bytes(4, op), ...attrs.flatMap((a) => bytes(5, a))];
}

/** The model: input "image" (float, rank `rank`), output "mask" (float 0/1, same shape), opset 13. */
export function thresholdModel(lo: number, hi: number, rank = 5): Uint8Array {
  const graph = [
    ...bytes(1, node('Greater', ['image', 'lo'], 'above')),
    ...bytes(1, node('Less', ['image', 'hi'], 'below')),
    ...bytes(1, node('And', ['above', 'below'], 'inside')),
    // AttributeProto { name = 1; i = 3; type = 20 }: Cast's "to" = FLOAT.
    ...bytes(1, node('Cast', ['inside'], 'mask', [[...bytes(1, 'to'), ...int(3, FLOAT), ...int(20, ATTR_INT)]])),
    ...bytes(2, 'voxelpipe-threshold'),
    ...bytes(5, scalar('lo', lo)),
    ...bytes(5, scalar('hi', hi)),
    ...bytes(11, valueInfo('image', rank)),
    ...bytes(12, valueInfo('mask', rank)),
  ];
  return modelBytes(graph);
}
