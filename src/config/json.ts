import { closeSync } from 'node:fs';
import { openRegularFile, readAt } from '../io/file.js';
import { LIMITS } from '../io/options.js';
import { VoxelpipeError, formatBytes, fromFsError } from '../util/errors.js';
import { jsonPath } from '../util/schema-errors.js';

/**
 * Reading the JSON files of an MMAR (config, environment.json, datalists)
 * with errors a user can act on: `file:line:column: what is wrong`.
 *
 * JSON.parse does not always say where it failed (V8 reports "Unexpected
 * token" without a position), so on failure a small scanner walks the text
 * to find the first offending character; it runs only for broken files.
 */

/** Parses `text` (the content of `file`); a syntax error names file, line and column. */
export function parseJsonText(text: string, file: string): unknown {
  // Editors on Windows write a BOM; it is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const { offset, message } = locateJsonError(text);
    const { line, column } = lineColumn(text, offset);
    throw new VoxelpipeError('ERR_CONFIG', `${file}:${line}:${column}: invalid JSON: ${message}`, {
      cause: e,
      context: { file, line, column },
    });
  }
  const problem = jsonTreeProblem(value);
  if (problem) throw new VoxelpipeError('ERR_CONFIG', `${file}: ${problem}`, { context: { file } });
  return value;
}

/**
 * Reads and parses a JSON file (a regular file of at most LIMITS.jsonBytes:
 * `DATASET_JSON` pointing at /dev/zero must not read forever); a missing
 * file is ERR_FILE_NOT_FOUND naming it.
 */
export function readJsonFile(file: string): unknown {
  const { fd, size } = openRegularFile(file);
  let text: string;
  try {
    if (size > LIMITS.jsonBytes)
      throw new VoxelpipeError('ERR_TOO_LARGE', `${file}: JSON file is ${formatBytes(size)}, over the ${formatBytes(LIMITS.jsonBytes)} a config, environment or datalist file may take`, { context: { file } });
    text = readAt(fd, size, 0).toString('utf8');
  } catch (e) {
    throw fromFsError(e, file, 'read');
  } finally {
    closeSync(fd);
  }
  return parseJsonText(text, file);
}

/**
 * Keys refused in every JSON file and `--set` value: assigning `__proto__`
 * to a plain object replaces its prototype, and `constructor` / `prototype`
 * lead from any object to Object.prototype in a path walk or a merge. No
 * Clara config, environment or datalist uses them.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What is wrong with a parsed JSON value, or undefined: nesting deeper than
 * LIMITS.jsonDepth (the config's clone and substitution walk it), or a key of
 * FORBIDDEN_KEYS; the answer names the JSON path. Iterative, so that the
 * check itself cannot overflow the stack.
 */
export function jsonTreeProblem(value: unknown, base = ''): string | undefined {
  interface Node {
    value: unknown;
    depth: number;
    parent?: Node;
    key?: string | number;
  }
  const pathOf = (n: Node): string => {
    const keys: (string | number)[] = [];
    for (let p: Node | undefined = n; p?.key !== undefined; p = p.parent) keys.push(p.key);
    return jsonPath(base, ...keys.reverse()) || 'the top level';
  };
  const stack: Node[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const v = n.value;
    if (v === null || typeof v !== 'object') continue;
    if (n.depth >= LIMITS.jsonDepth) return `${pathOf(n)}: nested more than ${LIMITS.jsonDepth} levels deep`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: n.depth + 1, parent: n, key: i });
      continue;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return `${pathOf({ value: undefined, depth: 0, parent: n, key: k })}: the key "${k}" is not allowed (it reaches object prototypes)`;
      stack.push({ value: (v as Record<string, unknown>)[k], depth: n.depth + 1, parent: n, key: k });
    }
  }
  return undefined;
}

/** 1-based line and column (in characters) of `offset`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** The offset and description of the first syntax error in `text` (which must be invalid JSON). */
export function locateJsonError(text: string): { offset: number; message: string } {
  let i = 0;
  class Fail {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  const fail = (message: string, at = i): never => {
    throw new Fail(at, message);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const found = () => (i >= text.length ? 'end of file' : `'${text[i]}'`);
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++)
      if (text[i + k] !== word[k]) fail(`unexpected ${i + k >= text.length ? 'end of file' : `'${text[i + k]}'`} in '${word}'`, i + k);
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail(c === 10 ? 'unterminated string (line break inside a string)' : 'control character inside a string');
      if (c === 0x5c) {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else fail(`bad escape '\\${esc ?? ''}' in string`);
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`unexpected ${found()}, expected a value`);
    i += m![0].length;
  };
  // The scanner recurses once per nesting level: deeper than JSON files may nest, it stops there.
  let depth = 0;
  const value = (): void => {
    ws();
    const c = text[i];
    if ((c === '{' || c === '[') && ++depth > LIMITS.jsonDepth) fail(`nested more than ${LIMITS.jsonDepth} levels deep`);
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(text[i] === '}' ? "trailing comma before '}'" : `expected a double-quoted property name, got ${found()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name, got ${found()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          depth--;
          return;
        }
        fail(`expected ',' or '}' after property value, got ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail("trailing comma before ']'");
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          depth--;
          return;
        }
        fail(`expected ',' or ']' after array element, got ${found()}`);
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail(i >= text.length ? 'unexpected end of file, expected a value' : `unexpected ${found()}, expected a value`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, message: e.message };
    throw e;
  }
  // The scanner accepted what JSON.parse refused (should not happen): point at the start.
  return { offset: 0, message: 'not valid JSON' };
}
