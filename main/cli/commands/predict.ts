/**
 * `pipewright predict (--project P --model REF | --model-file F) --in TABLE --out FILE [--json]`
 * (contract sections 2b and 6): batch prediction on raw rows through the same code as the server
 * (main/registry/serving-model.ts). TABLE is CSV or Parquet; FILE (CSV, or Parquet when it ends
 * in .parquet) gets every input column, then `prediction` (regression) or `label` and one
 * `score_<class>` per class, in input row order, numbers at full double precision.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnData } from '../../../nodes/types';
import { NodeError } from '../../../nodes/types';
import { createDataEngine, ident, literal, type DuckDataEngine } from '../../data/duck-engine';
import { readCsvHeader } from '../../data/csv-header';
import { loadModelFile, loadServingModelRef, type LoadedModel } from '../../registry/serving-model';
import { InputError } from '../../serving/types';
import { openProject, type ProjectStore } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type CliIO, type Command } from '../io';
import { failWith, registryFailure } from './models-common';

const USAGE = 'usage: pipewright predict (--project P --model REF | --model-file F) --in TABLE --out FILE [--json]   (TABLE: .csv or .parquet; FILE: .csv or .parquet)';

/** The prediction columns of a batch, named as section 6 says. */
function predictionColumns(model: LoadedModel, p: Awaited<ReturnType<LoadedModel['predictData']>>): ColumnData[] {
  if (p.task === 'regression') return [{ name: 'prediction', type: 'DOUBLE', numeric: true, values: p.values }];
  const n = p.labels.length;
  const k = p.classes.length;
  const numericLabels = model.file.model.labelType === 'numeric';
  const label: ColumnData = numericLabels
    ? { name: 'label', type: 'DOUBLE', numeric: true, values: Float64Array.from(p.labels as number[]) }
    : { name: 'label', type: 'VARCHAR', numeric: false, values: p.labels.map(String) };
  const scores: ColumnData[] = p.classes.map((c, j) => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = p.probabilities[i * k + j];
    return { name: `score_${c}`, type: 'DOUBLE', numeric: true, values };
  });
  return [label, ...scores];
}

async function readInput(engine: DuckDataEngine, path: string, model: LoadedModel): Promise<string> {
  if (/\.parquet$/i.test(path)) return engine.readParquet(path);
  if (!/\.csv$/i.test(path)) throw new UsageError(`--in ${path}: give a .csv or .parquet file\n${USAGE}`);
  // The model's input types are declared for the columns the file has: a value that does not fit fails with its line.
  const header = readCsvHeader(path, statSync(path).size, { header: true });
  const types = Object.fromEntries(model.inputs.filter((i) => header.names.includes(i.name)).map((i) => [i.name, i.type]));
  return engine.readCsv(path, { header: true, types, delimiter: header.delimiter });
}

const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, model: { type: 'string' }, 'model-file': { type: 'string' }, in: { type: 'string' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
    USAGE,
  );
  const json = values.json ?? false;
  if (values['model-file'] && (values.model || values.project)) throw new UsageError(`give --model-file, or --project with --model, not both\n${USAGE}`);
  if (!values['model-file'] && !(values.project && values.model)) throw new UsageError(`give --project P --model REF, or --model-file F\n${USAGE}`);
  if (!values.in) throw new UsageError(`give the input table with --in\n${USAGE}`);
  if (!values.out) throw new UsageError(`give the output file with --out\n${USAGE}`);
  const inPath = resolve(io.cwd, values.in);
  const outPath = resolve(io.cwd, values.out);
  if (!existsSync(inPath)) return failWith(io, 'predict', json, 'in', `${inPath}: no such file`);
  if (!/\.(csv|parquet)$/i.test(outPath)) throw new UsageError(`--out ${values.out}: give a .csv or .parquet file\n${USAGE}`);
  if (inPath === outPath) throw new UsageError(`--out is the input file; write the predictions elsewhere\n${USAGE}`);
  const started = performance.now();

  // The project stays open while predicting: a model trained on a features.join reads its online store.
  let store: ProjectStore | null = null;
  try {
    return await predictWith(values, json, io, started, inPath, outPath, (s) => (store = s));
  } finally {
    (store as ProjectStore | null)?.close();
  }
};

async function predictWith(
  values: { project?: string; model?: string; 'model-file'?: string; in?: string },
  json: boolean,
  io: CliIO,
  started: number,
  inPath: string,
  outPath: string,
  opened: (store: ProjectStore) => void,
): Promise<number> {
  let model: LoadedModel;
  try {
    if (values['model-file']) model = await loadModelFile(resolve(io.cwd, values['model-file']));
    else {
      const projectPath = resolve(io.cwd, values.project!);
      if (!existsSync(projectPath)) return failWith(io, 'predict', json, 'project', `${projectPath}: no such project file`);
      const store = openProject(projectPath, { readonly: true });
      opened(store);
      model = await loadServingModelRef(store, values.model!);
    }
  } catch (e) {
    return registryFailure(io, 'predict', json, values['model-file'] ? 'model-file' : 'model', e);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'pw-predict-'));
  const engine = await createDataEngine({ tmpDir: scratch });
  try {
    let input: string;
    try {
      input = await readInput(engine, inPath, model);
    } catch (e) {
      if (e instanceof NodeError) return failWith(io, 'predict', json, 'in', `${inPath}: ${e.message}`);
      throw e;
    }
    const ref = { kind: 'table' as const, path: input, hash: '', meta: {} };
    const info = await engine.describe(ref);
    const present = new Set(info.columns.map((c) => c.name));
    const columns = await engine.readColumns(ref, model.inputs.map((i) => i.name).filter((n) => present.has(n)));
    let prediction;
    try {
      prediction = await model.predictData(columns, info.rows);
    } catch (e) {
      if (e instanceof InputError) {
        const where = e.row === null ? '' : ` (data row ${e.row + 1} of ${values.in})`;
        return failWith(io, 'predict', json, e.column ? `columns.${e.column}` : 'in', `${e.message}${where}`);
      }
      throw e;
    }
    const out = predictionColumns(model, prediction);
    const predPath = await engine.writeColumns(out);
    // Input columns that share a name with a prediction column give way to the prediction.
    const clash = info.columns.map((c) => c.name).filter((n) => out.some((o) => o.name === n));
    for (const c of clash) io.stderr(`pipewright predict: the input's column "${c}" is replaced by the prediction column of the same name\n`);
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    try {
      const keep = clash.length ? `t.* EXCLUDE (${clash.map(ident).join(', ')})` : 't.*';
      const format = /\.parquet$/i.test(outPath) ? '(FORMAT parquet)' : '(FORMAT csv, HEADER true)';
      const tmpOut = `${outPath}.${process.pid}.tmp`;
      try {
        await conn.run(`COPY (SELECT ${keep}, p.* FROM read_parquet(${literal(input)}) t POSITIONAL JOIN read_parquet(${literal(predPath)}) p) TO ${literal(tmpOut)} ${format}`);
        renameSync(tmpOut, outPath);
      } catch (e) {
        rmSync(tmpOut, { force: true });
        throw e;
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    const durationMs = Math.round(performance.now() - started);
    const summary = { model: { name: model.name, version: model.version }, rows: info.rows, out: outPath, columns: out.map((c) => c.name), durationMs };
    if (json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else io.stdout(`${model.name}:${model.version}: ${info.rows} rows predicted → ${outPath} (${durationMs} ms)\n`);
    return 0;
  } finally {
    await engine.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
export default command;
