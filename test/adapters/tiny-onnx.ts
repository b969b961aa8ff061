/**
 * Writes a one-node ONNX model as protobuf bytes, by hand (the schema is
 * onnx/onnx.proto; field numbers are noted below), so tests need no Python.
 * Only what a single elementwise node needs: float32 inputs of rank `rank`
 * with symbolic dimensions, one output.
 */

import { bytes, modelBytes, valueInfo } from '../../examples/onnx-proto.js';

/** A model computing `output = opType(...inputs)` (e.g. "Add" of two tensors), opset 13. */
export function tinyOnnxModel(opType: string, inputs: string[], output: string, rank: number): Uint8Array {
  // NodeProto { input = 1; output = 2; name = 3; op_type = 4 }
  const node = [...inputs.flatMap((i) => bytes(1, i)), ...bytes(2, output), ...bytes(3, 'node0'), ...bytes(4, opType)];
  // GraphProto { node = 1; name = 2; input = 11; output = 12 }
  const graph = [
    ...bytes(1, node),
    ...bytes(2, 'voxelpipe-test'),
    ...inputs.flatMap((i) => bytes(11, valueInfo(i, rank))),
    ...bytes(12, valueInfo(output, rank)),
  ];
  return modelBytes(graph);
}
