/**
 * `pipewright serve (--project P [--model REF]... | --model-file F) [--port N] [--host H]
 * [--token T | --no-auth] [--workers N] [--log-sample R]` (contract sections 2b and 6): the model
 * server, until stopped (SIGINT/SIGTERM). Its first stdout line, once it accepts requests, is
 * `serving at http://HOST:PORT`. Off loopback it needs a token or an explicit --no-auth (exit 2
 * otherwise); a port in use is exit 2 naming it. `--workers N` runs N processes (node:cluster)
 * on the one port.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseModelRef, resolveModelRef, RegistryError } from '../../registry/store';
import { loadModelFile } from '../../registry/serving-model';
import { fixedSource, ModelTable, type DefaultRef, type ModelSource } from '../../serving/model-table';
import { PredictionLog } from '../../serving/prediction-log';
import { registrySource } from '../../serving/registry-source';
import { BEAT_MS, leaseBase, mergeWindows, servedModels, ServeLease, type LeaseRecord, type LeaseSample } from '../../serving/lease';
import { isLoopback, PortInUse, startModelServer, type ServerStatsWindow } from '../../serving/server';
import { openProject, ProjectFileError, type ProjectStore } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type CliIO, type Command } from '../io';

const USAGE = `usage: pipewright serve (--project P [--model REF]... | --model-file F) [--port N] [--host H] [--token T | --no-auth] [--workers N] [--log-sample R]
       pipewright serve --list --project P [--json]   (the servers on a project: pipewright serve's and the apps')
  REF: NAME (champion, else latest; follows the alias), NAME@ALIAS (follows it), NAME:VERSION (pinned)
  --port 8080 by default (0: a free port); --host 127.0.0.1 by default
  off loopback, every request needs --token T (or PIPEWRIGHT_SERVE_TOKEN), or say --no-auth`;

export interface ServeOptions {
  project: string | null;
  models: string[];
  modelFile: string | null;
  port: number;
  host: string;
  token: string | null;
  workers: number;
  logSample: number;
}

/** Checks the arguments (every problem a UsageError, exit 2). */
export function serveOptions(argv: string[], io: CliIO): ServeOptions {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      project: { type: 'string' },
      model: { type: 'string', multiple: true },
      'model-file': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'no-auth': { type: 'boolean' },
      workers: { type: 'string' },
      'log-sample': { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
  const project = values.project ? resolve(io.cwd, values.project) : null;
  const modelFile = values['model-file'] ? resolve(io.cwd, values['model-file']) : null;
  if (!project === !modelFile) throw new UsageError(`give --project P or --model-file F (one of them)\n${USAGE}`);
  const models = values.model ?? [];
  if (models.length && !project) throw new UsageError(`--model needs --project (a model file is one model already)\n${USAGE}`);
  for (const m of models) {
    try {
      parseModelRef(m);
    } catch (e) {
      throw new UsageError(`--model ${(e as Error).message}\n${USAGE}`);
    }
  }
  const portText = values.port ?? '8080';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) throw new UsageError(`--port ${portText}: give a port number from 0 to 65535\n${USAGE}`);
  const host = values.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) throw new UsageError(`--host ${host}: not a host name or address\n${USAGE}`);
  const token = values.token ?? (process.env.PIPEWRIGHT_SERVE_TOKEN || null);
  if (values.token !== undefined && values['no-auth']) throw new UsageError(`give --token or --no-auth, not both\n${USAGE}`);
  if (token !== null && token.length < 8) throw new UsageError(`--token: use at least 8 characters\n${USAGE}`);
  if (!isLoopback(host) && token === null && !values['no-auth'])
    throw new UsageError(`--host ${host} is not a loopback address: give --token T (every request then needs Authorization: Bearer T) or --no-auth (when an ingress authenticates)\n${USAGE}`);
  const workersText = values.workers ?? '1';
  if (!/^\d{1,3}$/.test(workersText) || Number(workersText) < 1 || Number(workersText) > 256) throw new UsageError(`--workers ${workersText}: give a whole number from 1 to 256\n${USAGE}`);
  const sampleText = values['log-sample'] ?? '1';
  const logSample = Number(sampleText);
  if (!/^\d*\.?\d+$/.test(sampleText) || !(logSample >= 0 && logSample <= 1)) throw new UsageError(`--log-sample ${sampleText}: give a fraction from 0 to 1\n${USAGE}`);
  if (modelFile && !existsSync(modelFile)) throw new UsageError(`--model-file ${modelFile}: no such file\n${USAGE}`);
  return { project, models, modelFile, port: Number(portText), host, token: values['no-auth'] ? null : token, workers: Number(workersText), logSample };
}

/** How each `--model REF` resolves NAME alone; checks the names exist (exit 2 naming one that does not). */
function servedNames(store: ProjectStore, refs: string[]): Map<string, DefaultRef> | undefined {
  if (!refs.length) return undefined;
  const only = new Map<string, DefaultRef>();
  for (const text of refs) {
    const ref = parseModelRef(text);
    try {
      resolveModelRef(store, ref);
    } catch (e) {
      if (e instanceof RegistryError) throw new UsageError(`--model ${text}: ${e.message}`);
      throw e;
    }
    only.set(ref.name, ref.version !== undefined ? { kind: 'version', version: ref.version } : ref.alias !== undefined ? { kind: 'alias', alias: ref.alias } : { kind: 'default' });
  }
  return only;
}

function untilStopped(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** What a `--workers N` worker tells its primary every second, for the primary's lease (JSON over IPC: latencies as a list). */
interface WorkerFigures {
  leaseSample: { models: LeaseSample['models']; window: Omit<ServerStatsWindow, 'latencies'> & { latencies: number[] } };
}

function cliLease(o: ServeOptions, port: number, url: string): Omit<LeaseRecord, 'heartbeatAt' | 'stats' | 'models'> {
  return leaseBase({ origin: 'cli', bind: o.host, port, url, workers: o.workers, auth: o.token !== null });
}

/** One serving process: opens the models, listens, answers until stopped. */
async function serveHere(o: ServeOptions, io: CliIO, announce: boolean): Promise<number> {
  const say = (m: string) => io.stderr(`pipewright serve: ${m}\n`);
  let store: ProjectStore | null = null;
  let source: ModelSource;
  let only: Map<string, DefaultRef> | undefined;
  if (o.project) {
    if (!existsSync(o.project)) throw new UsageError(`--project ${o.project}: no such project file`);
    store = openProject(o.project, { onWait: say });
    only = servedNames(store, o.models);
    source = registrySource(store);
  } else {
    try {
      source = fixedSource(await loadModelFile(o.modelFile!));
    } catch (e) {
      throw new UsageError(`--model-file ${o.modelFile}: ${(e as Error).message}`);
    }
  }
  const table = await ModelTable.open(source, { only, onProblem: say });
  const log = store ? new PredictionLog(store, { sample: o.logSample, onProblem: say, thread: true }) : null;
  let server;
  try {
    server = await startModelServer({ table, host: o.host, port: o.port, token: o.token, log, store, onProblem: say });
  } catch (e) {
    table.close();
    await log?.close();
    store?.close();
    if (e instanceof PortInUse) throw new UsageError(e.message);
    throw e;
  }
  // the Serving page lists this process through a lease in the project file (a --workers N
  // primary keeps one for all its workers, which send it their figures)
  let lease: ServeLease | null = null;
  let figures: NodeJS.Timeout | null = null;
  if (store && !cluster.isWorker) {
    lease = new ServeLease(store, cliLease(o, server.port, server.url), () => ({ models: servedModels(table.routing), window: server.stats.window() }), say);
  } else if (store && cluster.isWorker) {
    figures = setInterval(() => {
      const w = server.stats.window();
      const m: WorkerFigures = { leaseSample: { models: servedModels(table.routing), window: { ...w, latencies: Array.from(w.latencies) } } };
      process.send?.(m);
    }, BEAT_MS);
    figures.unref();
  }
  if (announce) io.stdout(`serving at ${server.url}\n`);
  const served = [...table.routing.names.keys()];
  say(`${served.length ? `models: ${served.join(', ')}` : 'no registered models yet (new ones are picked up as they are registered)'}${o.token ? '; requests need the bearer token' : ''}`);
  await untilStopped();
  if (figures) clearInterval(figures);
  await lease?.close();
  await server.close();
  await log?.close();
  table.close();
  store?.close();
  return 0;
}

/** The primary of `--workers N`: forks N serving processes on one port, prints when all listen. */
async function servePrimary(o: ServeOptions, io: CliIO): Promise<number> {
  const listening = new Set<number>();
  let port = 0;
  let started = false;
  let stopping = false;
  let failed: string | null = null;
  const shown = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  // the workers' latest figures, for the one lease of the whole server
  const latest = new Map<number, WorkerFigures['leaseSample']>();
  let lease: ServeLease | null = null;
  let store: ProjectStore | null = null;
  const startLease = () => {
    if (!o.project) return;
    try {
      store = openProject(o.project, { onWait: (m) => io.stderr(`pipewright serve: ${m}\n`) });
      const sample = (): LeaseSample => {
        const figures = [...latest.values()];
        return { models: figures[0]?.models ?? [], window: mergeWindows(figures.map((f) => ({ ...f.window, latencies: Float64Array.from(f.window.latencies) }))) };
      };
      lease = new ServeLease(store, cliLease(o, port, `http://${shown}:${port}`), sample, (m) => io.stderr(`pipewright serve: ${m}\n`));
    } catch (e) {
      io.stderr(`pipewright serve: the Serving page's lease could not be started (the server goes on): ${(e as Error).message}\n`);
    }
  };
  return new Promise<number>((done) => {
    const finish = (code: number) => {
      if (stopping) return;
      stopping = true;
      let leaseClosed = false;
      void ((lease as ServeLease | null)?.close() ?? Promise.resolve()).finally(() => {
        (store as ProjectStore | null)?.close();
        leaseClosed = true;
      });
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      const check = setInterval(() => {
        if (leaseClosed && Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(check);
          done(code);
        }
      }, 50);
    };
    cluster.on('listening', (worker, address) => {
      listening.add(worker.id);
      port = address.port;
      if (!started && listening.size === o.workers) {
        started = true;
        io.stdout(`serving at http://${shown}:${port}\n`);
        io.stderr(`pipewright serve: ${o.workers} workers on port ${port}\n`);
        startLease();
      }
    });
    cluster.on('message', (w, msg: { serveError?: string } & Partial<WorkerFigures>) => {
      if (msg?.serveError) failed = msg.serveError;
      if (msg?.leaseSample) latest.set(w.id, msg.leaseSample);
    });
    cluster.on('exit', (worker, code) => {
      listening.delete(worker.id);
      latest.delete(worker.id);
      if (stopping) return;
      if (!started) {
        io.stderr(`pipewright serve: ${failed ?? `a worker exited with code ${code} before it listened`}\n`);
        finish(code === 2 ? 2 : 1);
        return;
      }
      if (code === 0) {
        // stopped on purpose (a Ctrl-C reaches the whole process group): stop with it
        if (Object.keys(cluster.workers ?? {}).length === 0) finish(0);
        return;
      }
      io.stderr(`pipewright serve: worker ${worker.process.pid} exited (code ${code}); starting another\n`);
      cluster.fork({ PIPEWRIGHT_SERVE_PORT: String(port) });
    });
    for (let i = 0; i < o.workers; i++) cluster.fork();
    void untilStopped().then(() => finish(0));
  });
}

const command: Command = async (argv, io) => {
  // `serve --list`: the servers on a project (their lease rows), not a server
  if (argv.includes('--list')) return (await import('./serve-list')).default(argv, io);
  const o = serveOptions(argv, io);
  if (cluster.isWorker) {
    // a worker of --workers N: the primary prints the address; a restarted worker reuses the port
    const again = process.env.PIPEWRIGHT_SERVE_PORT;
    try {
      return await serveHere(again ? { ...o, port: Number(again) } : o, io, false);
    } catch (e) {
      if (e instanceof UsageError || e instanceof ProjectFileError) process.send?.({ serveError: e.message });
      throw e;
    } finally {
      // the IPC channel to the primary would keep this process alive
      cluster.worker?.disconnect();
    }
  }
  if (o.workers > 1) return servePrimary(o, io);
  return serveHere(o, io, true);
};
export default command;
