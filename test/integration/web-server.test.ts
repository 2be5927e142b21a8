/**
 * The local API server (contract section 3) against real sockets: the right token works; a
 * missing or wrong token, a foreign Origin or a rebound Host is refused before any WebSocket
 * opens; it listens on 127.0.0.1 only; static files cannot escape the renderer folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from '../../shared/api/rpc';
import { registry } from '../../nodes/registry';
import { createHandlers, type ApiHandlers } from '../../main/api/handlers';
import { startWebServer, type WebServer } from '../../main/server/web-server';
import { wsTransport } from '../../main/server/ws-transport';
import { parseWebArgs } from '../../main/server/web-main';
import { openWsClient, startWebProcess } from '../helpers/web-process';

let dir: string;
let server: WebServer;
let handlers: ApiHandlers;
const SECRET = 'top secret, outside the renderer folder';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-web-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pipewright</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("hi")');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  handlers = createHandlers({ mode: 'web', configDir: join(dir, 'home') });
  server = await startWebServer({ rendererDir: renderer, handlers });
});

afterAll(async () => {
  await server?.close();
  await handlers?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes and returns the whole response: no client library normalises anything. */
function raw(request: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, host);
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.write(request);
    // A refused upgrade is closed by the server; a served file ends once its body is sent.
    setTimeout(() => socket.end(), 1500);
  });
}

function upgradeRequest(opts: { token?: string | null; origin?: string | null; host?: string }): string {
  const port = server.port;
  const path = opts.token === null ? '/api' : `/api?token=${opts.token ?? server.token}`;
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${opts.host ?? `127.0.0.1:${port}`}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
  ];
  if (opts.origin !== null) lines.push(`Origin: ${opts.origin ?? `http://127.0.0.1:${port}`}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}


describe('WebSocket API', () => {
  it('serves the API to a client with the right token and Origin', async () => {
    const ws = await openWsClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    const client = createClient(wsTransport(ws));
    try {
      const { nodes } = await client.call('catalog.list', {});
      expect(nodes.map((n) => n.type).sort()).toEqual(registry.list().map((d) => d.type).sort());
      const info = await client.call('app.info', {});
      expect(info.mode).toBe('web');
      const example = readFileSync(join(__dirname, '..', '..', 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8');
      const validated = await client.call('pipeline.validate', { text: example });
      expect(validated.errors).toEqual([]);
      expect(validated.pipeline?.nodes.length).toBeGreaterThan(3);
      // params are validated in main: a bad payload gets a clear error, not a crash
      await expect(client.call('file.read', { path: 42 } as unknown as { path: string })).rejects.toThrow(/invalid params for file.read/);
      await expect(client.call('file.read', { path: join(dir, 'secret.txt') })).rejects.toThrow(/only .pipeline.yaml or .yaml/);
    } finally {
      client.dispose();
      ws.close();
    }
  });

  it('accepts the localhost spelling of the page origin too', async () => {
    const ws = await openWsClient(`ws://localhost:${server.port}/api?token=${server.token}`, `http://localhost:${server.port}`);
    ws.close();
  });

  const refusals: [string, Parameters<typeof upgradeRequest>[0], number][] = [
    ['no token', { token: null }, 401],
    ['a wrong token', { token: 'f'.repeat(48) }, 401],
    ['an empty token', { token: '' }, 401],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403],
    ['a look-alike Origin', { origin: 'http://127.0.0.1:1' }, 403],
    ['no Origin', { origin: null }, 403],
    ['Host: evil.example (DNS rebinding)', { host: 'evil.example' }, 403],
    ['Host: evil.example with the port', { host: 'evil.example:' }, 403],
  ];
  for (const [what, opts, status] of refusals) {
    it(`refuses the upgrade with ${what}: HTTP ${status}, no socket`, async () => {
      if (opts.host === 'evil.example:') opts.host = `evil.example:${server.port}`;
      const response = await raw(upgradeRequest(opts));
      expect(statusOf(response)).toBe(status);
      expect(response).not.toMatch(/101 Switching Protocols/);
    });
  }

  it('refuses through a real client too (the ws library sees the status, never an open socket)', async () => {
    let opened = false;
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=wrong`, { origin: `http://127.0.0.1:${server.port}` });
      ws.on('open', () => (opened = true));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(401);
    expect(opened).toBe(false);
  });

  it('closes a connection that sends a message over 8 MiB', async () => {
    const ws = await openWsClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, `http://127.0.0.1:${server.port}`);
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.send(JSON.stringify({ t: 'req', id: 1, method: 'pipeline.validate', params: { text: 'x'.repeat(9 * 1024 * 1024) } }));
    });
    expect(code).toBe(1009);
  });
});

describe('HTTP server', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(server.host).toBe('127.0.0.1');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a!.address);
    for (const address of [...others, '::1']) {
      const result = await new Promise<string>((resolve) => {
        const s = connect(server.port, address);
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(result, `connecting via ${address}`).not.toBe('connected');
    }
  });

  it('serves the page with a strict CSP and the right MIME types', async () => {
    const page = await fetch(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const js = await fetch(`http://127.0.0.1:${server.port}/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log("hi")');
    expect((await fetch(`http://127.0.0.1:${server.port}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST' })).status).toBe(405);
  });

  it('never serves a file outside the renderer folder', async () => {
    expect(existsSync(join(dir, 'secret.txt'))).toBe(true);
    expect(readFileSync(join(dir, 'secret.txt'), 'utf8')).toBe(SECRET);
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/link.txt',
      `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
      '//' + join(dir, 'secret.txt'),
      '/assets/%00.js',
    ];
    for (const path of attempts) {
      const response = await raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
      expect(response, path).not.toContain(SECRET);
      expect([400, 403, 404], path).toContain(statusOf(response));
    }
  });

  it('refuses plain HTTP requests with a foreign Host header', async () => {
    const response = await raw(`GET / HTTP/1.1\r\nHost: evil.example:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(403);
  });
});

describe('the web launcher (main/server/web-main.ts)', () => {
  it('reads --port, --open and PIPEWRIGHT_PORT; refuses what it does not know', () => {
    expect(parseWebArgs([], {})).toEqual({ port: 0, open: null, rendererDir: null });
    expect(parseWebArgs(['--port', '8123', '--open=a.pipeline.yaml'], {})).toMatchObject({ port: 8123, open: resolve('a.pipeline.yaml') });
    expect(parseWebArgs([], { PIPEWRIGHT_PORT: '9001' }).port).toBe(9001);
    expect(parseWebArgs(['--port', '7'], { PIPEWRIGHT_PORT: '9001' }).port).toBe(7);
    expect(() => parseWebArgs(['--port', 'eighty'], {})).toThrow(/not a port number/);
    expect(() => parseWebArgs(['--port', '70000'], {})).toThrow(/not a port number/);
    expect(() => parseWebArgs(['--open'], {})).toThrow(/needs a value/);
    expect(() => parseWebArgs(['--host', '0.0.0.0'], {})).toThrow(/unknown option '--host'/);
  });

  it('prints the URL with its token, prepares the workspace example, serves, and stops on SIGTERM', async () => {
    const home = join(dir, 'launcher-home');
    const web = await startWebProcess({ home, renderer: join(dir, 'renderer') });
    try {
      expect((await fetch(web.url)).status).toBe(200);
      const { client, close } = await web.connect();
      const info = await client.call('app.info', {});
      expect(info.examplePath).toBe(join(home, 'workspace', 'examples', 'breast-cancer.pipeline.yaml'));
      expect(info.projectPath).toBe(join(home, 'workspace', 'examples', 'breast-cancer.pwproj'));
      const latest = await client.call('pipeline.latest', { project: info.projectPath! });
      expect(latest.version?.pipeline).toBe('breast-cancer');
      close();
    } finally {
      expect(await web.stop()).toBe(0);
    }
  });
});
