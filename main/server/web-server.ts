/**
 * `npm run web`: the built renderer and the WebSocket API on 127.0.0.1 only (contract section 3).
 * The API is guarded as Jupyter guards its kernels: a per-launch random token in the page URL,
 * plus Host and Origin checks so neither another site nor a DNS-rebound name can reach it.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { serve, type Connection, type Handlers } from '../../shared/api/rpc';
import { rendererCsp } from './csp';
import { mimeOf, realDir, resolveStatic } from './static-files';
import { wsTransport } from './ws-transport';

export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
export const HOST = '127.0.0.1';

export interface WebServerOptions {
  /** 0 or absent: any free port */
  port?: number;
  /** the built renderer (dist/renderer) */
  rendererDir: string;
  /** served on every connection; `attach` (optional) learns of each open connection */
  handlers: Handlers & { attach?(conn: Connection): () => void };
  /** fixed token (tests); a random one per launch otherwise */
  token?: string;
}

export interface WebServer {
  /** the address actually bound (always 127.0.0.1) */
  host: string;
  port: number;
  token: string;
  /** the page URL with its token, as printed on start */
  url: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/** Constant-time comparison; hashing first makes both sides the same length. */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const rendererRoot = realDir(opts.rendererDir);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', (socket) => {
    const transport = wsTransport(socket);
    const { connection, stop } = serve(transport, opts.handlers);
    const detach = opts.handlers.attach?.(connection);
    socket.on('close', () => {
      stop();
      detach?.();
    });
    socket.on('error', () => socket.terminate());
  });

  const server = createServer((req, res) => {
    if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) return plain(res, 403, 'Forbidden: unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'Method Not Allowed');
    }
    serveStatic(req, res, rendererRoot, port);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, reason: string) => {
      const body = `${reason}\n`;
      // As ws's own abortHandshake: let the response flush, then drop the connection.
      socket.once('finish', () => socket.destroy());
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'}\r\n` +
          `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse(404, 'Not Found');
    }
    if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) return refuse(403, 'unexpected Host header');
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins().has(origin.toLowerCase())) return refuse(403, 'unexpected Origin');
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse(401, 'missing or wrong token');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  port = address.port;

  return {
    host: address.address,
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function securityHeaders(res: ServerResponse, port: number): void {
  res.setHeader('Content-Security-Policy', rendererCsp([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The page URL carries the token: never let it leak through a Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Pipewright</title>
<p>The editor is not built yet: run <code>npm run build:web</code> (or <code>npm run web</code>, which builds it) and reload.</p>`;

/** Serves a file of the built renderer; `resolveStatic` keeps every request inside it. */
function serveStatic(req: IncomingMessage, res: ServerResponse, root: string | null, port: number): void {
  securityHeaders(res, port);
  if (!root) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    return void res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
  }
  const found = resolveStatic(root, (req.url ?? '/').split('?')[0].split('#')[0]);
  if ('status' in found) return plain(res, found.status, found.status === 404 ? 'Not Found' : found.status === 403 ? 'Forbidden' : 'Bad Request');
  const { file } = found;
  res.writeHead(200, {
    'Content-Type': mimeOf(file),
    'Content-Length': statSync(file).size,
    // Vite fingerprints assets; the shell must be revalidated so a rebuild is picked up.
    'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
