import type { z } from 'zod';
import { didYouMean } from './suggest.js';

/** Appends path segments to a JSON path: `train.pre_transforms[2].args.a_min`. */
export function jsonPath(base: string, ...segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/** A short rendering of a value found in a config, for messages. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : String(issue.expected);
    case 'invalid_union': {
      const exp = new Set<string>();
      for (const branch of issue.errors) for (const i of branch) exp.add(expectedOf(i) ?? i.message);
      return [...exp].join(' or ');
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at least ${issue.minimum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    default:
      return undefined;
  }
}

/**
 * zod issues as one-line messages, each naming its JSON path, what was
 * expected and the value found. Parse with `{ reportInput: true }` so the
 * value is known. `knownKeys` feeds "did you mean" for unknown keys.
 */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], base: string, knownKeys: Iterable<string> = []): string[] {
  const keys = [...knownKeys];
  return issues.map((issue) => {
    const path = jsonPath(base, ...issue.path);
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((k) => `${jsonPath(path, k)}: unknown key${didYouMean(k, keys)}`).join('; ');
    const expected = expectedOf(issue);
    const input = (issue as { input?: unknown }).input;
    if (expected) return `${path}: expected ${expected}, got ${showValue(input)}`;
    return `${path}: ${issue.message}${input !== undefined ? ` (got ${showValue(input)})` : ''}`;
  });
}
