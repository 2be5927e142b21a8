/**
 * What `deploy.serve` does (contract section 4b), on the engine's side. Under `pipewright run`
 * (`serveOnce`) it loads the registered model, answers one real prediction through the HTTP
 * stack on a free loopback port, stops and reports the endpoint, so CI never hangs. In the app a
 * `ServerRegistry` keeps long-lived servers (one per project and model name, following its
 * aliases live), which the editor lists and stops; each keeps a lease row in its project file as
 * `pipewright serve` does (lease.ts), so another app or process on the project lists it too.
 */
import { request } from 'node:http';
import { ModelTable, type DefaultRef } from './model-table';
import { PredictionLog } from './prediction-log';
import { registrySource } from './registry-source';
import { isLoopback, startModelServer, type ModelServer } from './server';
import type { RunningServer, ServingAnswer, ServingInputs } from '../../shared/api/contract';
import { columnKind } from './protocol';
import { leaseBase, servedModels, ServeLease } from './lease';
import type { ServingInput } from './types';
import type { ServedEndpoint } from '../../nodes/types';

export type { ServedEndpoint };
import type { ProjectStore } from '../store/project-store';

export interface ServeRequest {
  name: string;
  host: string;
  port: number;
}

/** A row the model takes: 0 for numbers, false for yes/no, null where imputed, else "". */
export function probeRow(inputs: readonly ServingInput[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const i of inputs) {
    const k = columnKind(i.type);
    row[i.name] = i.nullable ? null : k === 'number' || k === 'integer' ? 0 : k === 'boolean' ? false : '';
  }
  return row;
}

async function open(store: ProjectStore, req: ServeRequest, thread: boolean): Promise<{ table: ModelTable; server: ModelServer; log: PredictionLog }> {
  if (!isLoopback(req.host)) throw new Error(`host ${req.host}: deploy.serve binds a loopback address only; for another host run pipewright serve --host ${req.host} --token T`);
  const only = new Map<string, DefaultRef>([[req.name, { kind: 'default' }]]);
  const table = await ModelTable.open(registrySource(store), { only });
  if (!table.routing.names.has(req.name)) {
    table.close();
    throw new Error(`no registered model "${req.name}": register it first (deploy.register upstream, same name)`);
  }
  const log = new PredictionLog(store, { thread });
  try {
    const server = await startModelServer({ table, host: req.host, port: req.port, log, store });
    return { table, server, log };
  } catch (e) {
    table.close();
    await log.close();
    throw e;
  }
}

/** POSTs JSON to a model server; resolves with its status, version header and JSON body. */
export function postJson(url: string, path: string, body: unknown): Promise<{ status: number; version: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const text = JSON.stringify(body);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, version: String(res.headers['x-pipewright-model-version'] ?? ''), body: JSON.parse(t) as unknown });
        } catch {
          reject(new Error(`${u.pathname}: the server answered ${res.statusCode ?? 0} with a body that is not JSON`));
        }
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** `pipewright run`: one real prediction through the HTTP stack on a free port, then stop. */
export async function serveOnce(store: ProjectStore, req: ServeRequest): Promise<ServedEndpoint> {
  const { table, server, log } = await open(store, { ...req, port: 0 }, false);
  try {
    const target = table.routing.defaultTarget(req.name, () => 0);
    const model = table.routing.loaded.get(`${req.name}:${target.version}`)?.model;
    if (!model) throw new Error(`${req.name}:${target.version} did not load`);
    const answer = await postJson(server.url, `/v1/models/${encodeURIComponent(req.name)}:predict`, { instances: [probeRow(model.inputs)] });
    if (answer.status !== 200) throw new Error(`the server answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const predictions = (answer.body as { predictions: unknown[] }).predictions;
    return { url: server.url, name: req.name, version: Number(answer.version.split(':').pop()), longLived: false, prediction: predictions[0] };
  } finally {
    await server.close();
    await log.close();
    table.close();
  }
}

/** The app's long-lived servers (deploy.serve in the editor), keyed by project and model name. */
export class ServerRegistry {
  private readonly running = new Map<string, { project: string; req: ServeRequest; table: ModelTable; server: ModelServer; log: PredictionLog; lease: ServeLease; startedAt: string }>();

  /** `onProblem`: a lease that could not be written (the server goes on) */
  constructor(private readonly onProblem: (message: string) => void = (m) => process.stderr.write(`pipewright: ${m}\n`)) {}

  /** Starts a server, or keeps the one already running for this project and name (it follows the registry live). */
  async serve(store: ProjectStore, req: ServeRequest): Promise<ServedEndpoint> {
    const id = `${store.path}|${req.name}`;
    const have = this.running.get(id);
    if (have && have.req.host === req.host && (req.port === 0 || req.port === have.server.port)) {
      await have.table.refresh(true);
      return { url: have.server.url, name: req.name, version: have.table.routing.defaultTarget(req.name, () => 0).version, longLived: true };
    }
    if (have) await this.stop(id);
    const s = await open(store, req, true);
    // the same lease row as pipewright serve's: another app or process on the project lists it
    const lease = new ServeLease(
      store,
      leaseBase({ origin: 'app', bind: req.host, port: s.server.port, url: s.server.url, workers: 1, auth: false }),
      () => ({ models: servedModels(s.table.routing), window: s.server.stats.window() }),
      this.onProblem,
    );
    this.running.set(id, { project: store.path, req, ...s, lease, startedAt: new Date().toISOString() });
    return { url: s.server.url, name: req.name, version: s.table.routing.defaultTarget(req.name, () => 0).version, longLived: true };
  }

  list(): RunningServer[] {
    return [...this.running].map(([id, r]) => {
      const models = servedModels(r.table.routing).map((m) => ({ name: m.name, version: m.version, alias: m.alias ?? m.traffic ?? null }));
      const version = models.find((m) => m.name === r.req.name)?.version ?? null;
      return { id, origin: 'app', state: 'running', project: r.project, name: r.req.name, url: r.server.url, startedAt: r.startedAt, version, models, stats: r.server.stats.snapshot() };
    });
  }

  private get(id: string) {
    const r = this.running.get(id);
    if (!r) throw new Error(`no running server ${id.slice(0, 300)} (it was stopped)`);
    return r;
  }

  /** The inputs of the model the server's name resolves to now. */
  inputs(id: string): ServingInputs {
    const r = this.get(id);
    const target = r.table.routing.defaultTarget(r.req.name, () => 0);
    const model = r.table.routing.loaded.get(`${r.req.name}:${target.version}`)?.model;
    if (!model) throw new Error(`${r.req.name}:${target.version} is not loaded`);
    return { name: model.name, version: model.version, task: model.task, classes: model.classes ?? [], inputs: model.inputs.map((i) => ({ ...i })) };
  }

  /** One row through the server's own predict route: the same parsing, model, log and figures as any client. */
  async predict(id: string, row: Record<string, unknown>): Promise<ServingAnswer> {
    const r = this.get(id);
    const answer = await postJson(r.server.url, `/v1/models/${encodeURIComponent(r.req.name)}:predict`, { instances: [row] });
    const v = Number(answer.version.split(':').pop());
    return { status: answer.status, version: answer.version && Number.isInteger(v) ? v : null, body: answer.body };
  }

  async stop(id: string): Promise<boolean> {
    const r = this.running.get(id);
    if (!r) return false;
    this.running.delete(id);
    await r.lease.close();
    await r.server.close();
    await r.log.close();
    r.table.close();
    return true;
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stop(id);
  }
}
