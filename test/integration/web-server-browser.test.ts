/**
 * The API guard as a real browser meets it (Debian's Chromium through playwright-core): the
 * page's own origin with the token connects; no token, a wrong token, another site's page (even
 * holding the right token) and a DNS-rebound name never get a socket. The server counts every
 * socket it opens, so "refused" means no connection was ever made, not just an error event.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../shared/api/rpc';
import { createHandlers, type ApiHandlers } from '../../main/api/handlers';
import { startWebServer, type WebServer } from '../../main/server/web-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

let dir: string;
let server: WebServer;
let handlers: ApiHandlers;
let foreign: Server;
let foreignPort: number;
let browser: Browser;
let opened = 0;

beforeAll(async () => {
  if (!haveChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'pw-web-browser-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pipewright</title><p>app</p>');
  handlers = createHandlers({ mode: 'web', configDir: join(dir, 'home') });
  const attach = handlers.attach.bind(handlers);
  handlers.attach = (conn: Connection) => {
    opened++;
    return attach(conn);
  };
  server = await startWebServer({ rendererDir: renderer, handlers });
  // Another site on this machine: it answers any Host, as an attacker's server would.
  foreign = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>elsewhere</title><p>another site</p>');
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
  foreignPort = (foreign.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // evil.example resolves to this machine, as after a DNS-rebinding attack.
    args: ['--no-sandbox', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (foreign ? foreign.close(() => r()) : r()));
  await server?.close();
  await handlers?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Tries a WebSocket from inside the page; 'open' or 'refused'. */
function tryConnect(page: Page, url: string): Promise<string> {
  return page.evaluate(
    (u) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(u);
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onerror = () => resolve('refused');
        setTimeout(() => resolve('timeout'), 10_000);
      }),
    url,
  );
}

describe.skipIf(!haveChromium)('in Chromium', () => {
  it('the page itself connects with its token, and only with it', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`http://127.0.0.1:${server.port}/?token=${server.token}`);
      expect(response?.status()).toBe(200);
      const before = opened;
      expect(await tryConnect(page, `ws://127.0.0.1:${server.port}/api?token=${server.token}`)).toBe('open');
      expect(opened).toBe(before + 1);
      expect(await tryConnect(page, `ws://127.0.0.1:${server.port}/api`)).toBe('refused');
      expect(await tryConnect(page, `ws://127.0.0.1:${server.port}/api?token=${'0'.repeat(48)}`)).toBe('refused');
      expect(opened).toBe(before + 1);
    } finally {
      await page.close();
    }
  });

  it("another site's page cannot connect, even holding the right token", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${foreignPort}/`);
      const before = opened;
      expect(await tryConnect(page, `ws://127.0.0.1:${server.port}/api?token=${server.token}`)).toBe('refused');
      expect(await tryConnect(page, `ws://localhost:${server.port}/api?token=${server.token}`)).toBe('refused');
      expect(opened).toBe(before);
    } finally {
      await page.close();
    }
  });

  it('a DNS-rebound name (Host: evil.example) gets neither the page nor a socket', async () => {
    const page = await browser.newPage();
    try {
      const rebound = await page.goto(`http://evil.example:${server.port}/?token=${server.token}`);
      expect(rebound?.status()).toBe(403);
      await page.goto(`http://evil.example:${foreignPort}/`);
      const before = opened;
      expect(await tryConnect(page, `ws://evil.example:${server.port}/api?token=${server.token}`)).toBe('refused');
      expect(opened).toBe(before);
    } finally {
      await page.close();
    }
  });
});
