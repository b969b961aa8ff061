/**
 * Writes a one-node ONNX model as protobuf bytes, by hand (the schema is
 * onnx/onnx.proto; field numbers are noted below), so tests need no Python.
 * Only what a single elementwise node needs: float32 inputs of rank `rank`
 * with symbolic dimensions, one output.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
/** Field with wire type 0 (varint). */
const int = (field: number, v: number) => [...varint(field << 3), ...varint(v)];
/** Field with wire type 2 (length-delimited): bytes, a string or a sub-message. */
const bytes = (field: number, b: number[] | string) => {
  const body = typeof b === 'string' ? [...Buffer.from(b, 'utf8')] : b;
  return [...varint((field << 3) | 2), ...varint(body.length), ...body];
};

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto { name = 1; type = 2 } with TypeProto { tensor_type = 1 { elem_type = 1; shape = 2 { dim = 1 { dim_param = 2 } } } }. */
function valueInfo(name: string, rank: number): number[] {
  const dims = Array.from({ length: rank }, (_, i) => bytes(1, bytes(2, `d${i}`))).flat();
  return [...bytes(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, dims)]))];
}

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
  // ModelProto { ir_version = 1; producer_name = 2; graph = 7; opset_import = 8 { domain = 1; version = 2 } }
  const model = [...int(1, 7), ...bytes(2, 'voxelpipe'), ...bytes(7, graph), ...bytes(8, [...bytes(1, ''), ...int(2, 13)])];
  return Uint8Array.from(model);
}
