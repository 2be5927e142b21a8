/**
 * What `data.predictions` reads (contract sections 4b and 6): a registered model's logged
 * requests in a time window, through the prediction log's read API (`readPredictions`), plus
 * what the table's columns are (the model's raw inputs, its classes, its training label), which
 * the editor also asks for before anything runs.
 *
 * A reference names what is read: `NAME` every logged request of the model, `NAME@ALIAS` the
 * requests that followed that alias, `NAME:VERSION` those that version answered.
 */
import type { LoggedModel, LoggedRequests } from '../../nodes/types';
import { parseModelFile } from '../registry/model-file';
import { parseModelRef, RegistryError, resolveModelRef, type ModelRef } from '../registry/store';
import type { ProjectStore } from '../store/types';
import { readPredictions } from './prediction-log';

/** The version whose inputs type the table: the one the reference names, else the model's current one. */
function describedVersion(store: ProjectStore, ref: ModelRef): { name: string; version: number; bundleHash: string } {
  try {
    return resolveModelRef(store, ref);
  } catch (e) {
    // An alias that was deleted still names the requests that followed it.
    if (ref.alias !== undefined && e instanceof RegistryError && e.code === 'not_found' && !/no registered model/.test(e.message)) return resolveModelRef(store, { name: ref.name });
    throw e;
  }
}

/** The columns a reference's logged requests have. Unknown model or version: a RegistryError naming it. */
export function describeLoggedModel(store: ProjectStore, ref: string | ModelRef): LoggedModel {
  const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
  const v = describedVersion(store, r);
  const json = store.artifactJson(v.bundleHash);
  if (json === null || json === undefined) throw new RegistryError(`model "${v.name}" version ${v.version}: its model file is missing from the project`, 'not_found');
  const file = parseModelFile(json, `${v.name}:${v.version}`);
  const out: LoggedModel = { name: v.name, task: file.task, label: file.label, inputs: file.inputs.map((i) => ({ name: i.name, type: i.type })) };
  if (file.classes) out.classes = [...file.classes];
  return out;
}

export interface LoggedRequestQuery {
  model: string;
  /** epoch ms, inclusive */
  since?: number;
  /** epoch ms, exclusive */
  until?: number;
  /** the newest N rows of the window */
  limit?: number;
  /** only rows with an attached label */
  labeled?: boolean;
}

/** The logged requests of a reference in a window, oldest first (what clients got: no shadow answers). */
export function loggedRequests(store: ProjectStore, q: LoggedRequestQuery): LoggedRequests {
  const ref = parseModelRef(q.model);
  const model = describeLoggedModel(store, ref);
  const logged = readPredictions(store, {
    model: ref.name,
    ...(ref.version !== undefined && { version: ref.version }),
    ...(ref.alias !== undefined && { alias: ref.alias }),
    ...(q.since !== undefined && { since: new Date(q.since) }),
    ...(q.until !== undefined && { until: new Date(q.until) }),
    // with labeled, the newest N labelled rows (filtered below) need the whole window
    ...(q.limit !== undefined && !q.labeled && { limit: q.limit }),
  });
  let rows = logged.map((p) => ({ at: p.at, requestId: p.requestId, version: p.version, inputs: p.inputs, prediction: p.prediction, label: p.label }));
  if (q.labeled) {
    rows = rows.filter((r) => r.label !== null && r.label !== undefined);
    if (q.limit !== undefined) rows = rows.slice(Math.max(0, rows.length - q.limit));
  }
  return { model, rows };
}
