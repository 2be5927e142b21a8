/**
 * data.predictions on real served traffic: the breast-cancer example registered, served in
 * process, 60 real rows sent through both protocols with request ids, labels attached through
 * /v1/feedback; then monitoring pipelines read the log. Live accuracy from evaluate.classification
 * on the logged rows equals the share of answers that matched the attached labels; the table
 * holds exactly what the server answered; windows, limit, labeled, an unknown model, an empty
 * window (drift: "not enough data", never a number) and new traffic on a re-run are checked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { loadPipeline, serializePipeline } from '../../shared/pipeline';
import { runPipeline } from '../../main/engine/engine';
import { WorkerPool } from '../../main/engine/pool';
import { inferSchemas } from '../../main/engine/schema';
import { ServerRegistry } from '../../main/serving/deploy';
import { describeLoggedModel } from '../../main/serving/logged-requests';
import { createDataEngine } from '../../main/data/duck-engine';
import { openProject, type ProjectStore } from '../../main/store';
import { numericInputs, readCsvRecords } from '../helpers/csv';

const ROOT = resolve(__dirname, '..', '..');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-predictions-'));
let store: ProjectStore;
let pool: WorkerPool;
const servers = new ServerRegistry();

afterAll(async () => {
  await servers.stopAll();
  await pool?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function pipelineOf(doc: unknown): { pipeline: NonNullable<ReturnType<typeof loadPipeline>['pipeline']>; text: string } {
  const text = YAML.stringify(doc);
  const r = loadPipeline(text, createChecker(registry));
  if (!r.pipeline) throw new Error(JSON.stringify(r.errors));
  return { pipeline: r.pipeline, text: serializePipeline(r.pipeline, text) };
}

function run(doc: unknown) {
  return runPipeline({ store, ...pipelineOf(doc), baseDir: dir, pool });
}

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, reject) => {
    const u = new URL(path, url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(t) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** CSV rows as raw inputs and their true diagnosis. */
const csv = readCsvRecords(DATA).map((r) => ({ inputs: numericInputs(r, 'diagnosis'), truth: r.diagnosis }));

interface Sent {
  requestId: string;
  truth: string;
  answer: { label: string; scores: Record<string, number> };
  labeled: boolean;
}
const sent: Sent[] = [];
let url = '';

/** Sends rows [from, to) of the CSV: batches of 3 over v1 (every fourth batch over v2), labels attached to most. */
async function send(from: number, to: number): Promise<void> {
  for (let start = from, b = 0; start < to; start += 3, b++) {
    const rows = csv.slice(start, Math.min(to, start + 3));
    const requestId = `req-${start}`;
    let answers: Sent['answer'][];
    if (b % 4 === 3) {
      const names = Object.keys(rows[0].inputs);
      const a = await post(url, '/v2/models/cancer/infer', { inputs: names.map((n) => ({ name: n, shape: [rows.length], datatype: 'FP64', data: rows.map((r) => r.inputs[n]) })) }, { 'x-request-id': requestId });
      expect(a.status).toBe(200);
      const label = a.body.outputs.find((o: { name: string }) => o.name === 'label').data as string[];
      // v2 scores are FP32 on the wire; the log keeps the model's doubles, compared loosely below
      const scores = a.body.outputs.find((o: { name: string }) => o.name === 'scores').data as number[];
      answers = label.map((l, i) => ({ label: l, scores: { benign: scores[i * 2], malignant: scores[i * 2 + 1] } }));
    } else {
      const a = await post(url, '/v1/models/cancer:predict', { instances: rows.map((r) => r.inputs) }, { 'x-request-id': requestId });
      expect(a.status).toBe(200);
      answers = a.body.predictions;
    }
    // every fifth batch gets no label; the others one label per row
    const labeled = b % 5 !== 4;
    if (labeled) {
      const f = await post(url, '/v1/feedback', { request_id: requestId, label: rows.map((r) => r.truth) });
      expect(f.body).toEqual({ request_id: requestId, rows: rows.length });
    }
    rows.forEach((r, i) => sent.push({ requestId, truth: r.truth, answer: answers[i], labeled }));
  }
}

const monitor = (nodes: Record<string, unknown>) => ({ apiVersion: 'pipewright/v1', kind: 'Pipeline', metadata: { name: 'monitor' }, nodes });

beforeAll(async () => {
  store = openProject(join(dir, 'cancer.pwproj'), { create: true });
  pool = new WorkerPool(1);
  const example = YAML.parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));
  example.nodes.load.params.path = DATA;
  example.nodes.register = { type: 'deploy.register', inputs: { model: 'train.model', metrics: 'evaluate.metrics' }, params: { name: 'cancer', alias: 'champion' } };
  const trained = await run(example);
  expect(trained.run.status).toBe('succeeded');
  url = (await servers.serve(store, { name: 'cancer', host: '127.0.0.1', port: 0 })).url;
  await send(0, 60);
  // stopping writes what the log still buffers
  await servers.stopAll();
}, 300_000);

describe('data.predictions', () => {
  it('gives the columns before running, from the registry', async () => {
    const { pipeline } = pipelineOf(monitor({ live: { type: 'data.predictions', params: { model: 'cancer@champion' } } }));
    const engine = await createDataEngine({ tmpDir: join(dir, 'duck') });
    try {
      const schemas = await inferSchemas(pipeline, registry, {
        resolvePath: (p) => resolve(dir, p),
        data: engine,
        model: async (ref) => describeLoggedModel(store, ref),
      });
      const cols = schemas.live.outputs.table.columns!;
      expect(cols.slice(0, 2)).toEqual([{ name: 'mean_radius', type: 'DOUBLE' }, { name: 'mean_texture', type: 'DOUBLE' }]);
      expect(cols.slice(30).map((c) => `${c.name} ${c.type}`)).toEqual([
        'prediction VARCHAR', 'score_benign DOUBLE', 'score_malignant DOUBLE', 'diagnosis VARCHAR', 'model_version BIGINT', 'requested_at TIMESTAMP', 'request_id VARCHAR',
      ]);
      const bad = await inferSchemas(pipelineOf(monitor({ live: { type: 'data.predictions', params: { model: 'nope' } } })).pipeline, registry, {
        resolvePath: (p) => p, data: engine, model: async (ref) => describeLoggedModel(store, ref),
      });
      expect(bad.live.error).toMatch(/no registered model "nope" \(registered: cancer\)/);
    } finally {
      await engine.close();
    }
  });

  it('holds what the server answered; evaluate.classification on it is the live accuracy', async () => {
    const r = await run(monitor({
      live: { type: 'data.predictions', params: { model: 'cancer', since: '1h', labeled: true } },
      all: { type: 'data.predictions', params: { model: 'cancer', since: '1h' } },
      accuracy: { type: 'evaluate.classification', inputs: { test: 'live.table' }, params: { label: 'diagnosis' } },
    }));
    expect(r.run.status, JSON.stringify(r.nodes)).toBe('succeeded');
    const labeled = sent.filter((s) => s.labeled);
    const direct = labeled.filter((s) => s.answer.label === s.truth).length / labeled.length;
    expect(labeled.length).toBeGreaterThan(30);
    expect(r.nodes.accuracy.metrics.accuracy).toBe(direct);
    expect(r.nodes.live.metrics).toEqual({ rows: labeled.length, labeledRows: labeled.length });
    expect(r.nodes.all.metrics).toEqual({ rows: 60, labeledRows: labeled.length });

    // the table, row for row, against the HTTP answers
    const engine = await createDataEngine({ tmpDir: join(dir, 'duck2') });
    try {
      const path = join(dir, 'all.parquet');
      store.extractArtifact(r.nodes.all.outputs!.table.hash, path);
      const rows = await engine.query(`SELECT *, epoch_ms(requested_at) AS at_ms, typeof(requested_at) AS at_type FROM read_parquet(${engine.literal(path)})`);
      expect(rows).toHaveLength(60);
      rows.forEach((row, i) => {
        const s = sent[i];
        expect(row.request_id).toBe(s.requestId);
        expect(row.mean_radius).toBe(csv[i].inputs.mean_radius);
        expect(row.prediction).toBe(s.answer.label);
        expect(Math.abs(Number(row.score_malignant) - s.answer.scores.malignant)).toBeLessThan(1e-6);
        expect(row.diagnosis).toBe(s.labeled ? s.truth : null);
        expect(Number(row.model_version)).toBe(1);
        expect(row.at_type).toBe('TIMESTAMP');
        expect(Math.abs(Number(row.at_ms) - Date.now())).toBeLessThan(3_600_000);
      });
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('windows by time and limit; an unknown model fails naming it and the registered ones', async () => {
    const r = await run(monitor({
      future: { type: 'data.predictions', params: { model: 'cancer:1', since: '2999-01-01' } },
      past: { type: 'data.predictions', params: { model: 'cancer', until: '2000-01-01T00:00:00Z' } },
      newest: { type: 'data.predictions', params: { model: 'cancer@champion', limit: 7 } },
    }));
    expect(r.run.status).toBe('succeeded');
    expect(r.nodes.future.metrics.rows).toBe(0);
    expect(r.nodes.past.metrics.rows).toBe(0);
    expect(r.nodes.newest.metrics.rows).toBe(7);

    const bad = await run(monitor({ live: { type: 'data.predictions', params: { model: 'nope' } } }));
    expect(bad.run.status).toBe('failed');
    expect(bad.nodes.live.error).toMatch(/^live: model: no registered model "nope" \(registered: cancer\)/);
    const badVersion = await run(monitor({ live: { type: 'data.predictions', params: { model: 'cancer:9' } } }));
    expect(badVersion.nodes.live.error).toMatch(/model "cancer" has no version 9/);
  }, 120_000);

  it('refuses a window it cannot read at validation, each at its param', () => {
    const text = YAML.stringify(monitor({
      a: { type: 'data.predictions', params: { model: 'cancer', since: '-1h' } },
      b: { type: 'data.predictions', params: { model: 'Cancer!' } },
      c: { type: 'data.predictions', params: { model: 'cancer', since: '2026-02-30' } },
      d: { type: 'data.predictions', params: { model: 'cancer', since: '1h', until: '2h' } },
    }));
    const errors = loadPipeline(text, createChecker(registry)).errors.map((e) => `${e.place}: ${e.message}`);
    expect(errors).toEqual([
      expect.stringMatching(/^nodes\.a\.params\.since: must be a duration without a sign \(1h/),
      expect.stringMatching(/^nodes\.b\.params\.model: must be a model reference/),
      expect.stringMatching(/^nodes\.c\.params\.since: must be an ISO 8601 time/),
      expect.stringMatching(/^nodes\.d\.params\.until: must be later than since/),
    ]);
  });

  it('drift on an empty window says not enough data; a re-run sees new traffic, and reuses drift when there is none', async () => {
    writeFileSync(join(dir, 'reference.csv'), readFileSync(DATA));
    const doc = (since: string) => monitor({
      live: { type: 'data.predictions', params: { model: 'cancer', since } },
      reference: { type: 'data.csv', params: { path: 'reference.csv' } },
      drift: { type: 'monitor.drift', inputs: { reference: 'reference.table', current: 'live.table' } },
    });
    const empty = await run(doc('2999-01-01'));
    expect(empty.run.status).toBe('failed');
    expect(empty.nodes.drift.error).toMatch(/no column could be compared \(mean_radius: not enough data: current has no rows;/);
    expect(empty.nodes.drift.error).not.toMatch(/NaN/);

    const first = await run(doc('1h'));
    expect(first.run.status).toBe('succeeded');
    expect(first.nodes.drift.metrics.driftedColumns).toBeGreaterThanOrEqual(0);
    const again = await run(doc('1h'));
    expect(again.nodes.live.cached).toBe(false); // never cached: the log is read on every run
    expect(again.nodes.drift).toMatchObject({ cached: true });

    // new traffic from the bundled shifting-traffic script: mean_radius doubled from the start
    url = (await servers.serve(store, { name: 'cancer', host: '127.0.0.1', port: 0 })).url;
    const script = spawn(process.execPath, [join(ROOT, 'resources', 'scripts', 'shifting-traffic.mjs'), '--url', url, '--model', 'cancer', '--csv', DATA,
      '--requests', '40', '--rate', '1000', '--shift-after', '0', '--ramp', '0', '--max-scale', '2', '--columns', 'mean_radius'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    script.stdout.on('data', (d: Buffer) => (out += d.toString()));
    script.stderr.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise((done) => script.once('exit', done)), out).toBe(0);
    expect(out).toMatch(/done: 40 requests \(40 answered, 0 failed\), 40 labelled/);
    await servers.stopAll();
    const more = await run(doc('1h'));
    expect(more.nodes.live.metrics).toEqual({ rows: 100, labeledRows: 100 - sent.filter((x) => !x.labeled).length });
    expect(more.nodes.drift.cached).toBe(false);
    // every scripted row is a CSV row with mean_radius doubled, labelled with that row's diagnosis
    const engine = await createDataEngine({ tmpDir: join(dir, 'duck3') });
    try {
      const path = join(dir, 'more.parquet');
      store.extractArtifact(more.nodes.live.outputs!.table.hash, path);
      const rows = await engine.query(`SELECT mean_radius, mean_texture, diagnosis FROM read_parquet(${engine.literal(path)}) WHERE request_id LIKE 'shift-%'`);
      expect(rows).toHaveLength(40);
      for (const r of rows) {
        const source = csv.find((c) => c.inputs.mean_texture === r.mean_texture && c.inputs.mean_radius * 2 === r.mean_radius);
        expect(source, JSON.stringify(r)).toBeDefined();
        expect(r.diagnosis).toBe(source!.truth);
      }
    } finally {
      await engine.close();
    }
  }, 180_000);
});
