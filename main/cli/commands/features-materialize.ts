/**
 * `pipewright features materialize --project P [--view NAME]... [--as-of TIME] [--json]`
 * (contract section 7): materialises recorded views into the project's online store from the
 * view files their runs stored, as a features.materialize node does (incremental from each view's
 * watermark; default time: now). For a time other than the pipeline's, e.g. to serve as of a day;
 * `--reset` empties the views' online rows first (the only way back to an earlier time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInstant } from '../../../nodes/features/feature-view';
import { createDataEngine } from '../../data/duck-engine';
import { materializeView, type MaterializeResult } from '../../features/materialize';
import { getView, listViews } from '../../features/store';
import { RegistryError } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { failWith, withRegistry } from './models-common';

const USAGE = 'usage: pipewright features materialize --project P [--view NAME]... [--as-of TIME] [--reset] [--json]   (TIME: ISO 8601, no zone: UTC; default now)';

const iso = (us: number | null): string => (us === null ? 'the start' : new Date(us / 1000).toISOString());

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, view: { type: 'string', multiple: true }, 'as-of': { type: 'string' }, reset: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (!values.project || positionals.length) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const json = values.json ?? false;
  const asOf = values['as-of'] === undefined ? Date.now() : parseInstant(values['as-of']);
  if (asOf === null) return failWith(io, 'features materialize', json, 'as-of', `--as-of ${JSON.stringify(values['as-of'])} is not an ISO 8601 time such as 2015-06-01 or 2015-06-01T12:00:00Z`);
  const scratch = mkdtempSync(join(tmpdir(), 'pw-materialize-'));
  try {
    return await withRegistry(
      io,
      'features materialize',
      { project: values.project, json, place: 'view' },
      async (store) => {
        const names = values.view ?? listViews(store).map((v) => v.name);
        if (names.length === 0) throw new RegistryError('no feature views recorded yet (run a pipeline with a features.view node)', 'not_found');
        // Every view is checked before any is written.
        const views = names.map((name) => {
          const v = getView(store, name);
          if (!v) throw new RegistryError(`no feature view "${name}" in this project (views: ${listViews(store).map((x) => x.name).join(', ') || 'none'})`, 'not_found');
          if (!v.artifactHash) throw new RegistryError(`view "${name}" was recorded without its file; run its pipeline again`, 'not_found');
          return { name, hash: v.artifactHash };
        });
        const engine = await createDataEngine({ tmpDir: scratch });
        try {
          const out: MaterializeResult[] = [];
          for (const v of views) {
            const path = store.extractArtifact(v.hash, join(scratch, `${v.hash}.parquet`));
            out.push(await materializeView(store, engine, { kind: 'table', path, hash: v.hash, meta: {} }, asOf, { runId: null, nodeId: null }, values.reset ?? false));
          }
          return out;
        } finally {
          await engine.close();
        }
      },
      (results) =>
        results
          .map((r) =>
            r.asOfTs > asOf * 1000
              ? `${r.view}: already materialised up to ${iso(r.asOfTs)}, after --as-of; nothing read (--reset starts again from nothing)\n`
              : `${r.view}: read ${r.rowsRead} rows (after ${iso(r.sinceTs)}, up to ${iso(r.asOfTs)}), wrote ${r.entitiesWritten} entities\n`,
          )
          .join(''),
      (results) => ({ materialized: results }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
export default command;
