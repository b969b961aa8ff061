import { readFileSync } from 'node:fs';
import { VoxelpipeError, fromFsError } from '../util/errors.js';

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
  try {
    return JSON.parse(text);
  } catch (e) {
    const { offset, message } = locateJsonError(text);
    const { line, column } = lineColumn(text, offset);
    throw new VoxelpipeError('ERR_CONFIG', `${file}:${line}:${column}: invalid JSON: ${message}`, {
      cause: e,
      context: { file, line, column },
    });
  }
}

/** Reads and parses a JSON file; a missing file is ERR_FILE_NOT_FOUND naming it. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fromFsError(e, file, 'read');
  }
  return parseJsonText(text, file);
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
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
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
