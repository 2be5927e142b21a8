import type { z } from 'zod';
import type { PortSpec } from '../../shared/catalog';
import type { ArtifactRef, ColumnInfo, DataEngine, RunContext, TableInfo } from '../types';
import { defineNode } from '../types';
import { asNodeError, describeInput, input, nodeError, requireColumns, scratchRef, tableOutput } from './common';
import { applyJoin, type JoinReplayState } from './join-replay';
import { keyCast, keyFamily, requireParsableTimes, requireTimeColumn, requireView, utcMicros, type ViewDoc } from './feature-view';
import spec from './join.params';

/** `view`, then `view2` … `view5`: several views joined onto the same labels. */
export const VIEW_PORTS = ['view', 'view2', 'view3', 'view4', 'view5'];

/** How each joined view's features are named in the output (contract 7: `<view>__<feature>` on a clash). */
export function outputNames(labelColumns: string[], views: { name: string; features: { name: string }[] }[]): string[][] {
  const count = new Map<string, number>();
  for (const v of views) for (const f of v.features) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  const labels = new Set(labelColumns);
  return views.map((v) => v.features.map((f) => (labels.has(f.name) || (count.get(f.name) ?? 0) > 1 ? `${v.name}__${f.name}` : f.name)));
}

const I64_MIN = '-9223372036854775808';
const I64_SPAN = 9_223_372_036_854_775_808n;
/** epoch microseconds (BIGINT) shifted into the high 64 bits of a HUGEINT */
const HUGE = (micros: string): string => `CAST(${micros} AS HUGEINT) * ${I64_SPAN * 2n}`;

type Params = z.infer<typeof spec.params>;

interface Joined {
  port: string;
  ref: ArtifactRef;
  view: ViewDoc;
  /** label columns matched to the view's entity columns, in order */
  keys: ColumnInfo[];
}

/** The first non-null value of a column, for error messages. */
async function example(d: DataEngine, ref: ArtifactRef, column: string): Promise<string> {
  const rows = await d.query(`SELECT CAST(${d.ident(column)} AS VARCHAR) AS v FROM t WHERE ${d.ident(column)} IS NOT NULL LIMIT 1`, { t: ref });
  return rows.length ? JSON.stringify(rows[0].v) : 'no values';
}

async function matchKeys(ctx: RunContext, labels: ArtifactRef, info: TableInfo, j: Omit<Joined, 'keys'>, entity: string[] | undefined): Promise<ColumnInfo[]> {
  const wanted = entity ?? j.view.entity.map((c) => c.name);
  if (wanted.length !== j.view.entity.length) {
    throw nodeError(ctx, `entity: ${wanted.length} column${wanted.length === 1 ? '' : 's'} given, but view "${j.view.name}" (input "${j.port}") has ${j.view.entity.length} entity column${j.view.entity.length === 1 ? '' : 's'} (${j.view.entity.map((c) => c.name).join(', ')})`);
  }
  const keys = requireColumns(ctx, info, wanted, entity ? 'entity' : `entity (of view "${j.view.name}")`, 'labels');
  for (let i = 0; i < keys.length; i++) {
    const lk = keys[i];
    const vk = j.view.entity[i];
    if (keyFamily(lk.type) !== keyFamily(vk.type)) {
      const [le, ve] = await Promise.all([example(ctx.data, labels, lk.name), example(ctx.data, j.ref, vk.name)]);
      throw nodeError(
        ctx,
        `entity: column "${lk.name}" of input "labels" is ${lk.type} (e.g. ${le}) but entity column "${vk.name}" of view "${j.view.name}" is ${vk.type} (e.g. ${ve}); cast one of them so both are numbers or both text`,
        { column: lk.name },
      );
    }
  }
  return keys;
}

/** What run and capture both check first: the labels, their time column, and each view with its keys. */
async function prepare(ctx: RunContext, inputs: Record<string, ArtifactRef>, params: Params) {
  const labels = input(ctx, inputs, 'labels');
  const info = await describeInput(ctx, labels, 'labels', false);
  const [ts] = requireColumns(ctx, info, [params.timestamp], 'timestamp', 'labels');
  requireTimeColumn(ctx, ts, 'timestamp', 'labels');
  await asNodeError(ctx, 'cannot read the label times', () => requireParsableTimes(ctx, labels, ts, 'timestamp', 'labels'));
  const entity = params.entity === undefined ? undefined : Array.isArray(params.entity) ? params.entity : [params.entity];

  const joined: Joined[] = [];
  for (const port of VIEW_PORTS) {
    if (!inputs[port]) continue;
    const ref = input(ctx, inputs, port);
    const view = await asNodeError(ctx, `cannot read input "${port}"`, () => requireView(ctx, ref, port));
    const twin = joined.find((j) => j.view.name === view.name);
    if (twin) throw nodeError(ctx, `inputs "${twin.port}" and "${port}" are both view "${view.name}"; join a view once`);
    const keys = await matchKeys(ctx, labels, info, { port, ref, view }, entity);
    joined.push({ port, ref, view, keys });
  }
  if (joined.length === 0) throw nodeError(ctx, 'input "view" is not connected');

  const labelNames = info.columns.map((c) => c.name);
  const names = outputNames(labelNames, joined.map((j) => j.view));
  const all = [...labelNames, ...names.flat()];
  const clash = all.find((n, i) => all.indexOf(n) !== i);
  if (clash) throw nodeError(ctx, `output column "${clash}" would appear twice; rename the label column or the feature`, { column: clash });
  return { labels, info, ts, joined, labelNames, names };
}

export default defineNode({
  ...spec,
  title: 'Point-in-time join',
  stage: 'features',
  description:
    'For each label row, the features of each view as they were at the label time: the latest view row of the same entity with event time ≤ the label time (and within the view TTL), latest created time on ties; nulls when there is none. Label rows keep their order.',
  inputs: [
    { name: 'labels', kind: 'table' },
    ...VIEW_PORTS.map((name, i): PortSpec => (i === 0 ? { name, kind: 'table' } : { name, kind: 'table', optional: true })),
  ],
  outputs: [{ name: 'table', kind: 'table' }],
  columnParams: ['entity', 'timestamp'],
  // The labels' columns, then each view's features named as run() names them.
  schema: ({ inputs }) => {
    const labels = inputs.labels?.columns;
    // A connected port is a key (its value undefined while the upstream schema is unknown).
    const views = VIEW_PORTS.filter((p) => p in inputs).map((p) => inputs[p]);
    if (!labels || views.length === 0 || views.some((v) => !v?.featureView || !v.columns)) return { outputs: { table: {} } };
    const docs = views.map((v) => ({ name: v!.featureView!.name, features: v!.featureView!.features.flatMap((f) => v!.columns!.filter((c) => c.name === f)) }));
    const names = outputNames(labels.map((c) => c.name), docs);
    return { outputs: { table: { columns: [...labels, ...docs.flatMap((d, v) => d.features.map((f, i) => ({ name: names[v][i], type: f.type })))] } } };
  },
  featureStore: 'join',
  servingReplay: {
    mode: 'transform',
    ports: { table: 'labels' },
    fitted: 'which views and features it joined; at serving time they are looked up in the online store (the latest materialised row per entity)',
    async capture({ params, inputs, ctx, handledLater }) {
      const { ts, joined, names } = await prepare(ctx, inputs, params);
      const state: JoinReplayState = {
        timestamp: ts.name,
        views: joined.map((j, v) => ({
          name: j.view.name,
          keys: j.keys.map((k) => k.name),
          entity: j.view.entity,
          ttlSeconds: j.view.ttlSeconds,
          features: j.view.features.map((f, i) => ({ name: f.name, as: names[v][i], type: f.type, nullable: handledLater.has(names[v][i]) })),
        })),
      };
      // A missing label time is served as now.
      return { state, handlesNull: [ts.name] };
    },
    apply: (state, table, ctx) => applyJoin(state as JoinReplayState, table, ctx),
  },
  async run({ inputs, params, ctx }) {
    const d = ctx.data;
    const { labels, ts, joined, labelNames, names } = await prepare(ctx, inputs, params);

    // Label row order: the row's position in its file. A label column that is itself called
    // file_row_number hides DuckDB's: such a table is first copied with that column renamed.
    let labelFile = labels.path;
    const renamed = labelNames.includes('file_row_number');
    if (renamed) {
      labelFile = await asNodeError(ctx, 'cannot read the labels', () => d.writeTable(`SELECT * RENAME ("file_row_number" AS "__pw_frn") FROM labels`, { labels }));
    }
    const lcol = (n: string): string => `l.${d.ident(renamed && n === 'file_row_number' ? '__pw_frn' : n)}`;

    const lkeys = joined.flatMap((j, v) => j.keys.map((k, i) => `CAST(${d.ident(renamed && k.name === 'file_row_number' ? '__pw_frn' : k.name)} AS ${keyCast(j.view.entity[i].type)}) AS "__pw_k${v}_${i}"`));
    const labelTime = `(${utcMicros(d, renamed && ts.name === 'file_row_number' ? { ...ts, name: '__pw_frn' } : ts)})`;
    const tieBreak = (view: ViewDoc): boolean => view.createdTimestamp !== null && view.eventTies !== false;
    const labelOrder = joined.some((j) => tieBreak(j.view)) ? `, ${HUGE(labelTime)} + ${I64_SPAN * 2n - 1n} AS "__pw_o"` : '';
    const ctes = [
      `l AS (SELECT *, file_row_number AS "__pw_row", ${labelTime} AS "__pw_t"${labelOrder}, ${lkeys.join(', ')} FROM read_parquet(${d.literal(labelFile)}, file_row_number = true))`,
    ];
    const from = ['l'];
    const select = labelNames.map((n) => `${lcol(n)} AS ${d.ident(n)}`);
    const found: string[] = [];
    joined.forEach((j, v) => {
      const view = j.view;
      const vt = `(${utcMicros(d, view.timestamp)})`;
      const keyCols = view.entity.map((k, i) => `CAST(${d.ident(k.name)} AS ${keyCast(k.type)}) AS "__pw_k${v}_${i}"`);
      const feats = view.features.map((f, i) => `${d.ident(f.name)} AS "__pw_f${v}_${i}"`);
      // Same event time: the latest created time wins, a null one loses. Done inside the ASOF
      // (no window over the whole view): it matches on (event, created) as one HUGEINT,
      // event·2^64 + created + 2^63 (null created: 0), the label side being label·2^64 + 2^64 − 1.
      // A view whose rows never share entity and event time needs none of it.
      const order = tieBreak(view) ? `, ${HUGE(vt)} + (CAST(coalesce((${utcMicros(d, view.createdTimestamp!)}), ${I64_MIN}) AS HUGEINT) + ${I64_SPAN}) AS "__pw_o"` : '';
      ctes.push(`v${v} AS (SELECT ${keyCols.join(', ')}, ${vt} AS "__pw_t"${order}, ${feats.join(', ')} FROM read_parquet(${d.literal(j.ref.path)}) WHERE ${vt} IS NOT NULL)`);
      const cmp = tieBreak(view) ? `l."__pw_o" >= v${v}."__pw_o"` : `l."__pw_t" >= v${v}."__pw_t"`;
      const on = [...view.entity.map((_, i) => `l."__pw_k${v}_${i}" = v${v}."__pw_k${v}_${i}"`), cmp];
      from.push(`ASOF LEFT JOIN v${v} ON ${on.join(' AND ')}`);
      // ASOF found the latest row at or before the label time; the TTL bounds how old it may be.
      const within = view.ttlSeconds === null ? `v${v}."__pw_t" IS NOT NULL` : `v${v}."__pw_t" >= l."__pw_t" - ${view.ttlSeconds * 1_000_000}`;
      found.push(`(${within}) AS "__pw_found${v}"`);
      view.features.forEach((_, i) => select.push(`CASE WHEN ${within} THEN v${v}."__pw_f${v}_${i}" END AS ${d.ident(names[v][i])}`));
    });
    const sql = `WITH ${ctes.join(',\n')}\nSELECT ${[...select, ...found].join(', ')} FROM ${from.join(' ')} ORDER BY l."__pw_row"`;
    const withFlags = await asNodeError(ctx, 'point-in-time join failed', () => d.writeTable(sql));
    const flags = scratchRef(withFlags);
    const counts = await asNodeError(ctx, 'point-in-time join failed', () =>
      d.query(`SELECT count(*) AS n, ${joined.map((_, v) => `count(*) FILTER (WHERE "__pw_found${v}") AS f${v}`).join(', ')} FROM j`, { j: flags }),
    );
    const out = await asNodeError(ctx, 'point-in-time join failed', () =>
      d.writeTable(`SELECT * EXCLUDE (${joined.map((_, v) => `"__pw_found${v}"`).join(', ')}) FROM j`, { j: flags }),
    );
    const n = Number(counts[0].n);
    const nullTimes = await d.query(`SELECT count(*) AS n FROM l WHERE ${d.ident(ts.name)} IS NULL`, { l: labels });
    if (Number(nullTimes[0].n) > 0) ctx.log('warn', `${Number(nullTimes[0].n)} label rows have no time in "${ts.name}": their features are null`);
    joined.forEach((j, v) => {
      const share = n > 0 ? Number(counts[0][`f${v}`]) / n : 0;
      // the share of label rows that found a row of this view (the editor shows it per view)
      ctx.metric(`found.${j.view.name}`, share);
      ctx.log('info', `view "${j.view.name}": ${Number(counts[0][`f${v}`])} of ${n} label rows found features (${(share * 100).toFixed(1)}%)`);
    });
    return { table: tableOutput(out) };
  },
});
