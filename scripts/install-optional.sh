#!/usr/bin/env bash
# Installs the optional peer dependencies the adapter tests exercise, without
# recording them in package.json / package-lock.json (`npm ci` stays lean).
# Called by .ci/run after `npm ci`; safe to run again. Tests that need a
# package skip, with the reason printed, when it is absent.
#
# - TensorFlow.js as its light parts (core + CPU backend + tf.data, plus
#   tfjs-layers for the fitDataset test): ~92 MB instead of the 294 MB of
#   @tensorflow/tfjs, which also pulls webgl, converter and friends. The
#   adapter loads @tensorflow/tfjs when present and these parts otherwise.
# - onnxruntime-node: its install step would fetch a CUDA provider from the
#   network (absent here); the CPU binary ships inside the package, so skip it.
#
# Why not `npm install --no-save` in the package itself: npm does not install
# a package the root declares as an optional peer dependency that way (it
# reports "up to date"). So the packages go to their own folder inside
# node_modules (removed by the next `npm ci`), and node_modules/<name> links
# to them; Node resolves the links to one real path, so tfjs-core is loaded
# once whichever package asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL_CUDA=skip
export ONNXRUNTIME_NODE_INSTALL=skip
TFJS=4.22.0
PACKAGES=(
  "@tensorflow/tfjs-core@$TFJS"
  "@tensorflow/tfjs-backend-cpu@$TFJS"
  "@tensorflow/tfjs-data@$TFJS"
  "@tensorflow/tfjs-layers@$TFJS"
  "onnxruntime-node@1.30.0"
)
DIR=node_modules/.voxelpipe-optional
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{ "private": true, "description": "optional peers for voxelpipe tests (scripts/install-optional.sh)" }' > "$DIR/package.json"
npm install --prefix "$DIR" --no-audit --no-fund --no-package-lock "${PACKAGES[@]}"
for spec in "${PACKAGES[@]}"; do
  name="${spec%@*}"
  link="node_modules/$name"
  mkdir -p "$(dirname "$link")"
  # A real folder there (an earlier plain install) would swallow the link.
  [ -L "$link" ] || rm -rf "$link"
  ln -sfnr "$DIR/node_modules/$name" "$link"
  echo "linked node_modules/$name"
done
