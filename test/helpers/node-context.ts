/**
 * A real RunContext for node tests: a real DuckDB engine, a temp folder, the engine's seeded
 * PRNG and the compute backend loaded on first use. Nothing is mocked; logs, metrics and
 * progress are recorded so tests can assert on them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { createDataEngine, type DuckDataEngine } from '../../main/data/duck-engine';
import type { ArtifactRef, Compute, LogLevel, NodeDefinition, NodeOutput, RunContext } from '../../nodes/types';
import { seededRandom } from '../../shared/random';

/** The bundled sample CSVs (copies of ../shared/data). */
export const DATA_DIR = resolve(dirname(__filename), '..', '..', 'resources', 'data');

export interface TestContextOptions {
  nodeId?: string;
  /** what relative path params resolve against (default: resources/data) */
  baseDir?: string;
  signal?: AbortSignal;
  threads?: number;
  /** false: the engine does not hash what it writes (the csv bench times the write alone) */
  hashWritten?: boolean;
}

export interface TestContext extends RunContext {
  data: DuckDataEngine;
  logs: { level: LogLevel; message: string }[];
  metrics: { key: string; value: number; step?: number }[];
  progressReports: { fraction: number; message?: string }[];
  cleanup(): Promise<void>;
}

export async function makeTestContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'pw-node-test-'));
  const data = await createDataEngine({ tmpDir, threads: opts.threads, hashWritten: opts.hashWritten });
  const baseDir = opts.baseDir ?? DATA_DIR;
  let compute: Promise<Compute> | undefined;
  const ctx: TestContext = {
    nodeId: opts.nodeId ?? 'node',
    signal: opts.signal ?? new AbortController().signal,
    logs: [],
    metrics: [],
    progressReports: [],
    progress(fraction, message) {
      ctx.progressReports.push({ fraction, message });
    },
    log(level, message) {
      ctx.logs.push({ level, message });
    },
    metric(key, value, step) {
      ctx.metrics.push(step === undefined ? { key, value } : { key, value, step });
    },
    random: seededRandom,
    tmpDir,
    resolvePath: (p) => (isAbsolute(p) ? p : resolve(baseDir, p)),
    data,
    compute() {
      // Loaded lazily: most node tests never touch TensorFlow.js.
      compute ??= import('../../main/compute/index').then((m) => m.loadCompute());
      return compute;
    },
    async cleanup() {
      await data.close();
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
  return ctx;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Wraps a table file as an ArtifactRef. A CSV is first read into Parquet through the engine
 * when `ctx` is given, so nodes see what they would see in a real run.
 */
export async function tableArtifact(path: string, ctx?: RunContext): Promise<ArtifactRef> {
  let file = path;
  if (/\.csv$/i.test(path) && ctx?.data.readCsv) file = await ctx.data.readCsv(path, { header: true, types: {} });
  const meta: Record<string, unknown> = {};
  if (ctx) {
    const info = await ctx.data.describe({ kind: 'table', path: file, hash: '', meta: {} });
    meta.rows = info.rows;
    meta.columns = info.columns;
  }
  return { kind: 'table', path: file, hash: sha256File(file), meta };
}

/** Turns a node's output into an ArtifactRef (tables only need a path). */
export async function outputArtifact(out: NodeOutput, ctx?: RunContext): Promise<ArtifactRef> {
  if (out.kind !== 'table') throw new Error(`outputArtifact handles tables only, got ${out.kind}`);
  return tableArtifact(out.path, ctx);
}

/** Runs a node definition with its params parsed (defaults filled) by its own zod schema. */
export async function runNode(
  def: NodeDefinition,
  ctx: RunContext,
  inputs: Record<string, ArtifactRef>,
  params: Record<string, unknown> = {},
): Promise<Record<string, NodeOutput>> {
  if (!def.run) throw new Error(`${def.type} has no run()`);
  const parsed: unknown = def.params.parse(params);
  return def.run({ inputs, params: parsed, ctx });
}

/** Creates a SQLite file for tests of nodes (which may not import better-sqlite3 themselves). */
export function makeSqliteFile(path: string, schema: string, inserts: { sql: string; rows: unknown[][] }[] = []): string {
  const db = new Database(path);
  try {
    db.exec(schema);
    db.transaction(() => {
      for (const ins of inserts) {
        const stmt = db.prepare(ins.sql);
        for (const row of ins.rows) stmt.run(...row);
      }
    })();
  } finally {
    db.close();
  }
  return path;
}
