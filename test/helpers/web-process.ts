/**
 * The editor's server (`npm run web`, main/server/web-main.ts) as a real process, run from the
 * sources through tsx, and an API client over its WebSocket as the page's: for tests that stop
 * and start the app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { createClient, type ApiClient } from '../../shared/api/rpc';
import { wsTransport } from '../../main/server/ws-transport';

const ROOT = resolve(__dirname, '../..');

export interface WebProcess {
  child: ChildProcess;
  /** the page's URL with its token */
  url: string;
  exited: Promise<number | null>;
  /** stdout and stderr so far */
  output(): string;
  /** an API client as the page's (the right token and Origin); dispose it with `close` */
  connect(): Promise<{ client: ApiClient; close(): void }>;
  /** SIGTERM, as Ctrl+C; resolves with the exit code */
  stop(): Promise<number | null>;
}

export function openWsClient(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Starts the server with PIPEWRIGHT_HOME `home` and resolves once it printed its URL. */
export async function startWebProcess(opts: { home: string; renderer: string; env?: NodeJS.ProcessEnv }): Promise<WebProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'server', 'web-main.ts'), '--port', '0', '--renderer', opts.renderer], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env, PIPEWRIGHT_HOME: opts.home, PIPEWRIGHT_PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 60 s:\n${out}`)), 60_000);
    const look = (): void => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before printing its URL:\n${out}`));
    });
  });
  const { port, searchParams } = new URL(url);
  return {
    child,
    url,
    exited,
    output: () => out,
    async connect() {
      const ws = await openWsClient(`ws://127.0.0.1:${port}/api?token=${searchParams.get('token')}`, `http://127.0.0.1:${port}`);
      const client = createClient(wsTransport(ws));
      return {
        client,
        close: () => {
          client.dispose();
          ws.close();
        },
      };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
