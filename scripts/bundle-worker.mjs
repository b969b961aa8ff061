// Bundles the pipeline's worker entry into one minified file at build time
// (dist/pipeline/worker.bundle.js): a worker thread then compiles one file
// instead of resolving and compiling ~200 modules, which is most of its
// start-up (issue 14: a worker ready in <= 100 ms). The engine uses the
// bundle when it is there (dist) and the plain entry otherwise (source).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/pipeline/worker.ts'],
  outfile: 'dist/pipeline/worker.bundle.js',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (pngjs, dicom-parser, ...) call require for Node's builtins.
  banner: { js: "import { createRequire as __voxelpipeRequire } from 'node:module'; const require = __voxelpipeRequire(import.meta.url);" },
  logLevel: 'warning',
});
