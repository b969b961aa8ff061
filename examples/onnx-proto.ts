/** The protobuf helpers for hand-written ONNX models live in src/synthetic/onnx-proto.ts (the demo MMAR writes a model too). */
export * from '../src/synthetic/onnx-proto.js';
