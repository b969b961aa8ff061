import type { ServerResponse } from 'node:http';

/**
 * The HTTP side of the viewer's safety rules: every request parameter is
 * declared (a whole number or a field name, never a path), anything else is
 * a 4xx with a one-line message the page shows as it is.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'HttpError';
  }
}

/** A parameter: a whole number or a field name; `?` marks it optional. */
export type ParamKind = 'int' | 'int?' | 'name' | 'name?';

type ParamValue<T extends ParamKind> = T extends 'int' ? number : T extends 'int?' ? number | undefined : T extends 'name' ? string : string | undefined;
export type Params<S extends Record<string, ParamKind>> = { [K in keyof S]: ParamValue<S[K]> };

/** Largest epoch, index or step a request may name (well past any real dataset; keeps numbers exact). */
export const MAX_INT_PARAM = 1e9;

/** A field name: a sample record's key (`image`, `label`, `label_fg_bg_indices`), never a path. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.#-]{0,63}$/;

/**
 * Reads exactly the declared parameters of `url`: each at most once, whole
 * numbers in 0..MAX_INT_PARAM, names matching NAME. An undeclared parameter
 * is an error (a typo should not silently show another sample).
 */
export function readParams<S extends Record<string, ParamKind>>(url: URL, spec: S): Params<S> {
  const out: Record<string, number | string | undefined> = {};
  const known = Object.keys(spec);
  for (const key of new Set(url.searchParams.keys())) {
    if (!known.includes(key)) throw new HttpError(400, `unknown parameter "${truncate(key)}" for ${url.pathname} (expected ${known.join(', ') || 'none'})`);
    if (url.searchParams.getAll(key).length > 1) throw new HttpError(400, `parameter "${key}" is given more than once`);
  }
  for (const key of known) {
    const kind = spec[key];
    const raw = url.searchParams.get(key);
    if (raw === null) {
      if (!kind.endsWith('?')) throw new HttpError(400, `missing parameter "${key}" for ${url.pathname}`);
      continue;
    }
    if (kind.startsWith('int')) {
      if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_INT_PARAM)
        throw new HttpError(400, `parameter "${key}" must be a whole number 0..${MAX_INT_PARAM}, got "${truncate(raw)}"`);
      out[key] = Number(raw);
    } else {
      if (!NAME.test(raw)) throw new HttpError(400, `parameter "${key}" must be a field name (letters, digits, _ . # -), got "${truncate(raw)}"`);
      out[key] = raw;
    }
  }
  return out as Params<S>;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Headers every answer carries: nothing from elsewhere may run in the page, nothing is guessed, nothing is cached. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
});

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer | Uint8Array, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** A 4xx/5xx answer: `{"error": "<one line>"}`. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}
