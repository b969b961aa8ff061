/**
 * The one error type of voxelpipe.
 *
 * Every failure a user can cause (a bad file, a bad config, a bad argument)
 * becomes a `VoxelpipeError` with a stable `code` and a one-line message that
 * names the file or JSON path at fault and what was expected. Callers branch
 * on `code`, never on message text; the CLI prints `message` alone.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export const ErrorCodes = [
  'ERR_FILE_NOT_FOUND',
  'ERR_FILE_READ',
  'ERR_FILE_WRITE',
  'ERR_EMPTY_FILE',
  'ERR_TRUNCATED',
  'ERR_CORRUPT_GZIP',
  'ERR_UNKNOWN_FORMAT',
  'ERR_BAD_HEADER',
  'ERR_UNSUPPORTED_DATATYPE',
  'ERR_TOO_LARGE',
  'ERR_INVALID_VOLUME',
  'ERR_INVALID_ARGUMENT',
  'ERR_CONFIG',
  'ERR_SHAPE_MISMATCH',
  'ERR_WORKER_DIED',
  'ERR_TIMEOUT',
  'ERR_ABORTED',
  /** A transform failed while applying to a sample (the message names the transform, its chain index and the sample's inputs). */
  'ERR_TRANSFORM',
  'ERR_MISSING_DEPENDENCY',
  /** A persistent-cache entry went bad while it was read (reported once, removed; the sample is recomputed). */
  'ERR_CACHE_CORRUPT',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface VoxelpipeErrorOptions {
  /** The underlying error, kept for `VOXELPIPE_DEBUG=1` stack traces. */
  cause?: unknown;
  /** Structured context (file, path, shapes...) for programs; not part of the message. */
  context?: Record<string, unknown>;
}

/**
 * Longest message an error carries: input echoed into a message (a 2 MB
 * transform name, thousands of problems) must not make a multi-megabyte
 * line. The whole text stays in `context` where a caller put it there.
 */
export const MAX_MESSAGE_CHARS = 4000;

/** One line (line breaks folded) of at most MAX_MESSAGE_CHARS characters. */
export function boundMessage(message: string): string {
  const head = message.length > MAX_MESSAGE_CHARS * 4 ? message.slice(0, MAX_MESSAGE_CHARS * 4) : message;
  // Split and trim, not /\s*\n\s*/: that regex backtracks quadratically on a long run of spaces.
  const parts = head.split(/[\r\n]+/);
  const line = parts.length === 1 ? head : parts.map((p, i) => (i === 0 ? p.trimEnd() : i === parts.length - 1 ? p.trimStart() : p.trim())).join(' ');
  if (line.length <= MAX_MESSAGE_CHARS && head === message) return line;
  const cut = line.slice(0, MAX_MESSAGE_CHARS - 40);
  return `${cut}... (${message.length - cut.length} more characters)`;
}

/** A piece of input for a message: `s` when short, else its start and how much was left out. */
export function clipText(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}... (${s.length} characters)`;
}

/** Marks every VoxelpipeError, whichever copy of this module made it (a bundled worker, a plugin importing the package). */
const BRAND = Symbol.for('voxelpipe.VoxelpipeError');

export class VoxelpipeError extends Error {
  readonly code: ErrorCode;
  declare readonly context: Readonly<Record<string, unknown>>;

  /** `instanceof` answers by brand, so an error made by another copy of voxelpipe is still one. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, options: VoxelpipeErrorOptions = {}) {
    // One line, always: a multi-line message would break the CLI contract.
    super(boundMessage(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VoxelpipeError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
    // Non-enumerable so that logging the error does not dump large context objects.
    Object.defineProperty(this, 'context', { value: Object.freeze({ ...options.context }), enumerable: false });
  }
}

export function isVoxelpipeError(e: unknown): e is VoxelpipeError {
  return e instanceof VoxelpipeError;
}

/** An error about a file: the message always starts with the file's path. */
export function fileError(code: ErrorCode, file: string, what: string, cause?: unknown): VoxelpipeError {
  return new VoxelpipeError(code, `${file}: ${what}`, { cause, context: { file } });
}

/** Turns a Node fs error on `file` into a VoxelpipeError naming the file. */
export function fromFsError(e: unknown, file: string, doing: 'read' | 'write'): VoxelpipeError {
  if (e instanceof VoxelpipeError) return e;
  const errno = e as NodeJS.ErrnoException;
  switch (errno?.code) {
    case 'ENOENT':
      return fileError(doing === 'read' ? 'ERR_FILE_NOT_FOUND' : 'ERR_FILE_WRITE', file, 'no such file or directory', e);
    case 'EISDIR':
      return fileError(doing === 'read' ? 'ERR_FILE_READ' : 'ERR_FILE_WRITE', file, 'is a directory, expected a file', e);
    case 'EACCES':
    case 'EPERM':
      return fileError(doing === 'read' ? 'ERR_FILE_READ' : 'ERR_FILE_WRITE', file, 'permission denied', e);
    default:
      return fileError(
        doing === 'read' ? 'ERR_FILE_READ' : 'ERR_FILE_WRITE',
        file,
        `cannot ${doing}: ${errno?.message ?? String(e)}`,
        e,
      );
  }
}

/** Bytes as a short human string, for messages ("52.4 MB"). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
