import { defineNode, type ColumnData, type ColumnInfo, type LoggedModel, type LoggedRequests } from '../types';
import { asNodeError, isNumericType, nodeError, tableOutput } from '../features/common';
import spec, { instant, MODEL_REF } from './predictions.params';

/** The table's columns: raw inputs, prediction(s), the attached label, version, time, request id. */
export interface PredictionColumns {
  inputs: ColumnInfo[];
  prediction: ColumnInfo;
  /** classification: one DOUBLE column per class, in score order */
  scores: { cls: string; column: ColumnInfo }[];
  label: ColumnInfo;
  version: ColumnInfo;
  at: ColumnInfo;
  requestId: ColumnInfo;
}

/** The DuckDB type of a model's classes as they appear in the training data. */
function classType(classes: (string | number | boolean)[] | undefined): string {
  if (!classes?.length) return 'VARCHAR';
  if (classes.every((c) => typeof c === 'boolean')) return 'BOOLEAN';
  if (classes.every((c) => typeof c === 'number')) return classes.every((c) => Number.isSafeInteger(c)) ? 'BIGINT' : 'DOUBLE';
  return 'VARCHAR';
}

export function predictionColumns(m: LoggedModel): PredictionColumns {
  const taken = new Set(m.inputs.map((c) => c.name));
  // A name an input column already has gets a leading underscore (until it is free).
  const free = (name: string): string => {
    let n = name;
    while (taken.has(n)) n = `_${n}`;
    taken.add(n);
    return n;
  };
  const labelType = m.task === 'regression' ? 'DOUBLE' : classType(m.classes);
  const prediction = { name: free('prediction'), type: labelType };
  const scores = m.task === 'classification' ? (m.classes ?? []).map((c) => ({ cls: String(c), column: { name: free(`score_${String(c)}`), type: 'DOUBLE' } })) : [];
  return {
    inputs: m.inputs,
    prediction,
    scores,
    label: { name: free(m.label), type: labelType },
    version: { name: free('model_version'), type: 'BIGINT' },
    at: { name: free('requested_at'), type: 'TIMESTAMP' },
    requestId: { name: free('request_id'), type: 'VARCHAR' },
  };
}

function allColumns(c: PredictionColumns): ColumnInfo[] {
  return [...c.inputs, c.prediction, ...c.scores.map((s) => s.column), c.label, c.version, c.at, c.requestId];
}

/** One typed column from raw JSON values: numbers (null, text or a bad value: NaN) or text. */
function column(info: ColumnInfo, values: unknown[]): ColumnData & { bad: number } {
  let bad = 0;
  if (isNumericType(info.type)) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      let x = NaN;
      if (typeof v === 'number') x = v;
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) x = Number(v);
      else if (v !== null && v !== undefined) bad++;
      out[i] = x;
    }
    return { name: info.name, type: info.type, numeric: true, values: out, bad };
  }
  const out = values.map((v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  });
  return { name: info.name, type: info.type, numeric: false, values: out, bad };
}

/** In-memory columns of the logged rows, in the order of `predictionColumns`. */
export function predictionTable(got: LoggedRequests): { columns: ColumnData[]; badLabels: number } {
  const c = predictionColumns(got.model);
  const rows = got.rows;
  const pick = (f: (r: LoggedRequests['rows'][number]) => unknown): unknown[] => rows.map(f);
  const predicted = (r: LoggedRequests['rows'][number]): { label?: unknown; scores?: Record<string, unknown> } | number | null =>
    r.prediction && typeof r.prediction === 'object' ? (r.prediction as { label?: unknown; scores?: Record<string, unknown> }) : typeof r.prediction === 'number' ? r.prediction : null;
  const label = column(c.label, pick((r) => r.label));
  const columns: ColumnData[] = [
    ...c.inputs.map((info) => column(info, pick((r) => (Object.hasOwn(r.inputs, info.name) ? r.inputs[info.name] : null)))),
    column(c.prediction, pick((r) => {
      const p = predicted(r);
      return typeof p === 'number' ? p : (p?.label ?? null);
    })),
    ...c.scores.map((s) => column(s.column, pick((r) => {
      const p = predicted(r);
      return p && typeof p === 'object' && p.scores && Object.hasOwn(p.scores, s.cls) ? p.scores[s.cls] : null;
    }))),
    label,
    column(c.version, pick((r) => r.version)),
    // DuckDB reads "YYYY-MM-DD HH:MM:SS.mmm" as a TIMESTAMP (the log's times are UTC)
    column(c.at, pick((r) => r.at.replace('T', ' ').replace(/Z$/, ''))),
    column(c.requestId, pick((r) => r.requestId)),
  ];
  return { columns: columns.map(({ name, type, numeric, values }) => ({ name, type, numeric, values }) as ColumnData), badLabels: label.bad };
}

export default defineNode({
  ...spec,
  title: 'Logged predictions',
  stage: 'data',
  description:
    'The requests a registered model answered (the server’s prediction log in the project file): the raw input columns, prediction (and score_<class> per class), ' +
    'the true label attached later through /v1/feedback (in a column named like the training label), model_version, requested_at (UTC) and request_id, ' +
    'windowed by since/until (an ISO time, or a duration back from now such as 24h). NAME reads every request of the model, NAME@ALIAS those that followed the alias, NAME:VERSION those that version answered. Never cached.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  // On the engine's thread: the prediction log is in the project file the run records into.
  inline: true,
  neverCached: true,
  needsProject: true,
  metrics: { names: ['rows', 'labeledRows'] },
  async schema({ params, ctx }) {
    if (!ctx.model || typeof params.model !== 'string' || !MODEL_REF.test(params.model)) return { outputs: { table: {} } };
    return { outputs: { table: { columns: allColumns(predictionColumns(await ctx.model(params.model))) } } };
  },
  async run({ params, ctx }) {
    const read = ctx.host?.loggedRequests;
    if (!read) throw nodeError(ctx, 'reading the prediction log needs the project file: run the pipeline with pipewright run --project or in the app (not run-node)');
    const now = Date.now();
    const since = params.since !== undefined ? (instant(params.since, now) ?? undefined) : undefined;
    const until = params.until !== undefined ? (instant(params.until, now) ?? undefined) : undefined;
    let got: LoggedRequests;
    try {
      got = await read({ model: params.model, since, until, limit: params.limit, labeled: params.labeled });
    } catch (e) {
      throw nodeError(ctx, `model: ${e instanceof Error ? e.message : String(e)}`);
    }
    const { columns, badLabels } = predictionTable(got);
    const out = await asNodeError(ctx, 'cannot write the table', () => ctx.data.writeColumns(columns));
    const window = `${since !== undefined ? new Date(since).toISOString() : 'the first request'} to ${until !== undefined ? new Date(until).toISOString() : 'now'}`;
    const rows = got.rows.length;
    const labeled = got.rows.filter((r) => r.label !== null && r.label !== undefined).length;
    if (rows === 0) ctx.log('warn', `no logged requests of ${params.model} from ${window}: the table is empty (a drift check says "not enough data")`);
    else ctx.log('info', `${rows} logged row${rows === 1 ? '' : 's'} of ${params.model} from ${window} (${got.rows[0].at} to ${got.rows[rows - 1].at}), ${labeled} with a label`);
    if (badLabels) ctx.log('warn', `${badLabels} attached label${badLabels === 1 ? ' is' : 's are'} not a ${predictionColumns(got.model).label.type} like the model's classes: left empty`);
    ctx.metric('rows', rows);
    ctx.metric('labeledRows', labeled);
    return { table: tableOutput(out) };
  },
});
