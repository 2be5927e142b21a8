/**
 * The model server's HTTP side (contract section 6) on node:http: Host and token checks, bounded
 * bodies and slow clients, the route table of `routes.ts`, the `x-pipewright-model-version` and
 * `x-request-id` headers, and live statistics. Nothing a client sends can stop it: every failure
 * of a request ends as that request's own 4xx/5xx answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenMatches } from '../server/web-server';
import { NotFound, type ModelTable } from './model-table';
import { isRequestId, newRequestId, type PredictionLog } from './prediction-log';
import { routes as defaultRoutes, type Reply, type Route, type ServerContext } from './routes';
import { percentiles } from './percentiles';
import { InputError } from './types';
import { RegistryError } from '../registry/store';
import type { ProjectStore } from '../store/project-store';

/** Bodies over this get 413 (contract section 6). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ModelServerOptions {
  table: ModelTable;
  /** default 127.0.0.1 */
  host?: string;
  /** 0: a free port */
  port?: number;
  /** every request but the health checks needs `Authorization: Bearer <token>` */
  token?: string | null;
  log?: PredictionLog | null;
  store?: ProjectStore | null;
  routes?: Route[];
  /** a request (headers and body) that takes longer is cut off (default 30 s) */
  requestTimeoutMs?: number;
  /** headers must arrive within this (default 10 s) */
  headersTimeoutMs?: number;
  random?: () => number;
  onProblem?: (message: string) => void;
  /** listen on an existing server handle (node:cluster workers share the primary's) */
  exclusive?: boolean;
}

/** Seconds of requests the live figures cover (the Serving page, a `serve` process's lease). */
export const STATS_WINDOW_S = 5;

export interface ServerStatsSnapshot {
  /** since the server started */
  requests: number;
  errors: number;
  /** requests per second over the last 5 s */
  rps: number;
  /** latency of the requests of the last 5 s (at most the latest 2048), ms; null: none came */
  p50: number | null;
  p99: number | null;
}

/** The live figures before percentiles: what a `--workers N` primary merges from its workers. */
export interface ServerStatsWindow {
  requests: number;
  errors: number;
  rps: number;
  /** the latencies of the window's requests, ms, in no particular order (a copy) */
  latencies: Float64Array;
}

/** Counts and a ring of recent latencies, cheap enough for every request. */
export class ServerStats {
  requests = 0;
  errors = 0;
  private readonly lat = new Float64Array(2048);
  private filled = 0;
  private next = 0;
  /** requests per whole second, the last 6 seconds */
  private readonly seconds = new Map<number, number>();

  record(ms: number, ok: boolean): void {
    this.requests++;
    if (!ok) this.errors++;
    this.lat[this.next] = ms;
    this.next = (this.next + 1) % this.lat.length;
    if (this.filled < this.lat.length) this.filled++;
    const s = Math.floor(Date.now() / 1000);
    this.seconds.set(s, (this.seconds.get(s) ?? 0) + 1);
    if (this.seconds.size > 8) for (const k of this.seconds.keys()) if (k < s - 6) this.seconds.delete(k);
  }

  /** Once a second at most (a copy of up to 2048 numbers; no sorting): the last 5 s of requests. */
  window(): ServerStatsWindow {
    const s = Math.floor(Date.now() / 1000);
    let recent = 0;
    for (let k = s - STATS_WINDOW_S; k < s; k++) recent += this.seconds.get(k) ?? 0;
    // the ring holds requests in order: the window's are the last ones recorded
    const inWindow = Math.min(this.filled, recent + (this.seconds.get(s) ?? 0));
    const latencies = new Float64Array(inWindow);
    const size = this.lat.length;
    const start = (this.next - inWindow + size) % size;
    if (start + inWindow <= size) latencies.set(this.lat.subarray(start, start + inWindow));
    else {
      latencies.set(this.lat.subarray(start));
      latencies.set(this.lat.subarray(0, this.next), size - start);
    }
    return { requests: this.requests, errors: this.errors, rps: recent / STATS_WINDOW_S, latencies };
  }

  snapshot(): ServerStatsSnapshot {
    const w = this.window();
    return { requests: w.requests, errors: w.errors, rps: w.rps, ...percentiles(w.latencies) };
  }
}

export interface ModelServer {
  host: string;
  port: number;
  url: string;
  stats: ServerStats;
  http: Server;
  close(): Promise<void>;
}

export const isLoopback = (host: string): boolean => /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/i.test(host);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Reads the body up to `limit` bytes; past it, 413 and the rest is not read. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `the body is ${declared} bytes; at most ${limit} (16 MiB)`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new HttpError(413, `the body is over ${limit} bytes (16 MiB)`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('aborted', () => reject(new HttpError(400, 'the client closed the connection before the body ended')));
  });
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw new HttpError(400, 'the body is empty: send a JSON object');
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}

function decodeParams(groups: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  const out = Object.create(null) as Record<string, string | undefined>;
  if (!groups) return out;
  for (const [k, v] of Object.entries(groups)) {
    if (v === undefined) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new HttpError(400, `the path's ${k} is not valid percent-encoding`);
    }
  }
  return out;
}

/** A method and path matched against the route table: the route and its decoded path params, or the methods the path allows. */
type Matched = { route: Route; params: Readonly<Record<string, string | undefined>> } | { route: null; allowed: string[] };

function matchRoute(routes: readonly Route[], method: string | undefined, path: string): Matched {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.path.exec(path);
    if (!m) continue;
    if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params: Object.freeze(decodeParams(m.groups)) };
    allowed.push(r.method);
  }
  return { route: null, allowed };
}

/** Paths longer than this are matched every time, not remembered. */
const CACHED_PATH_CHARS = 256;

export function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? null;
  const table = opts.table;
  const routes = opts.routes ?? defaultRoutes;
  const stats = new ServerStats();
  // a client repeats a few paths: each is matched (regexes, percent-decoding) once
  const matched = new Map<string, Matched>();
  const route = (method: string | undefined, path: string): Matched => {
    if (path.length > CACHED_PATH_CHARS) return matchRoute(routes, method, path);
    const k = `${method} ${path}`;
    let m = matched.get(k);
    if (!m) {
      m = matchRoute(routes, method, path);
      if (matched.size >= 1000) matched.clear();
      matched.set(k, m);
    }
    return m;
  };
  const context: ServerContext = { table, log: opts.log ?? null, store: opts.store ?? null, random: opts.random ?? Math.random, onProblem: opts.onProblem };
  const loopback = isLoopback(host);
  let port = 0;
  let allowedHosts = new Set<string>();

  /** the version header for an answer that is not about one model: the single served model's default */
  function defaultHeader(): string | null {
    const names = [...table.routing.names.keys()];
    if (names.length !== 1) return null;
    try {
      const t = table.routing.defaultTarget(names[0], () => 0);
      return `${names[0]}:${t.version}`;
    } catch {
      return null;
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, requestId: string, model: string | null): void {
    const text = JSON.stringify(body);
    // a flat [name, value, …] list: writeHead's cheapest form
    const h: (string | number)[] = ['content-type', 'application/json', 'content-length', Buffer.byteLength(text), 'x-request-id', requestId];
    const version = model ?? defaultHeader();
    if (version) h.push('x-pipewright-model-version', version);
    for (const k of Object.keys(headers)) h.push(k, headers[k]);
    res.writeHead(status, h as string[]);
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = isRequestId(given) ? given : newRequestId();
    let status = 200;
    try {
      if (loopback && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(403, `the Host header must be 127.0.0.1:${port} or localhost:${port}`);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const found = route(req.method, path);
      if (!found.route) {
        const { allowed } = found;
        if (allowed.length) throw new HttpError(405, `${req.method} is not allowed on ${path.slice(0, 200)} (use ${allowed.join(', ')})`, { allow: allowed.join(', ') });
        throw new HttpError(404, `no endpoint ${req.method} ${path.slice(0, 200)}`);
      }
      const { route: r, params } = found;
      if (token && !r.public) {
        const auth = req.headers.authorization ?? '';
        const m = /^Bearer\s+(.+)$/i.exec(auth);
        if (!tokenMatches(m ? m[1].trim() : null, token)) throw new HttpError(401, 'this server needs Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
      }
      const body = r.method === 'POST' ? parseJson(await readBody(req, MAX_BODY_BYTES)) : undefined;
      const reply: Reply = await r.handle({ req, params, body, requestId, readAt: Date.now(), start, server: context });
      status = reply.status ?? 200;
      send(res, status, reply.body, {}, requestId, reply.model ? `${reply.model.name}:${reply.model.version}` : null);
    } catch (e) {
      let headers: Record<string, string> = {};
      let message: string;
      if (e instanceof HttpError) {
        status = e.status;
        message = e.message;
        headers = e.headers;
      } else if (e instanceof InputError) {
        status = 400;
        message = e.message;
      } else if (e instanceof NotFound || (e instanceof RegistryError && e.code === 'not_found')) {
        status = 404;
        message = e.message;
      } else {
        status = 500;
        message = `the server could not answer: ${(e as Error)?.message ?? String(e)}`;
        opts.onProblem?.(`${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      }
      if (status === 413) {
        // the rest of the body is not read: answer, then close the connection
        headers.connection = 'close';
        res.once('finish', () => req.socket.destroySoon?.());
      }
      if (!res.headersSent) send(res, status, { error: message }, headers, requestId, null);
      else res.destroy();
    } finally {
      stats.record(Number(process.hrtime.bigint() - start) / 1e6, status < 400);
    }
  }

  const server = createServer({ requestTimeout: opts.requestTimeoutMs ?? 30_000, headersTimeout: opts.headersTimeoutMs ?? 10_000, connectionsCheckingInterval: 500 }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.on('clientError', (err, socket) => {
    const code = (err as { code?: string }).code ?? '';
    if (!socket.writable || code.startsWith('ECONN')) return void socket.destroy();
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') reject(new PortInUse(host, opts.port ?? 0));
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      port = (server.address() as AddressInfo).port;
      allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
      const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      resolve({
        host,
        port,
        url: `http://${shown}:${port}`,
        stats,
        http: server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 2_000).unref();
          }),
      });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port: opts.port ?? 0, exclusive: opts.exclusive });
  });
}

export class PortInUse extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`);
    this.name = 'PortInUse';
  }
}
