import { createServer, type IncomingMessage, type Server } from 'node:http';
import { isIP } from 'node:net';
import { VoxelpipeError } from '../util/errors.js';
import { ClientAssets } from './assets.js';
import { sendError } from './http.js';
import { handle } from './routes.js';
import { ViewSession, type ViewSessionOptions } from './session.js';

export interface ViewServerOptions extends ViewSessionOptions {
  /** Address to listen on (default 127.0.0.1: only this machine can connect). */
  host?: string;
  /** Port (default 8090; 0 picks a free one). */
  port?: number;
}

export interface ViewServer {
  /** The page's address, e.g. http://127.0.0.1:8090/ */
  url: string;
  host: string;
  port: number;
  /** Bound to a loopback address: only this machine can connect. */
  loopback: boolean;
  close(): Promise<void>;
}

export const VIEW_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 8090 });

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Starts the viewer: loads the section's pipeline (as training would, but
 * on this thread), then answers the page. Bound to a loopback address, it
 * also refuses requests whose Host header names another site, so a web
 * page elsewhere cannot reach it through DNS rebinding.
 */
export async function startViewServer(o: ViewServerOptions): Promise<ViewServer> {
  const host = o.host ?? VIEW_DEFAULTS.host;
  const port = o.port ?? VIEW_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new VoxelpipeError('ERR_INVALID_ARGUMENT', `view: port ${port} is not 0..65535`);
  const session = new ViewSession(o);
  const assets = new ClientAssets();
  let bound = port;
  const guard = isLoopback(host);
  const hostAllowed = (req: IncomingMessage) => {
    if (!guard) return true;
    const h = (req.headers.host ?? '').toLowerCase();
    const m = /^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(?::(\d+))?$/.exec(h);
    return m !== null && (LOOPBACK_NAMES.has(m[1]) || m[1] === host) && Number(m[2] ?? 80) === bound;
  };
  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) return sendError(res, 403, `Host "${String(req.headers.host ?? '').slice(0, 80)}" is not this viewer (open it as http://${urlHost(host)}:${bound}/)`);
    void handle(req, res, session, assets);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await session.close();
    throw listenError(e, host, port);
  }
  const addr = server.address();
  bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${urlHost(host)}:${bound}/`,
    host,
    port: bound,
    loopback: guard,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await session.close();
    },
  };
}

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function listenError(e: unknown, host: string, port: number): VoxelpipeError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new VoxelpipeError('ERR_INVALID_ARGUMENT', `view: port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`);
  if (code === 'EACCES') return new VoxelpipeError('ERR_INVALID_ARGUMENT', `view: no permission to listen on port ${port} (ports below 1024 need privileges); pick another with --port`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new VoxelpipeError('ERR_INVALID_ARGUMENT', `view: cannot listen on host "${host}" (not an address of this machine)`);
  return new VoxelpipeError('ERR_INVALID_ARGUMENT', `view: cannot listen on ${host}:${port}: ${(e as Error)?.message ?? String(e)}`);
}
