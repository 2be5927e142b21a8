import { defineNode } from '../types';
import { asNodeError, describeInput, input, nodeError, requireColumns, tableOutput } from './common';
import { mapColumns } from '../schema';
import { durationSeconds, requireParsableTimes, requireTimeColumn, utcMicros, VIEW_KEY, type ViewDoc } from './feature-view';
import spec from './view.params';

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

export default defineNode({
  ...spec,
  title: 'Feature view',
  stage: 'features',
  description:
    'Declares a feature view over a table: entity key column(s), an event timestamp, an optional created timestamp and TTL, and feature columns. Rows that repeat entity + event time (+ created time) are an error. Its output is the offline store, carrying the definition.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'view', kind: 'table' }],
  columnParams: ['entity', 'timestamp', 'createdTimestamp', 'features'],
  featureStore: 'view',
  // The view keeps entity, time and feature columns, in that order (run() writes the same).
  // The join after it learns the view's name and features from `featureView`.
  schema: ({ inputs, params }) => {
    const cols = inputs.table?.columns;
    if (!cols) return { outputs: { view: {} } };
    const keys = params.entity === undefined ? [] : list(params.entity);
    const time = [params.timestamp, params.createdTimestamp].filter((x): x is string => typeof x === 'string');
    const taken = new Set([...keys, ...time]);
    const features = (params.features ?? cols.map((c) => c.name).filter((n) => !taken.has(n))).filter((n) => cols.some((c) => c.name === n));
    const view = mapColumns(inputs.table, () => [...keys, ...time, ...features].flatMap((n) => cols.filter((c) => c.name === n)));
    if (typeof params.name === 'string' && params.name !== '') view.featureView = { name: params.name, features };
    return { outputs: { view } };
  },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table');
    const d = ctx.data;
    const entity = requireColumns(ctx, info, list(params.entity), 'entity');
    const [ts] = requireColumns(ctx, info, [params.timestamp], 'timestamp');
    const created = params.createdTimestamp ? requireColumns(ctx, info, [params.createdTimestamp], 'createdTimestamp')[0] : null;
    const taken = new Set([...entity.map((c) => c.name), ts.name, ...(created ? [created.name] : [])]);
    const features = params.features ? requireColumns(ctx, info, params.features, 'features') : info.columns.filter((c) => !taken.has(c.name));
    if (features.length === 0) throw nodeError(ctx, 'features: the table has no columns besides the entity and time columns');
    requireTimeColumn(ctx, ts, 'timestamp', 'table');
    if (created) requireTimeColumn(ctx, created, 'createdTimestamp', 'table');
    await asNodeError(ctx, 'cannot read the time columns', async () => {
      await requireParsableTimes(ctx, table, ts, 'timestamp', 'table');
      if (created) await requireParsableTimes(ctx, table, created, 'createdTimestamp', 'table');
    });

    const keyCols = entity.map((c) => d.ident(c.name));
    const t = `(${utcMicros(d, ts)})`;
    const c = created ? `(${utcMicros(d, created)})` : null;
    // Rows sharing entity and event time ("tied"; legal with distinct created times) are found in
    // one pass; only their rows are grouped again by created time to find repeats. A view without
    // ties lets the join skip the created-time tie-break.
    const k = (r: string): string[] => entity.map((_, i) => `${r}."__pw_k${i}"`);
    const rowsSql = `SELECT ${keyCols.map((col, i) => `${col} AS "__pw_k${i}"`).join(', ')}, ${t} AS "__pw_t"${c ? `, ${c} AS "__pw_c"` : ''} FROM t`;
    const dupSql = c
      ? `r AS (${rowsSql}),
         tied AS (SELECT ${k('r').join(', ')}, r."__pw_t", count(*) AS n FROM r GROUP BY ALL HAVING count(*) > 1),
         dups AS (SELECT count(*) AS n FROM r SEMI JOIN tied ON ${[...k('r').map((x, i) => `${x} IS NOT DISTINCT FROM ${k('tied')[i]}`), 'r."__pw_t" IS NOT DISTINCT FROM tied."__pw_t"'].join(' AND ')}
                  GROUP BY ${k('r').join(', ')}, r."__pw_t", r."__pw_c" HAVING count(*) > 1)`
      : `tied AS (SELECT count(*) AS n FROM t GROUP BY ${[...keyCols, t].join(', ')} HAVING count(*) > 1), dups AS (SELECT n FROM tied)`;
    const stats = await asNodeError(ctx, 'cannot check the view', () =>
      d.query(
        `WITH ${dupSql}
         SELECT (SELECT coalesce(sum(n - 1), 0) FROM dups) AS dup, (SELECT count(*) FROM tied) AS tied,
                (SELECT count(*) FROM (SELECT DISTINCT ${keyCols.join(', ')} FROM t)) AS entities,
                (SELECT min(${t}) FROM t) AS tmin, (SELECT max(${t}) FROM t) AS tmax,
                (SELECT count(*) FROM t WHERE ${t} IS NULL) AS tnull,
                (SELECT count(*) FROM t WHERE ${keyCols.map((k) => `${k} IS NULL`).join(' OR ')}) AS knull`,
        { t: table },
      ),
    );
    const s = stats[0];
    const dup = Number(s.dup);
    if (dup > 0) {
      const what = created ? 'entity, event timestamp and created timestamp' : 'entity and event timestamp';
      throw nodeError(ctx, `view "${params.name}": ${dup} row${dup === 1 ? ' repeats' : 's repeat'} the ${what} of another row`);
    }
    const tnull = Number(s.tnull);
    if (tnull > 0) ctx.log('warn', `view "${params.name}": ${tnull} rows have no event timestamp in "${ts.name}"; no join or lookup ever uses them`);
    const knull = Number(s.knull);
    if (knull > 0) ctx.log('warn', `view "${params.name}": ${knull} rows have no entity key; no join or lookup ever uses them`);

    const doc: ViewDoc = {
      format: 'pipewright-view/v1',
      name: params.name,
      entity,
      timestamp: ts,
      createdTimestamp: created,
      ttl: params.ttl ?? null,
      ttlSeconds: params.ttl ? durationSeconds(params.ttl) : null,
      features,
    };
    if (created) doc.eventTies = Number(s.tied) > 0;
    const cols = [...entity, ts, ...(created ? [created] : []), ...features].map((col) => d.ident(col.name));
    const out = await asNodeError(ctx, 'cannot write the view', () =>
      d.writeTable(`SELECT ${cols.join(', ')} FROM t`, { t: table }, { metadata: { [VIEW_KEY]: JSON.stringify(doc) } }),
    );
    const rows = info.rows;
    const entities = Number(s.entities);
    ctx.metric('rows', rows);
    ctx.metric('entities', entities);
    ctx.metric('rowsPerEntity', entities > 0 ? rows / entities : 0);
    // epoch milliseconds of the oldest and newest event (the editor shows the range and freshness)
    if (s.tmin !== null) ctx.metric('eventTimeMin', Math.floor(Number(s.tmin) / 1000));
    if (s.tmax !== null) ctx.metric('eventTimeMax', Math.floor(Number(s.tmax) / 1000));
    ctx.log('info', `view "${params.name}": ${rows} rows, ${entities} entities, ${features.length} features`);
    return { view: tableOutput(out) };
  },
});
