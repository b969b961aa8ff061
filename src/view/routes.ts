import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVoxelpipeError } from '../util/errors.js';
import type { ClientAssets } from './assets.js';
import { HttpError, readParams, send, sendError, sendJson, SECURITY_HEADERS } from './http.js';
import { PAGE_CSS, pageHtml } from './page.js';
import type { ViewSession } from './session.js';

/**
 * The viewer's whole surface: a fixed set of paths, each with declared
 * parameters. Nothing maps a request to a file name: the page, its style
 * and its script modules are known by name, and every voxel comes from the
 * session's pipeline.
 */
export async function route(req: IncomingMessage, res: ServerResponse, session: ViewSession, assets: ClientAssets): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    throw new HttpError(405, `method ${req.method} is not allowed (the viewer only answers GET and HEAD)`);
  }
  const url = new URL(req.url ?? '/', 'http://viewer.invalid');
  const path = url.pathname;
  const none = {} as const;
  switch (path) {
    case '/':
    case '/index.html':
      readParams(url, none);
      return send(res, 200, 'text/html; charset=utf-8', pageHtml(session.info.title));
    case '/style.css':
      readParams(url, none);
      return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
    case '/favicon.ico':
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    case '/api/info':
      readParams(url, none);
      return sendJson(res, 200, session.info);
    case '/api/epoch': {
      const p = readParams(url, { epoch: 'int' });
      return sendJson(res, 200, session.epoch(p.epoch));
    }
    case '/api/sample': {
      const p = readParams(url, { epoch: 'int', index: 'int' });
      return sendJson(res, 200, await session.sample(p.epoch, p.index));
    }
    case '/api/step': {
      const p = readParams(url, { epoch: 'int', index: 'int', step: 'int' });
      const body = await session.step(p.epoch, p.index, p.step);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.bytes) });
      if (req.method === 'HEAD') return void res.end();
      for (const c of body.chunks) res.write(c);
      res.end();
      return;
    }
    case '/api/batch': {
      const p = readParams(url, { epoch: 'int', batch: 'int' });
      const v = await session.batch(p.epoch, p.batch);
      return sendJson(res, 200, { epoch: v.epoch, index: v.index, rows: v.rows, fields: v.fields });
    }
    case '/api/batch/thumb': {
      const p = readParams(url, { epoch: 'int', batch: 'int', row: 'int' });
      const v = await session.batch(p.epoch, p.batch);
      if (p.row >= v.thumbs.length) throw new HttpError(404, `row ${p.row} of batch ${p.batch} does not exist (the batch has ${v.thumbs.length}: 0..${v.thumbs.length - 1})`);
      return send(res, 200, 'image/png', v.thumbs[p.row]);
    }
  }
  const m = /^\/client\/([a-z-]+)\.js$/.exec(path);
  if (m && assets.has(m[1])) {
    readParams(url, none);
    return send(res, 200, 'text/javascript; charset=utf-8', await assets.script(m[1]));
  }
  // No listing, no guessing: the known paths are the page's own.
  throw new HttpError(404, `no such page: ${path.length > 80 ? `${path.slice(0, 80)}...` : path} (the viewer serves / and its /api/ answers)`);
}

/** Runs `route`, answering every failure with a status and a one-line `{"error"}`. */
export async function handle(req: IncomingMessage, res: ServerResponse, session: ViewSession, assets: ClientAssets): Promise<void> {
  try {
    await route(req, res, session, assets);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof HttpError) return sendError(res, e.status, e.message);
    // A bad epoch or index the pipeline itself refused is the request's fault; anything else is ours.
    if (isVoxelpipeError(e)) return sendError(res, e.code === 'ERR_INVALID_ARGUMENT' ? 400 : 500, e.message);
    sendError(res, 500, `internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}
