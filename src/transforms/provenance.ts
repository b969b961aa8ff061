import type { Sample } from './image.js';

/**
 * The sample field that carries what a chain did to the sample. It is a
 * plain array of small records, kept beside the images (never inside voxel
 * data or image meta), so a user can print it, a worker can send it back
 * with the sample, and a cache stores it with the prefix output. The double
 * underscore keeps it apart from datalist fields; batching ignores it.
 */
export const PROVENANCE = '__provenance';

/** One applied transform. */
export interface ProvenanceEntry {
  /** Position of the transform in its config list (its rng index). */
  index: number;
  /** Clara name, with `#alias` when the config gave one. */
  transform: string;
  /** Parsed args (defaults filled in), shared with the transform: do not modify. */
  args: Readonly<Record<string, unknown>>;
  /** What the transform drew from its rng (`ctx.record`), when it recorded anything. */
  draws?: Record<string, unknown>;
}

/** The provenance list of a sample (empty when no chain ran on it). */
export function provenanceOf(sample: Sample): readonly ProvenanceEntry[] {
  const p = sample[PROVENANCE];
  return Array.isArray(p) ? (p as ProvenanceEntry[]) : [];
}

/** One line for logs: `LoadNifti -> RandomAxisFlip{"axis":1} -> ...`. */
export function formatProvenance(sample: Sample): string {
  return provenanceOf(sample)
    .map((e) => (e.draws ? `${e.transform}${JSON.stringify(e.draws)}` : e.transform))
    .join(' -> ');
}
