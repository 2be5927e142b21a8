/**
 * Online lookups (contract section 7): Feast's feature server `POST /get-online-features`.
 *
 *   { "features": ["view:feature", …], "entities": { "<entity column>": [ids] }, "full_feature_names"?: bool }
 *   → { "metadata": { "feature_names": [...] },
 *       "results": [ { "values": [...], "statuses": [...], "event_timestamps": [...] }, … ] }
 *
 * One result per feature, values in entity order. `OUTSIDE_MAX_AGE`: the stored row is older
 * than the request time minus the view's TTL (its value is still returned); `NOT_FOUND`: no row
 * (null value, event timestamp 1970-01-01T00:00:00Z as Feast). The request is hostile input:
 * every problem is a 400 naming the field, and nothing is written.
 */
import type { ProjectStore } from '../store/project-store';
import { NotFound } from '../serving/model-table';
import { InputError } from '../serving/types';
import { keyFamily, type ViewDoc } from '../../nodes/features/feature-view';
import type { OnlineLookup } from '../../nodes/types';
import { entityKeyText, getView, readOnline } from './store';

export type FeatureStatus = 'PRESENT' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE';

export interface OnlineResponse {
  metadata: { feature_names: string[] };
  results: { values: unknown[]; statuses: FeatureStatus[]; event_timestamps: string[] }[];
}

/** A request the server answers with 400 and `{ error }`. */
export class OnlineRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnlineRequestError';
  }
}

const MAX_ENTITIES = 10_000;
const MAX_FEATURES = 1_000;
const EPOCH = '1970-01-01T00:00:00Z';

function isoOf(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');
}

/** A request's id in the stored key's form; throws naming the column and position. */
function keyValue(v: unknown, type: string, column: string, i: number): unknown {
  const family = keyFamily(type);
  const where = `entities.${column}[${i}]`;
  if (v === null || v === undefined) throw new OnlineRequestError(`${where}: an entity id may not be null`);
  if (family === 'integer') {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
    throw new OnlineRequestError(`${where}: ${JSON.stringify(v)} is not an integer (the view's "${column}" is ${type})`);
  }
  if (family === 'text') {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new OnlineRequestError(`${where}: ${JSON.stringify(v)} is not text (the view's "${column}" is ${type})`);
  }
  if (family === 'number') {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    throw new OnlineRequestError(`${where}: ${JSON.stringify(v)} is not a number (the view's "${column}" is ${type})`);
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new OnlineRequestError(`${where}: ${JSON.stringify(v)} is not a valid id`);
}

/** Parses and checks a request body (already JSON-decoded). */
function parseRequest(body: unknown): { refs: { view: string; feature: string }[]; entities: Record<string, unknown[]>; rows: number; fullNames: boolean } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OnlineRequestError('the body must be a JSON object with "features" and "entities"');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!['features', 'entities', 'full_feature_names'].includes(k)) throw new OnlineRequestError(`unknown field "${k}" (expected features, entities, full_feature_names)`);
  if (!Array.isArray(b.features) || b.features.length === 0) throw new OnlineRequestError('features: give a list of "view:feature" names');
  if (b.features.length > MAX_FEATURES) throw new OnlineRequestError(`features: at most ${MAX_FEATURES} per request`);
  const refs = b.features.map((f, i) => {
    const m = typeof f === 'string' ? /^([A-Za-z][A-Za-z0-9_]*):(.+)$/.exec(f) : null;
    if (!m) throw new OnlineRequestError(`features[${i}]: ${JSON.stringify(f)} is not "view:feature"`);
    return { view: m[1], feature: m[2] };
  });
  if (!b.entities || typeof b.entities !== 'object' || Array.isArray(b.entities)) throw new OnlineRequestError('entities: give an object of entity column -> list of ids');
  const entities = b.entities as Record<string, unknown>;
  let rows = -1;
  for (const [col, ids] of Object.entries(entities)) {
    if (!Array.isArray(ids)) throw new OnlineRequestError(`entities.${col}: must be a list of ids`);
    if (ids.length > MAX_ENTITIES) throw new OnlineRequestError(`entities.${col}: at most ${MAX_ENTITIES} ids per request`);
    if (rows >= 0 && ids.length !== rows) throw new OnlineRequestError(`entities.${col}: ${ids.length} ids, but another entity column has ${rows}; give one id per row in each`);
    rows = ids.length;
  }
  if (rows < 0) throw new OnlineRequestError('entities: give at least one entity column');
  if (b.full_feature_names !== undefined && typeof b.full_feature_names !== 'boolean') throw new OnlineRequestError('full_feature_names: must be true or false');
  return { refs, entities: entities as Record<string, unknown[]>, rows, fullNames: b.full_feature_names === true };
}

/** Answers one request from the project's online store. Throws OnlineRequestError for a bad request. */
export function getOnlineFeatures(store: ProjectStore, body: unknown, nowMs = Date.now()): OnlineResponse {
  const req = parseRequest(body);
  const views = new Map<string, { doc: ViewDoc; index: Map<string, number> }>();
  for (const [i, r] of req.refs.entries()) {
    if (!views.has(r.view)) {
      const v = getView(store, r.view);
      if (!v) throw new OnlineRequestError(`features[${i}]: no feature view "${r.view}" in this project (run a pipeline with its features.view first)`);
      views.set(r.view, { doc: v.definition, index: new Map(v.definition.features.map((f, j) => [f.name, j])) });
    }
    const v = views.get(r.view)!;
    if (!v.index.has(r.feature)) throw new OnlineRequestError(`features[${i}]: view "${r.view}" has no feature "${r.feature}" (features: ${v.doc.features.map((f) => f.name).join(', ')})`);
  }
  // Each view's stored rows for the requested keys: one indexed read per view.
  const lookups = new Map<string, { keys: string[]; rows: ReturnType<typeof readOnline> }>();
  for (const [name, v] of views) {
    const keys: string[] = [];
    for (let i = 0; i < req.rows; i++) {
      keys.push(
        entityKeyText(
          v.doc.entity.map((e) => {
            const ids = req.entities[e.name];
            if (!ids) throw new OnlineRequestError(`entities: view "${name}" needs entity column "${e.name}" (got ${Object.keys(req.entities).join(', ')})`);
            return keyValue(ids[i], e.type, e.name, i);
          }),
        ),
      );
    }
    lookups.set(name, { keys, rows: readOnline(store, name, [...new Set(keys)]) });
  }
  const nowUs = nowMs * 1000;
  const results = req.refs.map((r) => {
    const v = views.get(r.view)!;
    const j = v.index.get(r.feature)!;
    const { keys, rows } = lookups.get(r.view)!;
    const ttlUs = v.doc.ttlSeconds === null ? null : v.doc.ttlSeconds * 1_000_000;
    const out: OnlineResponse['results'][number] = { values: [], statuses: [], event_timestamps: [] };
    for (const k of keys) {
      const row = rows.get(k);
      if (!row) {
        out.values.push(null);
        out.statuses.push('NOT_FOUND');
        out.event_timestamps.push(EPOCH);
        continue;
      }
      out.values.push(row.values[j] ?? null);
      out.statuses.push(ttlUs !== null && row.eventTs < nowUs - ttlUs ? 'OUTSIDE_MAX_AGE' : 'PRESENT');
      out.event_timestamps.push(isoOf(row.eventTs));
    }
    return out;
  });
  return { metadata: { feature_names: req.refs.map((r) => (req.fullNames ? `${r.view}__${r.feature}` : r.feature)) }, results };
}

/**
 * The online store as a served model's features.join step reads it (nodes/features/join-replay.ts):
 * one indexed read per view and request. A view the project no longer records, or that lost a
 * feature the model was trained on, is an error naming it (the server answers 500: not the
 * client's fault).
 */
export function onlineLookup(store: ProjectStore): OnlineLookup {
  return {
    read(view, features, keys) {
      const v = getView(store, view);
      if (!v) throw new Error(`the model needs feature view "${view}", which this project does not record (run its pipeline)`);
      const index = features.map((f) => {
        const j = v.definition.features.findIndex((x) => x.name === f);
        if (j < 0) throw new Error(`the model needs feature "${f}" of view "${view}", which its recorded definition no longer has (features: ${v.definition.features.map((x) => x.name).join(', ')})`);
        return j;
      });
      const texts = keys.map(entityKeyText);
      const rows = readOnline(store, view, [...new Set(texts)]);
      return texts.map((k) => {
        const r = rows.get(k);
        return r ? { eventTs: r.eventTs, values: index.map((j) => r.values[j] ?? null) } : null;
      });
    },
  };
}

/** The server's `POST /get-online-features` (main/serving/routes.ts): 400 for a bad request, 404 without a project. */
export function onlineFeaturesReply(store: ProjectStore | null, body: unknown): { body: OnlineResponse } {
  if (!store) throw new NotFound('no online store here: this server serves a model file, not a project');
  try {
    return { body: getOnlineFeatures(store, body) };
  } catch (e) {
    if (e instanceof OnlineRequestError) throw new InputError(e.message, null, null);
    throw e;
  }
}
