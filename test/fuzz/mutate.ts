import fc from 'fast-check';
import type { Seed } from './seeds.js';

/**
 * Mutations as fast-check arbitraries: each case is a seed plus a short list
 * of operations, so a failure is reproducible from (seed name, ops) as well
 * as from the bytes. Operations know a little about the formats (where
 * headers are, which values are sizes, that PNG chunks carry CRCs, that a
 * header may name a data file) so that mutations get past the first check
 * and reach the code behind it. apply.ts turns a case into files.
 */

/** A file of a case as laid out on disk: bytes, or a special entry. */
export interface CaseFile {
  name: string;
  bytes?: Buffer;
  /** A symbolic link to this target. */
  link?: string;
  /** A FIFO (opening it for reading blocks without O_NONBLOCK). */
  fifo?: boolean;
  /** A directory. */
  dir?: boolean;
}

export interface FuzzCase {
  format: string;
  seed: string;
  ops: Op[];
  files: CaseFile[];
  target: string;
  /** `--set` items (configs). */
  set?: string[];
}

export const INTERESTING_NUMBERS = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 53, Number.NaN, Infinity, -Infinity, 1e38, -1e38, 3.4e38, 1e308, 5e-324, -0];

export const INTERESTING_STRINGS = [
  '', ' ', '0', '-1', '1', '2', '3', '1e308', '-1e308', '1e400', 'NaN', 'nan', 'inf', '-inf', 'Infinity', '1e-320', '2147483647', '2147483648', '4294967295', '65535', '65536',
  '9007199254740993', '999999999999', '-0', '0.5', '1.5', '1\\2', '1\\2\\3', '\\', '\\\\\\', 'LOCAL', 'LIST', '%d', 'True', 'False', '/dev/zero', '/dev/urandom',
  '/nonexistent/x.raw', '.', '..', '../../../../etc/passwd', '__proto__', 'constructor', 'prototype', 'toString', '{DATA_ROOT}', '{X}', '{A}{A}', 'x'.repeat(300), '9'.repeat(400),
  ' '.repeat(2000), '(nan,0,0)', '(1e308,1e308,1e308)', '(1,0,0) (0,1,0)', 'none', 'MET_STRING', 'MET_DOUBLE', 'block', 'gzip', 'raw', 'ascii', 'bzip2', 'lps', 'scanner-xyz', '\u0000', 'é', '\ufeff',
  '4 3 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1', '100000 100000 100000', '0 0 0', '-4 3 2',
];

const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', 'name', 'args', 'path', 'ref', 'disabled', 'x'.repeat(5000)];

/** Binary edits of one file. `at` and lengths are reduced modulo the file's size when applied. */
export type BinaryOp =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'set'; at: number; value: number; width: 1 | 2 | 4 | 8; le: boolean; float: boolean }
  | { k: 'truncate'; len: number }
  | { k: 'insert'; at: number; bytes: number[] }
  | { k: 'delete'; at: number; count: number }
  | { k: 'repeat'; at: number; len: number; times: number }
  | { k: 'text'; at: number; text: string }
  /** Overwrite near a structural anchor (a DICOM tag, a PNG chunk, a JPEG marker, a NIfTI field, a JSON-ish key). */
  | { k: 'near'; anchor: number; delta: number; value: number; width: 1 | 2 | 4 | 8; le: boolean; float: boolean }
  | { k: 'nearText'; anchor: number; delta: number; text: string };

export type Op =
  | { k: 'bin'; file: number; op: BinaryOp }
  /** Edit the inflated payload of a gzip/zlib file (or of a zip member), then compress again. */
  | { k: 'payload'; file: number; ops: BinaryOp[] }
  /** Text header line edits (NRRD, MetaImage). */
  | { k: 'line'; file: number; line: number; action: 'delete' | 'duplicate' | 'value' | 'key' | 'swap' | 'insert'; text: string }
  /** Replace a file with a special entry, or add one (file index past the end). */
  | { k: 'special'; file: number; what: 'dev-zero' | 'dev-urandom' | 'dangling' | 'self-loop' | 'fifo' | 'dir' | 'empty' | 'dir-cycle' | 'parent' }
  /** Configs: edits of the JSON tree of file `file` at the `path`-th path found. */
  | { k: 'json'; file: number; path: number; action: 'replace' | 'delete' | 'deep' | 'key' | 'placeholder'; value: unknown; depth: number; key: string }
  /** Configs: variables that chain, cycle or expand exponentially, used at a path. */
  | { k: 'vars'; kind: 'chain' | 'cycle' | 'exp' | 'missing'; n: number; path: number }
  /** Configs: the file replaced by deeply nested text. */
  | { k: 'deepText'; file: number; n: number; open: string };

const offset = fc.oneof(fc.nat({ max: 512 }), fc.nat({ max: 1 << 20 }));
const valueArb = fc.oneof(fc.constantFrom(...INTERESTING_NUMBERS), fc.integer(), fc.double());
const widthArb = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const textArb = fc.oneof(fc.constantFrom(...INTERESTING_STRINGS), fc.string({ maxLength: 12 }));

export const binaryOpArb: fc.Arbitrary<BinaryOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('flip' as const), at: offset, bit: fc.nat({ max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), at: offset, value: valueArb, width: widthArb, le: fc.boolean(), float: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('truncate' as const), len: offset }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('insert' as const), at: offset, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), at: offset, count: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('repeat' as const), at: offset, len: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('text' as const), at: offset, text: textArb }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('near' as const), anchor: fc.nat(), delta: fc.integer({ min: -4, max: 24 }), value: valueArb, width: widthArb, le: fc.boolean(), float: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('nearText' as const), anchor: fc.nat(), delta: fc.integer({ min: 0, max: 16 }), text: textArb }) },
);

const specialArb = fc.constantFrom('dev-zero' as const, 'dev-urandom' as const, 'dangling' as const, 'self-loop' as const, 'fifo' as const, 'dir' as const, 'empty' as const, 'dir-cycle' as const, 'parent' as const);

function fileOps(seed: Seed): fc.WeightedArbitrary<Op>[] {
  const n = seed.files.length;
  const file = fc.nat({ max: n - 1 });
  const out: fc.WeightedArbitrary<Op>[] = [{ weight: 10, arbitrary: fc.record({ k: fc.constant('bin' as const), file, op: binaryOpArb }) }];
  const compressed = seed.layout === 'gzip' || seed.name.includes('gzip') || seed.name.startsWith('z.') || seed.name.endsWith('.npz') || seed.format === 'config';
  if (compressed) out.push({ weight: 6, arbitrary: fc.record({ k: fc.constant('payload' as const), file, ops: fc.array(binaryOpArb, { minLength: 1, maxLength: 4 }) }) });
  if (seed.layout === 'text-header')
    out.push({
      weight: 8,
      arbitrary: fc.record({
        k: fc.constant('line' as const),
        file: fc.constant(0),
        line: fc.nat({ max: 24 }),
        action: fc.constantFrom('delete' as const, 'duplicate' as const, 'value' as const, 'value' as const, 'key' as const, 'swap' as const, 'insert' as const),
        text: textArb,
      }),
    });
  // Special entries: replace any file, or add one (a folder may gain a link loop). Rarely: they end a case at the first open.
  out.push({ weight: 1, arbitrary: fc.record({ k: fc.constant('special' as const), file: fc.nat({ max: n }), what: specialArb }) });
  return out;
}

function configOps(seed: Seed): fc.WeightedArbitrary<Op>[] {
  const file = fc.nat({ max: 2 });
  const w = (weight: number, arbitrary: fc.Arbitrary<Op>) => ({ weight, arbitrary });
  return [
    w(12, fc.record({
      k: fc.constant('json' as const),
      file,
      path: fc.nat({ max: 400 }),
      action: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'deep' as const, 'key' as const, 'placeholder' as const),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...INTERESTING_STRINGS), fc.constantFrom(...INTERESTING_NUMBERS.filter(Number.isFinite))),
      depth: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 3000 })),
      key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
    })),
    w(3, fc.record({ k: fc.constant('vars' as const), kind: fc.constantFrom('chain' as const, 'cycle' as const, 'exp' as const, 'missing' as const), n: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 6000 })), path: fc.nat({ max: 400 }) })),
    w(3, fc.record({ k: fc.constant('bin' as const), file, op: binaryOpArb })),
    w(1, fc.record({ k: fc.constant('deepText' as const), file, n: fc.integer({ min: 50, max: 200_000 }), open: fc.constantFrom('[', '{"a":', '[{"b":') })),
    w(1, fc.record({ k: fc.constant('special' as const), file: fc.nat({ max: seed.files.length - 1 }), what: specialArb })),
  ];
}

const setItemArb = fc.oneof(
  fc.constantFrom('__proto__.polluted=1', 'train.__proto__.args=5', 'train.constructor.prototype.x=1', 'constructor=1', 'train.toString=1', 'train.pre_transforms[0].args.fields=5', 'DATASET_JSON=/dev/zero', 'DATA_ROOT=/dev/urandom', 'train.image_pipeline.args.num_workers=-1', 'x={"__proto__":{"a":1}}', 'train=[]', '=1', 'a..b=1', 'train.pre_transforms[99].x=1'),
  fc.tuple(fc.constantFrom('train', 'validate', 'train.image_pipeline.args', 'train.pre_transforms[1]', 'DATA_ROOT', 'epochs', 'V'), fc.constantFrom('', '.x', '.__proto__', '.args.a', '[0]', '.name'), fc.oneof(fc.json({ maxDepth: 2 }), fc.constantFrom(...INTERESTING_STRINGS))).map(([a, b, v]) => `${a}${b}=${v}`),
);

/** The arbitrary of cases of one seed. */
export function caseArb(seed: Seed): fc.Arbitrary<{ ops: Op[]; set: string[]; fixCrc: boolean }> {
  const ops = seed.format === 'config' ? configOps(seed) : fileOps(seed);
  return fc.record({
    ops: fc.oneof({ weight: 3, arbitrary: fc.array(fc.oneof(...ops), { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.array(fc.oneof(...ops), { minLength: 3, maxLength: 6 }) }),
    set: seed.format === 'config' ? (fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(setItemArb, { minLength: 1, maxLength: 2 }) }) as fc.Arbitrary<string[]>) : fc.constant<string[]>([]),
    fixCrc: fc.boolean(),
  });
}
