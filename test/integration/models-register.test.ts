/**
 * `pipewright models register FILE` (main/registry/register-file.ts) on a real model: the
 * breast-cancer example run by `pipewright run` in project A, then trained again node by node with
 * `pipewright run-node` as an Argo workflow would (load → split → scale → train → evaluate), and
 * the `model` file that step wrote (with its `model.sha256`) registered into a second project B.
 * `predict` and `serve` on bc-argo:1 give the numbers of the original file and of A's own
 * registered model on the same rows, to 1e-6; lineage says it came from the file.
 *
 * Hostile files (a non-model JSON, tensors and shapes that disagree, a NaN weight, a wrong
 * sha256 beside it, a huge file, a symlink to a device or a FIFO, a folder, a chain step that would
 * run code, a non-numeric metric): each is refused with exit 2 naming the file and what is wrong,
 * and B's files are byte for byte what they were (nothing was opened for writing).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Lineage } from '../../shared/history';
import type { RunSummary } from '../../shared/run';
import { cli } from '../helpers/cli-main';
import { parseCsv } from '../helpers/csv';
import { startServe } from '../helpers/serve-process';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const DATA = join(ROOT, 'resources', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-models-register-'));
const A = join(dir, 'A.pwproj');
const B = join(dir, 'B.pwproj');
const children: ChildProcess[] = [];
let run: RunSummary;

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const at = (...p: string[]): string => join(dir, ...p);

/** `pipewright run-node` as one Argo step: inputs copied into their own folder, outputs (and .sha256) into `out`. */
async function step(node: string, inputs: Record<string, string>, out: string): Promise<void> {
  const inDir = at(`in-${node}`);
  mkdirSync(inDir, { recursive: true });
  for (const [port, file] of Object.entries(inputs)) copyFileSync(file, join(inDir, port));
  const r = await cli(['run-node', 'bc.pipeline.yaml', '--node', node, '--in', inDir, '--out', at(out)], dir);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  // serve runs as a real process from dist/
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-node.mjs')], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  const example = YAML.parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));
  example.nodes.load.params.path = DATA;
  writeFileSync(at('bc.pipeline.yaml'), YAML.stringify(example));
  const r = await cli(['run', 'bc.pipeline.yaml', '--project', A, '--json'], dir);
  expect(r.code, r.stderr).toBe(0);
  run = JSON.parse(r.stdout) as RunSummary;
  // the same pipeline as Argo runs it: one node a step, artifacts as files
  mkdirSync(at('empty'));
  await step('load', {}, 'load');
  await step('split', { table: at('load', 'table') }, 'split');
  await step('scale', { train: at('split', 'train'), test: at('split', 'test') }, 'scale');
  await step('train', { train: at('scale', 'train') }, 'train');
  await step('evaluate', { model: at('train', 'model'), test: at('scale', 'test') }, 'evaluate');
  copyFileSync(at('scale', 'test'), at('scaled-test.parquet'));
  copyFileSync(at('split', 'test'), at('raw-test.parquet'));
}, 300_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** B's files (the project and any -wal/-shm beside it) by name and sha256. */
function projectFiles(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.startsWith('B.pwproj'))
      .sort()
      .map((f) => [f, sha256(readFileSync(at(f)))]),
  );
}

/** predict's CSV: the label and the malignant score of each row. */
function predictions(file: string): { label: string; score: number }[] {
  const { header, rows } = parseCsv(readFileSync(file, 'utf8'));
  const l = header.indexOf('label');
  const s = header.indexOf('score_malignant');
  return rows.map((r) => ({ label: r[l], score: Number(r[s]) }));
}

function expectSame(a: { label: string; score: number }[], b: { label: string; score: number }[]): void {
  expect(a.length).toBe(b.length);
  expect(a.map((x) => x.label)).toEqual(b.map((x) => x.label));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i].score - b[i].score), `row ${i}`).toBeLessThan(1e-6);
}

interface Answer {
  predictions: { label: string; scores: Record<string, number> }[];
  outputs: { name: string; data: number[] }[];
}

function post(url: string, path: string, body: unknown): Promise<{ status: number; version: string; body: Answer }> {
  return new Promise((done, reject) => {
    const u = new URL(path, url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, version: String(res.headers['x-pipewright-model-version'] ?? ''), body: JSON.parse(t) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('pipewright models register FILE', () => {
  it('registers the model.json an Argo run-node step wrote; predict and serve give the numbers of the original file and of the run', async () => {
    // run-node trained the very model the run did (same bytes), and wrote its sha256 beside it
    const model = at('train', 'model');
    expect(readFileSync(`${model}.sha256`, 'utf8')).toBe(sha256(readFileSync(model)));
    expect(sha256(readFileSync(model))).toBe(run.nodes.train.outputs!.model.hash);

    const r = await cli(['models', 'register', 'train/model', '--project', B, '--name', 'bc-argo', '--alias', 'champion', '--reason', 'trained in Argo', '--metrics', 'evaluate/metrics', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: 'bc-argo', version: 1, created: true, aliasMoved: { alias: 'champion', from: null }, kind: 'trainer', source: { kind: 'file', path: model, sha256: sha256(readFileSync(model)) } });
    expect(out.inputs).toHaveLength(30);

    // the registry: version 1, champion, the evaluation's metrics, the file as its origin, the audit's reason
    const show = JSON.parse((await cli(['models', 'show', 'bc-argo', '--project', B, '--json'], dir)).stdout);
    expect(show.versions[0]).toMatchObject({ version: 1, run: null, node: null, aliases: ['champion'], task: 'classification', classes: ['benign', 'malignant'], source: { kind: 'file', path: model } });
    expect(show.versions[0].metrics.accuracy).toBe(run.nodes.evaluate.metrics.accuracy);
    expect(show.audit[0]).toMatchObject({ alias: 'champion', from: null, to: 1, via: 'pipewright models register', reason: 'trained in Argo' });
    const text = await cli(['models', 'show', 'bc-argo', '--project', B], dir);
    expect(text.stdout).toMatch(new RegExp(`^1 +file ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(sha256 ${sha256(readFileSync(model)).slice(0, 12)}\\)`, 'm'));
    const lineage = JSON.parse((await cli(['lineage', 'bc-argo:1', '--project', B, '--json'], dir)).stdout) as Lineage;
    expect(lineage).toMatchObject({ kind: 'model', hash: run.nodes.train.outputs!.model.hash, producedBy: null, registered: { name: 'bc-argo', version: 1 }, registeredFrom: { path: model, sha256: sha256(readFileSync(model)) } });
    expect((await cli(['lineage', 'bc-argo:1', '--project', B], dir)).stdout).toContain(`registered from the file ${model}  sha256 ${sha256(readFileSync(model))} (pipewright models register)`);

    // predict: B's version on the rows the trainer saw = the original file = A's registered model on the raw rows
    for (const [args, outFile] of [
      [['--project', B, '--model', 'bc-argo:1', '--in', 'scaled-test.parquet'], 'b.csv'],
      [['--model-file', 'train/model', '--in', 'scaled-test.parquet'], 'file.csv'],
      [['--project', A, '--model', 'breast-cancer@champion', '--in', 'raw-test.parquet'], 'a.csv'],
    ] as const) {
      const p = await cli(['predict', ...args, '--out', outFile], dir);
      expect(p.code, p.stderr).toBe(0);
    }
    const b = predictions(at('b.csv'));
    expect(b).toHaveLength(114);
    expectSame(b, predictions(at('file.csv')));
    expectSame(b, predictions(at('a.csv')));
    // and the evaluation's accuracy, counted from B's labels
    const { header, rows } = parseCsv(readFileSync(at('b.csv'), 'utf8'));
    const right = rows.filter((row) => row[header.indexOf('diagnosis')] === row[header.indexOf('label')]).length;
    expect(right / rows.length).toBeCloseTo(run.nodes.evaluate.metrics.accuracy, 12);

    // serve: the same numbers over both protocols, from version 1 by name
    const s = await startServe(CLI, ['--project', B, '--port', '0'], { cwd: dir, started: (p) => children.push(p) });
    try {
      const scaled = parseCsv(readFileSync(at('b.csv'), 'utf8'));
      const inputs: string[] = out.inputs.map((i: { name: string }) => i.name);
      const instances = scaled.rows.slice(0, 5).map((row) => Object.fromEntries(inputs.map((n) => [n, Number(row[scaled.header.indexOf(n)])])));
      const v1 = await post(s.url, '/v1/models/bc-argo:predict', { instances });
      expect(v1.status, JSON.stringify(v1.body)).toBe(200);
      expect(v1.version).toBe('bc-argo:1');
      const v2 = await post(s.url, '/v2/models/bc-argo/versions/1/infer', { inputs: inputs.map((n) => ({ name: n, shape: [5], datatype: 'FP64', data: instances.map((x) => x[n]) })) });
      expect(v2.status, JSON.stringify(v2.body)).toBe(200);
      const scores = v2.body.outputs.find((o) => o.name === 'scores')!.data;
      for (let i = 0; i < 5; i++) {
        expect(v1.body.predictions[i].label).toBe(b[i].label);
        expect(Math.abs(v1.body.predictions[i].scores.malignant - b[i].score)).toBeLessThan(1e-6);
        expect(Math.abs(scores[i * 2 + 1] - b[i].score)).toBeLessThan(1e-6);
      }
    } finally {
      expect(await s.stop()).toBe(0);
    }

    // the same file again is the same version, nothing new stored
    const again = await cli(['models', 'register', 'train/model', '--project', B, '--name', 'bc-argo', '--json'], dir);
    expect(JSON.parse(again.stdout)).toMatchObject({ version: 1, created: false });
  }, 240_000);

  it('registers a models export file with its row-wise chain: it predicts on raw rows as the run did', async () => {
    expect((await cli(['models', 'export', 'breast-cancer', '--project', A, '-o', 'bc.model.json'], dir)).code).toBe(0);
    const r = await cli(['models', 'register', 'bc.model.json', '--project', B, '--name', 'bc-full', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'bc-full', version: 1, created: true, kind: 'served' });
    // its metrics came with it (the run's evaluation)
    const show = JSON.parse((await cli(['models', 'show', 'bc-full', '--project', B, '--json'], dir)).stdout);
    expect(show.versions[0].metrics.accuracy).toBe(run.nodes.evaluate.metrics.accuracy);
    const p = await cli(['predict', '--project', B, '--model', 'bc-full', '--in', 'raw-test.parquet', '--out', 'full.csv'], dir);
    expect(p.code, p.stderr).toBe(0);
    expectSame(predictions(at('full.csv')), predictions(at('a.csv')));
  }, 120_000);
});

describe('models register refuses a hostile file, and writes nothing', () => {
  type Doc = { features: string[]; network: Record<string, unknown>; weights: { name: string; shape: number[]; data: string }[] };
  const good = (): Doc => JSON.parse(readFileSync(at('train', 'model'), 'utf8')) as Doc;
  /** the model with tensor 0 changed */
  const firstTensor = (change: Partial<Doc['weights'][number]>): Doc => ({ ...good(), weights: good().weights.map((w, i) => (i === 0 ? { ...w, ...change } : w)) });
  const put = (name: string, json: unknown): string => {
    writeFileSync(at(name), typeof json === 'string' ? json : JSON.stringify(json));
    return name;
  };
  const nanWeights = (): string => {
    const f = new Float32Array(30);
    f[3] = NaN;
    return Buffer.from(f.buffer).toString('base64');
  };

  const cases: [string, () => string, RegExp][] = [
    ['a JSON that is no model', () => put('package.json', { name: 'x', version: '1.0.0', scripts: { postinstall: 'touch /tmp/pwned' } }), /package\.json: not a Pipewright model \(no "format"/],
    ['not JSON at all', () => put('model.txt', 'PK\u0003\u0004 not json'), /model\.txt: not JSON/],
    ['a kernel whose shape disagrees with the layers', () => put('shape.json', firstTensor({ shape: [29, 1] })), /shape\.json: model weights\[0\] \(dense_0\/kernel\)\.shape: \[29,1\] where layer 0 needs \[30, 1\]/],
    ['a tensor with fewer bytes than its shape', () => put('bytes.json', firstTensor({ data: Buffer.from(new Float32Array(29).buffer).toString('base64') })), /bytes\.json: model weights\[0\] \(dense_0\/kernel\)\.data: 116 bytes where shape \[30, 1\] needs 120/],
    ['features that disagree with the network', () => put('features.json', { ...good(), features: good().features.slice(1) }), /features\.json: model preprocessing\.standardize\.mean: expected 29 numbers/],
    ['a NaN weight', () => put('nan.json', firstTensor({ data: nanWeights() })), /nan\.json: model weights\[0\] \(dense_0\/kernel\)\.data: value 3 is NaN/],
    ['an activation that is no activation', () => put('act.json', { ...good(), network: { ...good().network, activation: 'constructor' } }), /act\.json: model network\.activation: "constructor" is not one of relu/],
    [
      'a model changed after its step wrote it (the .sha256 beside it disagrees)',
      () => {
        put('changed', readFileSync(at('train', 'model'), 'utf8').replace('"trainer":"train.logistic_regression"', '"trainer":"train.logistic_regressioN"'));
        copyFileSync(at('train', 'model.sha256'), at('changed.sha256'));
        return 'changed';
      },
      /changed: its sha256 is [0-9a-f]{64}, but .*changed\.sha256 says [0-9a-f]{64}: the model file is not the one its step wrote/,
    ],
    [
      'a file beyond 64 MiB (sparse: refused before a byte is read)',
      () => {
        writeFileSync(at('huge.json'), '');
        truncateSync(at('huge.json'), 65 << 20);
        return 'huge.json';
      },
      /huge\.json: 65 MiB, more than a model file may be \(64 MiB\)/,
    ],
    [
      'a symlink to a device',
      () => {
        symlinkSync('/dev/zero', at('zero.json'));
        return 'zero.json';
      },
      /zero\.json: a device, not a model file/,
    ],
    [
      'a symlink to a FIFO nobody writes (never blocks)',
      () => {
        expect(spawnSync('mkfifo', [at('fifo')]).status).toBe(0);
        symlinkSync(at('fifo'), at('fifo.json'));
        return 'fifo.json';
      },
      /fifo\.json: a named pipe \(FIFO\), not a model file/,
    ],
    [
      'a folder',
      () => {
        mkdirSync(at('folder.json'));
        return 'folder.json';
      },
      /folder\.json: a folder, not a model file/,
    ],
    [
      'a model file whose chain would run code when served',
      () => {
        const exported = JSON.parse(readFileSync(at('bc.model.json'), 'utf8'));
        exported.chain.unshift({ type: 'features.code', node: 'evil', state: { code: 'globalThis.x = 1', columns: [] } });
        return put('code.model.json', exported);
      },
      /code\.model\.json: chain step evil \(features\.code\) runs code or reads a project's online store when it predicts/,
    ],
    [
      'a metrics file with a value that is not a number',
      () => {
        put('bad-metrics.json', { accuracy: '1; DROP TABLE model_versions' });
        return 'train/model --metrics bad-metrics.json';
      },
      /bad-metrics\.json: metric "accuracy" is "1; DROP TABLE model_versions", not a finite number/,
    ],
  ];

  it.each(cases)('%s', async (_what, make, message) => {
    const before = projectFiles();
    expect(Object.keys(before)).toContain('B.pwproj');
    const models = (await cli(['models', '--project', B, '--json'], dir)).stdout;
    const [file, ...more] = make().split(' ');
    const r = await cli(['models', 'register', file, ...more, '--project', B, '--name', 'evil', '--json'], dir);
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stdout).errors[0];
    expect(err.message).toMatch(message);
    // nothing written: the project's files are the same bytes, the registry the same
    expect(projectFiles()).toEqual(before);
    expect((await cli(['models', '--project', B, '--json'], dir)).stdout).toBe(models);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);

  it('never creates a project for a refused file', async () => {
    const r = await cli(['models', 'register', 'package.json', '--project', 'never.pwproj', '--name', 'x'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/package\.json: not a Pipewright model/);
    expect(readdirSync(dir).filter((f) => f.startsWith('never'))).toEqual([]);
  });

  it('a crafted __proto__ in a model neither pollutes nor survives: only the model fields are stored', async () => {
    const crafted = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${readFileSync(at('train', 'model'), 'utf8').slice(1)}`;
    put('proto.json', crafted);
    const r = await cli(['models', 'register', 'proto.json', '--project', B, '--name', 'proto', '--json'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const exported = at('proto.out.json');
    expect((await cli(['models', 'export', 'proto', '--project', B, '-o', exported], dir)).code).toBe(0);
    const text = readFileSync(exported, 'utf8');
    expect(text).not.toContain('polluted');
    expect(JSON.parse(text).model.features).toEqual(good().features);
  });
});
