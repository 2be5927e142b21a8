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
import { parseCommandArgs } from '../cli/args';
import { HelpRequested, UsageError } from '../cli/io';

export interface WebArgs {
  port: number;
  open: string | null;
  rendererDir: string | null;
}

const USAGE = 'usage: web [--port N] [--open FILE]';

export function parseWebArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WebArgs {
  const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' }, open: { type: 'string' }, renderer: { type: 'string' } }, USAGE);
  if (positionals.length) throw new UsageError(`unknown argument '${positionals[0]}'\n${USAGE}`);
  const portText = values.port ?? env.PIPEWRIGHT_PORT;
  return {
    port: portText ? parsePort(portText, values.port !== undefined ? '--port' : 'PIPEWRIGHT_PORT') : 0,
    open: values.open ? resolve(values.open) : null,
    rendererDir: values.renderer ? resolve(values.renderer) : null,
  };
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
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.usage}\n`);
      return;
    }
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
  const handlers = createHandlers({ mode: 'web', ...target, workspaceDir: workspace?.dir ?? null, resourcesDir: resources });
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
