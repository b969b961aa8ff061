import { createRequire } from 'node:module';
import { VoxelpipeError } from '../util/errors.js';

/**
 * Loads a package by name, synchronously (as `require` does). Adapters take
 * one so that tests (and bundlers) can substitute it; the default resolves
 * from voxelpipe's own folder, which finds the application's node_modules.
 * The optional peers (@tensorflow/*, onnxruntime-node) are CommonJS packages
 * without an "exports" map, so `require` and `import` load the same instance.
 */
export type ModuleLoader = (name: string) => unknown;

export const defaultLoader: ModuleLoader = createRequire(import.meta.url);

/** True when `e` says that package `name` itself (not one of its own dependencies) is missing. */
export function isMissingModule(e: unknown, name: string): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  if (err?.code !== 'MODULE_NOT_FOUND' && err?.code !== 'ERR_MODULE_NOT_FOUND') return false;
  const firstLine = String(err.message).split('\n')[0];
  return firstLine.includes(`'${name}'`) || firstLine.includes(`"${name}"`);
}

/** Loads `name`, or returns undefined when it is not installed; any other failure is rethrown as a VoxelpipeError. */
export function tryLoad(load: ModuleLoader, name: string, adapter: string): unknown {
  try {
    return load(name);
  } catch (e) {
    if (isMissingModule(e, name)) return undefined;
    throw new VoxelpipeError('ERR_MISSING_DEPENDENCY', `${adapter}: ${name} is installed but failed to load: ${(e as Error)?.message?.split('\n')[0] ?? String(e)}`, { cause: e });
  }
}
