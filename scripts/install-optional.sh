#!/usr/bin/env bash
# Installs the optional peer dependencies the adapter tests exercise, without
# recording them in package.json / package-lock.json (`npm ci` stays lean).
# Called by .ci/run after `npm ci`; safe to run by hand. Tests that need a
# package skip, with the reason printed, when it is absent.
#
# - TensorFlow.js as its light parts (core + CPU backend + tf.data, plus
#   tfjs-layers for the fitDataset test): ~92 MB instead of the 294 MB of
#   @tensorflow/tfjs, which also pulls webgl, converter and friends. The
#   adapter loads @tensorflow/tfjs when present and these parts otherwise.
# - onnxruntime-node: its install step would fetch a CUDA provider from the
#   network (absent here); the CPU binary ships inside the package, so skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL_CUDA=skip
export ONNXRUNTIME_NODE_INSTALL=skip
TFJS=4.22.0
npm install --no-save --no-audit --no-fund --no-package-lock \
  "@tensorflow/tfjs-core@$TFJS" \
  "@tensorflow/tfjs-backend-cpu@$TFJS" \
  "@tensorflow/tfjs-data@$TFJS" \
  "@tensorflow/tfjs-layers@$TFJS" \
  "onnxruntime-node@1.30.0"
