import { FLOAT, bytes, intAttribute, modelBytes, node, scalarTensor, valueInfo, valueInfoDims } from './onnx-proto.js';

/**
 * A two-class "segmentation network" as an ONNX model, written by hand:
 * `foreground = lo < image < hi`, output `prob = [1 - foreground,
 * foreground]` on the channel axis, the shape of a softmax network's output
 * (`[n, 2, ...spatial]`) that Clara's ArgmaxAcrossChannels expects. On the
 * demo's volumes (ScaleIntensityRange -57..164 HU -> 0..1) the window
 * 0.65..0.9 finds the synthetic spleen (110 HU -> 0.76). It has no spatial
 * context: each output voxel depends on its input voxel only, so
 * sliding-window and whole-volume inference agree exactly.
 */
export interface SegmenterOptions {
  /** Declared input / output dims (numbers fixed, strings symbolic); default: rank-5, all symbolic. */
  input?: readonly (number | string)[];
  output?: readonly (number | string)[];
}

export function thresholdSegmenterModel(lo: number, hi: number, o: SegmenterOptions = {}): Uint8Array {
  const graph = [
    ...bytes(1, node('Greater', ['image', 'lo'], 'above')),
    ...bytes(1, node('Less', ['image', 'hi'], 'below')),
    ...bytes(1, node('And', ['above', 'below'], 'inside')),
    ...bytes(1, node('Cast', ['inside'], 'fg', [intAttribute('to', FLOAT)])),
    ...bytes(1, node('Sub', ['one', 'fg'], 'bg')),
    ...bytes(1, node('Concat', ['bg', 'fg'], 'prob', [intAttribute('axis', 1)])),
    ...bytes(2, 'voxelpipe-threshold-segmenter'),
    ...bytes(5, scalarTensor('lo', lo)),
    ...bytes(5, scalarTensor('hi', hi)),
    ...bytes(5, scalarTensor('one', 1)),
    ...bytes(11, o.input ? valueInfoDims('image', o.input) : valueInfo('image', 5)),
    ...bytes(12, o.output ? valueInfoDims('prob', o.output) : valueInfo('prob', 5)),
  ];
  return modelBytes(graph);
}
