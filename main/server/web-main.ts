/**
 * `node dist/web.cjs [--port N] [--open FILE]`: the editor in the browser. Prints the page URL
 * with its per-launch token, as Jupyter does; stops cleanly on Ctrl+C.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHandlers } from '../api/handlers';
import { findResourcesDir } from '../api/paths';
import { launchTarget, prepareWorkspace } from '../api/workspace';
import { startWebServer, type WebServer } from './web-server';

export interface WebArgs {
  port: number;
  open: string | null;
  rendererDir: string | null;
}

export function parseWebArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WebArgs {
  const args: WebArgs = { port: 0, open: null, rendererDir: null };
  const portText = env.PIPEWRIGHT_PORT;
  if (portText) args.port = parsePort(portText, 'PIPEWRIGHT_PORT');
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') args.port = parsePort(value(), '--port');
    else if (flag === '--open') args.open = resolve(value());
    else if (flag === '--renderer') args.rendererDir = resolve(value());
    else throw new Error(`unknown option ${argv[i]} (usage: web [--port N] [--open FILE])`);
  }
  return args;
}

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${what}: not a port number: ${text}`);
  return n;
}

export async function runWeb(argv: string[]): Promise<void> {
  let args: WebArgs;
  try {
    args = parseWebArgs(argv);
  } catch (e) {
    process.stderr.write(`pipewright web: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.open && !existsSync(args.open)) {
    process.stderr.write(`pipewright web: --open ${args.open}: no such file\n`);
    process.exitCode = 2;
    return;
  }
  const resources = findResourcesDir(__dirname);
  const workspace = resources ? await prepareWorkspace({ resourcesDir: resources }) : null;
  const target = launchTarget(args.open, workspace, (m) => process.stderr.write(`pipewright web: ${m}\n`));
  const handlers = createHandlers({ mode: 'web', ...target });
  let server: WebServer;
  try {
    server = await startWebServer({ port: args.port, rendererDir: args.rendererDir ?? join(__dirname, 'renderer'), handlers });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`pipewright web: ${err.code === 'EADDRINUSE' ? `port ${args.port} is already in use (choose another with --port, or 0 for any)` : err.message}\n`);
    await handlers.dispose();
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`Pipewright is running at:\n    ${server.url}\n`);
  if (workspace) process.stdout.write(`Workspace: ${workspace.dir}\n`);
  process.stdout.write('Press Ctrl+C to stop.\n');
  const stop = () => {
    void server.close().then(() => handlers.dispose()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// The bundle (dist/web.cjs) is run directly; importing this file from tests must not start a server.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void runWeb(process.argv.slice(2));
