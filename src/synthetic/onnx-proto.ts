/**
 * Just enough protobuf to write small ONNX models by hand (no Python, no
 * files to ship), for the examples and the adapter tests. Field numbers are
 * those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto).
 */

export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Field with wire type 0 (varint). */
export const int = (field: number, v: number) => [...varint(field << 3), ...varint(v)];

/** Field with wire type 2 (length-delimited): bytes, a string or a sub-message. */
export const bytes = (field: number, b: number[] | string) => {
  const body = typeof b === 'string' ? [...Buffer.from(b, 'utf8')] : b;
  return [...varint((field << 3) | 2), ...varint(body.length), ...body];
};

export const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto { name = 1; type = 2 } with TypeProto { tensor_type = 1 { elem_type = 1; shape = 2 { dim = 1 { dim_param = 2 } } } }: a float tensor of rank `rank`, symbolic dims. */
export function valueInfo(name: string, rank: number): number[] {
  const dims = Array.from({ length: rank }, (_, i) => bytes(1, bytes(2, `d${i}`))).flat();
  return [...bytes(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, dims)]))];
}

/** ModelProto { ir_version = 1; producer_name = 2; graph = 7; opset_import = 8 { domain = 1; version = 2 } } at opset 13. */
export function modelBytes(graph: number[]): Uint8Array {
  return Uint8Array.from([...int(1, 7), ...bytes(2, 'voxelpipe'), ...bytes(7, graph), ...bytes(8, [...bytes(1, ''), ...int(2, 13)])]);
}

/** ValueInfoProto of a float tensor with the given dims: a number is a fixed dim_value (field 1), a string a symbolic dim_param (field 2). */
export function valueInfoDims(name: string, dims: readonly (number | string)[]): number[] {
  const shape = dims.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : bytes(2, d))).flat();
  return [...bytes(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, shape)]))];
}

/** TensorProto of one float (a scalar): data_type = 2, float_data = 4 (packed), name = 8. */
export function scalarTensor(name: string, v: number): number[] {
  const f = Buffer.alloc(4);
  f.writeFloatLE(v);
  return [...int(2, FLOAT), ...bytes(4, [...f]), ...bytes(8, name)];
}

const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** AttributeProto { name = 1; i = 3; type = 20 } of an integer attribute (Cast's "to", Concat's "axis"). */
export function intAttribute(name: string, v: number): number[] {
  return [...bytes(1, name), ...int(3, v), ...int(20, ATTR_INT)];
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
export function node(op: string, inputs: string[], output: string, attrs: number[][] = []): number[] {
  return [...inputs.flatMap((i) => bytes(1, i)), ...bytes(2, output), ...bytes(3, `${op}_${output}`), ...bytes(4, op), ...attrs.flatMap((a) => bytes(5, a))];
}
