/**
 * `pipewright serve` on real registered models: the breast-cancer example with a deploy.register
 * node, trained twice (two versions), served by the built CLI in its own process. Both protocols
 * give what `pipewright predict` gives; ten alias moves under a steady loopback load fail no
 * request and mis-version none; the prediction log and feedback land in the project; the CLI's
 * refusals (host without token, port in use, unknown model) are exit 2 naming the problem.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { openProject } from '../../main/store/project-store';
import { setAlias } from '../../main/registry/store';
import { readPredictions } from '../../main/serving/prediction-log';
import { ServerRegistry } from '../../main/serving/deploy';
import { numericInputs, readCsvRecords } from '../helpers/csv';
import { startServe, type ServeProcess } from '../helpers/serve-process';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-serve-cli-'));
const project = join(dir, 'cancer.pwproj');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `pipewright serve ARGS`, resolves on its first stdout line. */
function serve(args: string[]): Promise<ServeProcess> {
  return startServe(CLI, args, { cwd: dir, started: (p) => children.push(p) });
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

interface Answer {
  status: number;
  version: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request; `keepAlive` only for the steady load (a socket idle past the server's keep-alive timeout is gone). */
function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}, keepAlive = false): Promise<Answer> {
  return new Promise((done, reject) => {
    const u = new URL(path, url);
    const text = JSON.stringify(body);
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: u.pathname, method: body === undefined ? 'GET' : 'POST', agent: keepAlive ? agent : false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(t);
          } catch {
            parsed = t;
          }
          done({ status: res.statusCode ?? 0, version: String(res.headers['x-pipewright-model-version']), body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(text);
    else req.end();
  });
}

/** The first rows of the CSV as raw input rows (label dropped). */
function csvRows(n: number): Record<string, number>[] {
  return readCsvRecords(DATA, n).map((r) => numericInputs(r, 'diagnosis'));
}

const rows = csvRows(5);

beforeAll(() => {
  const example = YAML.parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));
  example.nodes.load.params.path = DATA;
  example.nodes.register = { type: 'deploy.register', inputs: { model: 'train.model', metrics: 'evaluate.metrics' }, params: { name: 'cancer', alias: 'champion' } };
  writeFileSync(join(dir, 'cancer.pipeline.yaml'), YAML.stringify(example));
  for (const seed of [42, 7]) {
    const r = cli(['run', 'cancer.pipeline.yaml', '--project', project, '--param', `seed=${seed}`]);
    expect(r.status, r.stderr).toBe(0);
  }
  // version 1 is the champion, version 2 the challenger
  expect(cli(['models', 'alias', 'cancer', 'champion', '1', '--project', project, '--reason', 'test']).status).toBe(0);
  expect(cli(['models', 'alias', 'cancer', 'challenger', '2', '--project', project]).status).toBe(0);
  writeFileSync(join(dir, 'rows.csv'), readFileSync(DATA, 'utf8').trim().split('\n').slice(0, 6).join('\n') + '\n');
}, 600_000);

/** `pipewright predict` on the same rows: score_malignant per row. */
function predictScores(ref: string): { label: string; malignant: number; benign: number }[] {
  const out = join(dir, `pred-${ref.replace(/\W/g, '_')}.csv`);
  const r = cli(['predict', '--project', project, '--model', ref, '--in', 'rows.csv', '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const h = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const v = l.split(',');
    return { label: v[h.indexOf('label')], malignant: Number(v[h.indexOf('score_malignant')]), benign: Number(v[h.indexOf('score_benign')]) };
  });
}

describe('pipewright serve with registered models', () => {
  it('answers both protocols with what pipewright predict gives, per version and alias', async () => {
    const s = await serve(['--project', project, '--port', '0']);
    try {
      for (const [path, ref, version] of [
        ['/v1/models/cancer:predict', 'cancer', 'cancer:1'],
        ['/v1/models/cancer/versions/2:predict', 'cancer:2', 'cancer:2'],
        ['/v1/models/cancer/labels/challenger:predict', 'cancer@challenger', 'cancer:2'],
      ]) {
        const expected = predictScores(ref);
        const a = await post(s.url, path, { instances: rows });
        expect(a.status).toBe(200);
        expect(a.version).toBe(version);
        a.body.predictions.forEach((p: { label: string; scores: Record<string, number> }, i: number) => {
          expect(p.label).toBe(expected[i].label);
          expect(Math.abs(p.scores.malignant - expected[i].malignant)).toBeLessThan(1e-6);
          expect(Math.abs(p.scores.benign - expected[i].benign)).toBeLessThan(1e-6);
        });
      }
      const expected = predictScores('cancer:1');
      const names = Object.keys(rows[0]);
      const v2 = await post(s.url, '/v2/models/cancer/infer', { inputs: names.map((n) => ({ name: n, shape: [rows.length], datatype: 'FP64', data: rows.map((r) => r[n]) })) });
      expect(v2.status).toBe(200);
      expect(v2.version).toBe('cancer:1');
      const label = v2.body.outputs.find((o: { name: string }) => o.name === 'label');
      const scores = v2.body.outputs.find((o: { name: string }) => o.name === 'scores');
      expect(label.data).toEqual(expected.map((e) => e.label));
      expect(scores.shape).toEqual([rows.length, 2]);
      // FP32 scores: within float precision of the double ones
      expected.forEach((e, i) => expect(Math.abs(scores.data[i * 2 + 1] - e.malignant)).toBeLessThan(1e-6));
      const meta = await post(s.url, '/v2/models/cancer', undefined);
      expect(meta.body.versions).toEqual(['1', '2']);
      expect(meta.body.inputs).toHaveLength(30);
      // a bad row: 400 naming the column and row, and the server goes on
      const bad = await post(s.url, '/v1/models/cancer:predict', { instances: [rows[0], { ...rows[1], mean_radius: 'wide' }] });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/column 'mean_radius', row 1/);
      const missing = await post(s.url, '/v1/models/cancer/versions/9:predict', { instances: rows });
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatch(/no version 9/);
      expect((await post(s.url, '/v1/models/cancer:predict', { instances: rows })).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 120_000);

  it('ten alias moves under a steady load: no failed and no mis-versioned request', async () => {
    const s = await serve(['--project', project, '--port', '0', '--log-sample', '0']);
    const store = openProject(project);
    try {
      // the row of the first 50 whose scores differ most between the versions
      const many = csvRows(50);
      const all: number[][] = [];
      for (const v of [1, 2]) all.push((await post(s.url, `/v1/models/cancer/versions/${v}:predict`, { instances: many })).body.predictions.map((p: { scores: { malignant: number } }) => p.scores.malignant));
      let best = 0;
      for (let i = 1; i < many.length; i++) if (Math.abs(all[0][i] - all[1][i]) > Math.abs(all[0][best] - all[1][best])) best = i;
      const row = many[best];
      const score: Record<string, number> = {};
      for (const v of [1, 2]) score[`cancer:${v}`] = (await post(s.url, `/v1/models/cancer/versions/${v}:predict`, { instances: [row] })).body.predictions[0].scores.malignant;
      expect(Math.abs(score['cancer:1'] - score['cancer:2'])).toBeGreaterThan(1e-9);
      interface Sample {
        sent: number;
        done: number;
        status: number;
        version: string;
        score: number;
      }
      const samples: Sample[] = [];
      let running = true;
      const client = async () => {
        while (running) {
          const sent = performance.now();
          const a = await post(s.url, '/v1/models/cancer:predict', { instances: [row] }, {}, true).catch(() => ({ status: 0, version: '', body: null }));
          samples.push({ sent, done: performance.now(), status: a.status, version: a.version, score: a.body?.predictions?.[0]?.scores?.malignant ?? NaN });
        }
      };
      const clients = [client(), client(), client(), client()];
      const moves: { at: number; version: number }[] = [{ at: 0, version: 1 }];
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 10; i++) {
        const to = i % 2 === 0 ? 2 : 1;
        const before = performance.now();
        setAlias(store, 'cancer', 'champion', to, { via: 'serve-cli.test', reason: `move ${i + 1}` });
        moves.push({ at: before, version: to });
        await new Promise((r) => setTimeout(r, 1500));
      }
      running = false;
      await Promise.all(clients);
      expect(samples.length).toBeGreaterThan(100);
      const failed = samples.filter((x) => x.status !== 200);
      expect(failed).toEqual([]);
      // each answer comes from the version its header names
      const misversioned = samples.filter((x) => x.score !== score[x.version]);
      expect(misversioned).toEqual([]);
      // and that version is the alias's when the request was read: before a move, the old one;
      // from 1 s after it (the contract's bound) until the next move, the new one
      for (const x of samples) {
        const i = moves.findLastIndex((m) => m.at <= x.sent);
        const current = moves[i];
        const next = moves[i + 1];
        if (next && x.done > next.at) continue; // straddles the next move
        if (x.sent >= current.at + 1000) expect(x.version, `request sent ${Math.round(x.sent - current.at)} ms after a move to ${current.version}`).toBe(`cancer:${current.version}`);
        else expect([`cancer:${current.version}`, `cancer:${moves[Math.max(0, i - 1)].version}`]).toContain(x.version);
      }
      const switched = new Set(samples.map((x) => x.version));
      expect(switched).toEqual(new Set(['cancer:1', 'cancer:2']));
    } finally {
      setAlias(store, 'cancer', 'champion', 1, { via: 'serve-cli.test' });
      store.close();
      expect(await s.stop()).toBe(0);
    }
  }, 180_000);

  it('logs predictions in the project and attaches feedback labels by request id', async () => {
    const s = await serve(['--project', project, '--port', '0']);
    const a = await post(s.url, '/v1/models/cancer:predict', { instances: rows.slice(0, 2) }, { 'x-request-id': 'fb-test-1' });
    expect(a.status).toBe(200);
    const fb = await post(s.url, '/v1/feedback', { request_id: 'fb-test-1', label: ['malignant', 'benign'] });
    expect(fb.body).toEqual({ request_id: 'fb-test-1', rows: 2 });
    expect(await s.stop()).toBe(0);
    const store = openProject(project, { readonly: true });
    const logged = readPredictions(store, { model: 'cancer' }).filter((r) => r.requestId === 'fb-test-1');
    store.close();
    expect(logged.map((r) => [r.version, r.alias, r.label])).toEqual([
      [1, 'champion', 'malignant'],
      [1, 'champion', 'benign'],
    ]);
    expect(logged[0].inputs.mean_radius).toBe(rows[0].mean_radius);
    expect(logged[1].prediction).toEqual(a.body.predictions[1]);
  }, 120_000);

  it('serves an exported model file, and runs N workers on one port', async () => {
    const file = join(dir, 'cancer-v2.model.json');
    expect(cli(['models', 'export', 'cancer:2', '--project', project, '-o', file]).status).toBe(0);
    const s = await serve(['--model-file', file, '--port', '0', '--workers', '2']);
    try {
      const expected = predictScores('cancer:2');
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(s.url, '/v1/models/cancer:predict', { instances: rows })));
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.version).toBe('cancer:2');
        expect(Math.abs(a.body.predictions[3].scores.malignant - expected[3].malignant)).toBeLessThan(1e-6);
      }
      const workers = spawnSync('ps', ['-o', 'pid=', '--ppid', String(s.proc.pid)], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean);
      expect(workers).toHaveLength(2);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 120_000);

  it('deploy.serve: under pipewright run one real prediction on a free port, then stop; in the app a server that stays, is listed and stopped', async () => {
    const example = YAML.parse(readFileSync(join(dir, 'cancer.pipeline.yaml'), 'utf8'));
    example.nodes.serve = { type: 'deploy.serve', inputs: { model: 'register.model' }, params: { name: 'cancer' } };
    writeFileSync(join(dir, 'cancer-serve.pipeline.yaml'), YAML.stringify(example));
    const r = cli(['run', 'cancer-serve.pipeline.yaml', '--project', project, '--param', 'seed=42', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const serveNode = JSON.parse(r.stdout).nodes.serve;
    expect(serveNode.status).toBe('succeeded');
    const store = openProject(project);
    try {
      const endpoint = store.artifactJson(serveNode.outputs.endpoint.hash) as { url: string; longLived: boolean; version: number; prediction: { label: string } };
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(endpoint.longLived).toBe(false);
      expect(['benign', 'malignant']).toContain(endpoint.prediction.label);
      // it stopped: nothing listens there any more
      await expect(post(endpoint.url, '/v2/health/live', undefined)).rejects.toThrow(/ECONNREFUSED/);

      const servers = new ServerRegistry();
      const up = await servers.serve(store, { name: 'cancer', host: '127.0.0.1', port: 0 });
      expect(up.longLived).toBe(true);
      const again = await servers.serve(store, { name: 'cancer', host: '127.0.0.1', port: 0 });
      expect(again.url).toBe(up.url); // a re-run updates the running server, it does not start another
      const a = await post(up.url, '/v1/models/cancer:predict', { instances: rows.slice(0, 2) });
      expect(a.status).toBe(200);
      const listed = servers.list();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ name: 'cancer', url: up.url, version: 1 });
      expect(listed[0].stats.requests).toBe(1);
      // the Serving page's try-it: the schema, then one row through the server's own route
      const schema = servers.inputs(listed[0].id);
      expect(schema).toMatchObject({ name: 'cancer', version: 1, task: 'classification' });
      expect(schema.inputs.map((i) => i.name)).toEqual(Object.keys(rows[0]));
      const one = await servers.predict(listed[0].id, rows[0]);
      expect(one).toMatchObject({ status: 200, version: 1 });
      expect((one.body as { predictions: unknown[] }).predictions).toHaveLength(1);
      const bad = await servers.predict(listed[0].id, { ...rows[0], [schema.inputs[0].name]: 'lots', extra: 1 });
      expect(bad.status).toBe(400);
      expect(servers.list()[0].stats.requests).toBe(3); // counted like any client's requests
      expect(await servers.stop(listed[0].id)).toBe(true);
      expect(servers.list()).toEqual([]);
      expect(() => servers.inputs(listed[0].id)).toThrow(/no running server .*cancer \(it was stopped\)/);
      await expect(servers.predict(listed[0].id, rows[0])).rejects.toThrow(/no running server/);
      await expect(post(up.url, '/v2/health/live', undefined)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      store.close();
    }
  }, 180_000);

  it('refuses, with exit 2 naming the problem: a public host without a token, a port in use, an unknown model', async () => {
    const open = cli(['serve', '--project', project, '--host', '0.0.0.0', '--port', '0']);
    expect(open.status).toBe(2);
    expect(open.stderr).toMatch(/--host 0\.0\.0\.0 is not a loopback address: give --token T .* or --no-auth/);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const busy = cli(['serve', '--project', project, '--port', String(port)]);
      expect(busy.status).toBe(2);
      expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      taken.close();
    }
    const unknown = cli(['serve', '--project', project, '--model', 'nope', '--port', '0']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--model nope: no registered model "nope"/);
    const kserve = cli(['export-model', 'cancer', '--project', project, '--to', 'kserve', '--image', 'ghcr.io/acme/runner:1', '--storage-uri', 's3://m/cancer/']);
    expect(kserve.status).toBe(0);
    expect(kserve.stdout).toContain('/mnt/models/cancer-v1.model.json');
  }, 120_000);
});
