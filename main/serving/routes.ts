/**
 * Every endpoint of the model server (contract section 6), as one table. The server
 * (`server.ts`) matches `method` and `path`, checks the Host header and the token (unless the
 * route is `public`), reads and parses a JSON body for POST, and turns what `handle` returns (or
 * throws: `InputError` → 400, `NotFound` → 404, anything else → 500) into the response. A path
 * that matches with another method gets 405; no match gets 404.
 *
 * Adding an endpoint is one entry in `routes` below, e.g. the feature store's
 *   { method: 'POST', path: /^\/get-online-features$/, handle: (c) => onlineFeatures(c.server.store, c.body) }
 * `c.server.store` is the project (null under `serve --model-file`); `c.body` is the parsed JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { PredictionLog, PredictionLogEntry } from './prediction-log';
import { isRequestId, recordFeedback } from './prediction-log';
import type { ProjectStore } from '../store/project-store';
import { key, NotFound, type Loaded, type ModelTable } from './model-table';
import {
  formatV1Predict,
  formatV2Infer,
  inputSpec,
  parseV1Predict,
  parseV2Infer,
  v1Metadata,
  v1Status,
  v2ModelMetadata,
  v2OutputNames,
  type ParsedRows,
} from './protocol';
import { InputError, type Prediction, type ServingModel } from './types';
import { APP_VERSION } from '../../shared/version';
import { onlineFeaturesReply } from '../features/online';

/** What every route can reach: the served models, the prediction log, the project. */
export interface ServerContext {
  table: ModelTable;
  log: PredictionLog | null;
  /** the project file (null when serving a model file) */
  store: ProjectStore | null;
  random: () => number;
  /** told about problems a client cannot see (a shadow model failing) */
  onProblem?: (message: string) => void;
}

export interface RouteCall {
  req: IncomingMessage;
  /** the path's named groups, URL-decoded */
  params: Readonly<Record<string, string | undefined>>;
  /** the parsed JSON body (POST), else undefined */
  body: unknown;
  requestId: string;
  /** when the request (with its body) was read, ms since the epoch */
  readAt: number;
  /** high-resolution start, for latency */
  start: bigint;
  server: ServerContext;
}

export interface Reply {
  status?: number;
  body: unknown;
  /** the model version that answered: the `x-pipewright-model-version` header */
  model?: { name: string; version: number };
}

export interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  /** reachable without the token (the health endpoints only) */
  public?: boolean;
  handle(call: RouteCall): Reply | Promise<Reply>;
}

const MODEL = String.raw`(?<name>[^/:]+)(?:/versions/(?<version>[^/:]+)|/labels/(?<label>[^/:]+))?`;
const V2_MODEL = String.raw`(?<name>[^/]+)(?:/versions/(?<version>[^/]+))?`;

interface Target {
  loaded: Loaded;
  alias: string | null;
  /** NAME alone (follows the split, gets the shadow) */
  unpinned: boolean;
}

function parseVersion(name: string, v: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(v)) throw new NotFound(`model '${name}' has no version '${v.slice(0, 40)}'`);
  return Number(v);
}

/**
 * The model a request names: a version, an alias, or NAME alone (split, champion, latest). Read
 * from the routing snapshot at once; only a version not loaded yet is waited for.
 */
function target(server: ServerContext, params: RouteCall['params']): Target | Promise<Target> {
  const name = params.name!;
  const routing = server.table.routing;
  if (params.version !== undefined) {
    return server.table.version(name, parseVersion(name, params.version)).then((loaded) => ({ loaded, alias: null, unpinned: false }));
  }
  const pinned = params.label !== undefined;
  const t = pinned ? { version: routing.aliasVersion(name, params.label!), alias: params.label! } : routing.defaultTarget(name, server.random);
  const have = routing.loaded.get(key(name, t.version));
  if (have) return { loaded: have, alias: t.alias, unpinned: !pinned };
  return server.table.version(name, t.version).then((loaded) => ({ loaded, alias: t.alias, unpinned: !pinned }));
}

const header = (m: ServingModel) => ({ name: m.name, version: m.version });

/**
 * Predicts with one loaded model, holding it so a swap disposes it only after this request. One
 * row of a model that compiles row by row is predicted at once (synchronously, no columns).
 */
function predictWith(loaded: Loaded, parsed: ParsedRows): Prediction[] | Promise<Prediction[]> {
  const one = parsed.row && loaded.model.predictRow;
  if (one) {
    if (loaded.disposed) throw unloaded(loaded);
    return [one.call(loaded.model, parsed.row!)];
  }
  return predictBatched(loaded, parsed);
}

async function predictBatched(loaded: Loaded, parsed: ParsedRows): Promise<Prediction[]> {
  loaded.acquire();
  try {
    if (loaded.disposed) throw unloaded(loaded);
    return await loaded.predict(parsed.columns, parsed.rows);
  } finally {
    loaded.release();
  }
}

const unloaded = (loaded: Loaded) => new NotFound(`${loaded.model.name}:${loaded.model.version} was just unloaded; send the request again`);

/** What the log records of a request's inputs: its one row as it came, else its columns. */
const loggedInputs = (parsed: ParsedRows) => (parsed.row ? { row: { names: parsed.names!, values: parsed.row } } : { inputs: parsed.columns });

/** Parse, predict, log (sampled) and send a copy to the shadow; the shadow's answer is only logged. */
async function predictRoute<P extends ParsedRows>(
  call: RouteCall,
  protocol: 'v1' | 'v2',
  parse: (model: ServingModel) => P,
  format: (model: ServingModel, parsed: P, predictions: Prediction[]) => unknown,
): Promise<Reply> {
  const { server } = call;
  const found = target(server, call.params);
  const t = found instanceof Promise ? await found : found;
  const model = t.loaded.model;
  const parsed = parse(model);
  const predicted = predictWith(t.loaded, parsed);
  const predictions = Array.isArray(predicted) ? predicted : await predicted;
  const logged = server.log?.sampled() ?? false;
  const shadow = t.unpinned ? server.table.routing.shadowVersion(model.name) : null;
  if (logged || shadow) {
    const latencyMs = Number(process.hrtime.bigint() - call.start) / 1e6;
    const base = { requestId: call.requestId, at: call.readAt, model: model.name, protocol, ...loggedInputs(parsed), rows: parsed.rows };
    if (logged) server.log!.record(Object.assign(base, { version: model.version, alias: t.alias, predictions, latencyMs }));
    if (shadow && shadow.version !== model.version) setImmediate(() => void runShadow(server, model.name, shadow, parsed, logged ? base : null));
  }
  return { body: format(model, parsed, predictions), model: header(model) };
}

async function runShadow(
  server: ServerContext,
  name: string,
  shadow: { version: number; alias: string },
  parsed: ParsedRows,
  base: Omit<PredictionLogEntry, 'version' | 'alias' | 'predictions' | 'latencyMs'> | null,
): Promise<void> {
  const start = process.hrtime.bigint();
  try {
    const loaded = server.table.routing.loaded.get(key(name, shadow.version)) ?? (await server.table.version(name, shadow.version));
    const predictions = await predictWith(loaded, parsed);
    if (base) server.log?.record({ ...base, version: shadow.version, alias: shadow.alias, shadow: true, predictions, latencyMs: Number(process.hrtime.bigint() - start) / 1e6 });
  } catch (e) {
    server.onProblem?.(`shadow ${name}@${shadow.alias} (version ${shadow.version}) failed: ${(e as Error).message}`);
  }
}

function versionsOf(server: ServerContext, name: string): number[] {
  return [...server.table.routing.model(name).state.versions].sort((a, b) => a - b);
}

export const routes: Route[] = [
  // ---- TensorFlow Serving REST API (v1)
  {
    method: 'GET',
    path: new RegExp(`^/v1/models/${MODEL}$`),
    async handle({ server, params }) {
      const t = await target(server, params);
      const versions = params.version !== undefined || params.label !== undefined ? [t.loaded.model.version] : versionsOf(server, params.name!);
      return { body: v1Status(versions), model: header(t.loaded.model) };
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/v1/models/${MODEL}/metadata$`),
    async handle({ server, params }) {
      const t = await target(server, params);
      return { body: v1Metadata(t.loaded.model), model: header(t.loaded.model) };
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/v1/models/${MODEL}:predict$`),
    handle: (call) =>
      predictRoute(
        call,
        'v1',
        (m) => parseV1Predict(call.body, inputSpec(m)),
        (m, p, predictions) => formatV1Predict(m, p.format, predictions),
      ),
  },
  {
    method: 'POST',
    path: /^\/v1\/feedback$/,
    async handle({ server, body }) {
      if (!server.store) throw new NotFound('no prediction log here: this server serves a model file, not a project');
      const b = body as Record<string, unknown> | null;
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InputError('the body must be { "request_id", "label" }', null, null);
      for (const k of Object.keys(b)) if (k !== 'request_id' && k !== 'label') throw new InputError(`unknown key '${k.slice(0, 80)}' (give "request_id" and "label")`, null, null);
      if (!isRequestId(b.request_id)) throw new InputError('"request_id" must be the x-request-id of a prediction (1 to 200 printable characters)', null, null);
      if (!Object.hasOwn(b, 'label') || b.label === undefined) throw new InputError('"label" is missing', null, null);
      const text = JSON.stringify(b.label);
      if (text.length > 65_536) throw new InputError('"label" is larger than 64 KiB', null, null);
      // a batch still in memory is written first, so the answer counts it
      await server.log?.settle();
      const rows = recordFeedback(server.store, b.request_id, b.label);
      return { body: { request_id: b.request_id, rows } };
    },
  },

  // ---- Open Inference Protocol (KServe v2)
  { method: 'GET', path: /^\/v2\/health\/live$/, public: true, handle: () => ({ body: { live: true } }) },
  {
    method: 'GET',
    path: /^\/v2\/health\/ready$/,
    public: true,
    handle: ({ server }) => {
      const ready = server.table.ready();
      return { status: ready ? 200 : 503, body: { ready } };
    },
  },
  { method: 'GET', path: /^\/v2\/?$/, handle: () => ({ body: { name: 'pipewright', version: APP_VERSION, extensions: [] } }) },
  {
    method: 'GET',
    path: new RegExp(`^/v2/models/${V2_MODEL}$`),
    async handle({ server, params }) {
      const t = await target(server, params);
      const versions = params.version !== undefined ? [t.loaded.model.version] : versionsOf(server, params.name!);
      return { body: v2ModelMetadata(t.loaded.model, versions), model: header(t.loaded.model) };
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/v2/models/${V2_MODEL}/ready$`),
    async handle({ server, params }) {
      const t = await target(server, params);
      return { body: { name: t.loaded.model.name, ready: !t.loaded.disposed }, model: header(t.loaded.model) };
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/v2/models/${V2_MODEL}/infer$`),
    handle: (call) =>
      predictRoute(
        call,
        'v2',
        (m) => parseV2Infer(call.body, inputSpec(m), v2OutputNames(m)),
        (m, p, predictions) => formatV2Infer(m, p, predictions),
      ),
  },

  // ---- Feature store: Feast's feature server (contract section 7)
  { method: 'POST', path: /^\/get-online-features$/, handle: ({ server, body }) => onlineFeaturesReply(server.store, body) },
];
