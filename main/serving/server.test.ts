/**
 * The model server's HTTP layer against a small hand-written ServingModel (test/helpers):
 * both protocols, every error status, hostile clients, live alias moves, traffic split, shadow
 * and the prediction log. test/integration/serve-cli.test.ts serves real registered models.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testModel, type TestModel } from '../../test/helpers/serving-model';
import { openProject, type ProjectStore } from '../store/project-store';
import { fixedSource, ModelTable, type ModelSource, type ModelState } from './model-table';
import { PredictionLog, readPredictions } from './prediction-log';
import { startModelServer, type ModelServer, type ModelServerOptions } from './server';

const dir = mkdtempSync(join(tmpdir(), 'pw-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A registry in memory: change `data` and bump `rev`, as the registry's change signal does. */
function memorySource(models: TestModel[], data: Record<string, ModelState>) {
  const src = {
    rev: 1,
    data,
    loads: [] as string[],
    revision: () => src.rev,
    state: () => structuredClone(src.data),
    async load(name: string, version: number) {
      src.loads.push(`${name}:${version}`);
      if (!models.some((x) => x.name === name && x.version === version)) throw new Error(`no ${name}:${version}`);
      // a fresh instance per load, as the registry gives (dispose frees it)
      return testModel(name, version);
    },
  };
  return src;
}

const servers: ModelServer[] = [];
const tables: ModelTable[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const t of tables.splice(0)) t.close();
});

async function serve(source: ModelSource, opts: Partial<ModelServerOptions> = {}): Promise<ModelServer> {
  const table = await ModelTable.open(source, { pollMs: 50 });
  tables.push(table);
  const s = await startModelServer({ table, port: 0, ...opts });
  servers.push(s);
  return s;
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // a parsed JSON answer, read loosely by the assertions
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

function call(s: ModelServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = httpRequest(
      { host: '127.0.0.1', port: s.port, method, path, headers: { ...(text !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(t);
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text: t });
        });
      },
    );
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

const row = { radius: 14.5, count: 3, smoker: true, kind: 'a' };
const row2 = { radius: 9.1, count: 12, smoker: false, kind: null };

describe('TF Serving REST (v1)', () => {
  it('status, metadata and predict (rows and columns), by name, version and label, with the version header', async () => {
    const v1 = testModel('cancer', 1);
    const v2 = testModel('cancer', 2);
    const src = memorySource([v1, v2], { cancer: { versions: [1, 2], aliases: { champion: 1, challenger: 2 } } });
    const s = await serve(src);

    const status = await call(s, 'GET', '/v1/models/cancer');
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      model_version_status: [
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
    expect(status.headers['x-pipewright-model-version']).toBe('cancer:1'); // champion
    expect((await call(s, 'GET', '/v1/models/cancer/versions/2')).body.model_version_status).toHaveLength(1);
    expect((await call(s, 'GET', '/v1/models/cancer/labels/challenger')).headers['x-pipewright-model-version']).toBe('cancer:2');

    const meta = await call(s, 'GET', '/v1/models/cancer/labels/challenger/metadata');
    expect(meta.body).toEqual({
      model_spec: { name: 'cancer', version: '2' },
      metadata: {
        inputs: [
          { name: 'radius', type: 'DOUBLE' },
          { name: 'count', type: 'BIGINT' },
          { name: 'smoker', type: 'BOOLEAN' },
          { name: 'kind', type: 'VARCHAR' },
        ],
        task: 'classification',
        classes: ['B', 'M'],
      },
    });

    const p = await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row, row2] });
    expect(p.status).toBe(200);
    expect(p.headers['x-pipewright-model-version']).toBe('cancer:1');
    const s1 = v1.score(row);
    expect(p.body.predictions[0].label).toBe(s1 >= 0.5 ? 'M' : 'B');
    expect(p.body.predictions[0].scores.M).toBeCloseTo(s1, 12);
    expect(p.body.predictions[1].scores.B).toBeCloseTo(1 - v1.score(row2), 12);

    const pinned = await call(s, 'POST', '/v1/models/cancer/versions/2:predict', { inputs: { radius: [14.5, 9.1], count: [3, 12], smoker: [true, false], kind: ['a', null] } });
    expect(pinned.headers['x-pipewright-model-version']).toBe('cancer:2');
    expect(pinned.body.outputs.label).toHaveLength(2);
    expect(pinned.body.outputs.scores[0][1]).toBeCloseTo(v2.score(row), 12);
    expect(pinned.body.outputs.scores[1][0]).toBeCloseTo(1 - v2.score(row2), 12);
    // x-request-id is echoed, or a new one is made
    expect((await call(s, 'GET', '/v1/models/cancer', undefined, { 'x-request-id': 'abc-1' })).headers['x-request-id']).toBe('abc-1');
    expect((await call(s, 'GET', '/v1/models/cancer')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('404 names the unknown model, version or alias; without champion NAME means the latest version', async () => {
    const src = memorySource([testModel('cancer', 1), testModel('cancer', 3)], { cancer: { versions: [1, 3], aliases: {} } });
    const s = await serve(src);
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).headers['x-pipewright-model-version']).toBe('cancer:3');
    const unknown = await call(s, 'POST', '/v1/models/nope:predict', { instances: [row] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/model 'nope'/);
    const version = await call(s, 'GET', '/v1/models/cancer/versions/2');
    expect(version.status).toBe(404);
    expect(version.body.error).toMatch(/model 'cancer' has no version 2/);
    const alias = await call(s, 'POST', '/v1/models/cancer/labels/staging:predict', { instances: [row] });
    expect(alias.status).toBe(404);
    expect(alias.body.error).toMatch(/no alias 'staging'/);
    expect((await call(s, 'GET', '/v2/models/cancer/versions/x')).status).toBe(404);
  });

  it('400 names the column and the row, and the server keeps serving', async () => {
    const s = await serve(fixedSource(testModel('cancer', 1)));
    const cases: [unknown, RegExp][] = [
      [{ instances: [row, { ...row, radius: 'big' }] }, /column 'radius', row 1: expected a number/],
      [{ instances: [row, row, { ...row, count: 2.5 }] }, /column 'count', row 2: expected a whole number/],
      [{ instances: [{ radius: 1, count: 1, smoker: true }] }, /row 0: missing column 'kind'/],
      [{ instances: [{ ...row, extra: 1 }] }, /row 0: unknown column 'extra'/],
      [{ instances: [{ ...row, radius: null }] }, /column 'radius', row 0: a missing value \(null\) is not accepted/],
      [{ instances: [row, 7] }, /row 1: a row is an object/],
      [{ inputs: { radius: [1, 2], count: [1], smoker: [true, true], kind: ['a', 'b'] } }, /column 'count': 1 values where the other columns have 2/],
      [{ inputs: { radius: [1], count: [1], smoker: ['yes'], kind: ['a'] } }, /column 'smoker', row 0: expected true or false/],
      [{ instances: [row], inputs: {} }, /exactly one of "instances"/],
      [{ instances: [] }, /non-empty/],
      [[row], /JSON object/],
      [{ instancez: [row] }, /unknown key 'instancez'/],
    ];
    for (const [body, message] of cases) {
      const r = await call(s, 'POST', '/v1/models/cancer:predict', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatch(message);
      expect(r.headers['x-pipewright-model-version']).toBe('cancer:1');
    }
    // null is accepted where the model imputes (kind)
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row2] })).status).toBe(200);
  });
});

describe('Open Inference Protocol (v2)', () => {
  it('health, server and model metadata, ready, and typed-tensor inference', async () => {
    const m = testModel('cancer', 4);
    const s = await serve(fixedSource(m));
    expect((await call(s, 'GET', '/v2/health/live')).status).toBe(200);
    expect((await call(s, 'GET', '/v2/health/ready')).status).toBe(200);
    expect((await call(s, 'GET', '/v2')).body).toMatchObject({ name: 'pipewright', extensions: [] });
    const meta = await call(s, 'GET', '/v2/models/cancer');
    expect(meta.body).toEqual({
      name: 'cancer',
      versions: ['4'],
      platform: 'pipewright',
      inputs: [
        { name: 'radius', datatype: 'FP64', shape: [-1] },
        { name: 'count', datatype: 'INT64', shape: [-1] },
        { name: 'smoker', datatype: 'BOOL', shape: [-1] },
        { name: 'kind', datatype: 'BYTES', shape: [-1] },
      ],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'scores', datatype: 'FP32', shape: [-1, 2] },
      ],
    });
    expect((await call(s, 'GET', '/v2/models/cancer/versions/4/ready')).body).toEqual({ name: 'cancer', ready: true });
    const infer = await call(s, 'POST', '/v2/models/cancer/versions/4/infer', {
      id: 'q1',
      inputs: [
        { name: 'radius', shape: [2], datatype: 'FP32', data: [14.5, 9.1] },
        { name: 'count', shape: [2, 1], datatype: 'INT64', data: [[3], [12]] },
        { name: 'smoker', shape: [2], datatype: 'BOOL', data: [true, false] },
        { name: 'kind', shape: [2], datatype: 'BYTES', data: ['a', null] },
      ],
    });
    expect(infer.status).toBe(200);
    expect(infer.headers['x-pipewright-model-version']).toBe('cancer:4');
    expect(infer.body.model_name).toBe('cancer');
    expect(infer.body.model_version).toBe('4');
    expect(infer.body.id).toBe('q1');
    const [label, scores] = infer.body.outputs;
    expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [2] });
    expect(scores).toMatchObject({ name: 'scores', datatype: 'FP32', shape: [2, 2] });
    expect(scores.data[1]).toBeCloseTo(m.score(row), 6);
    expect(scores.data[2]).toBeCloseTo(1 - m.score(row2), 6);
    // only the outputs asked for
    const only = await call(s, 'POST', '/v2/models/cancer/infer', {
      inputs: [
        { name: 'radius', shape: [1], datatype: 'FP64', data: [14.5] },
        { name: 'count', shape: [1], datatype: 'INT64', data: [3] },
        { name: 'smoker', shape: [1], datatype: 'BOOL', data: [true] },
        { name: 'kind', shape: [1], datatype: 'BYTES', data: ['a'] },
      ],
      outputs: [{ name: 'label' }],
    });
    expect(only.body.outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
  });

  it('400 for a tensor that does not fit its column, naming it', async () => {
    const s = await serve(fixedSource(testModel('cancer', 1)));
    const good = [
      { name: 'radius', shape: [1], datatype: 'FP64', data: [1] },
      { name: 'count', shape: [1], datatype: 'INT64', data: [3] },
      { name: 'smoker', shape: [1], datatype: 'BOOL', data: [true] },
      { name: 'kind', shape: [1], datatype: 'BYTES', data: ['a'] },
    ];
    const swap = (i: number, t: object) => good.map((g, j) => (j === i ? { ...g, ...t } : g));
    const cases: [unknown, RegExp][] = [
      [{ inputs: swap(0, { datatype: 'BYTES', data: ['1'] }) }, /input 'radius': datatype BYTES does not fit the column's type DOUBLE/],
      [{ inputs: swap(1, { data: [3.5] }) }, /column 'count', row 0: expected a whole number/],
      [{ inputs: swap(0, { shape: [2] }) }, /input 'radius': shape \[2\] needs 2 values, "data" has 1/],
      [{ inputs: swap(0, { shape: [1, 3] }) }, /input 'radius': shape must be \[n\]/],
      [{ inputs: good.slice(1) }, /missing input 'radius'/],
      [{ inputs: [...good, good[0]] }, /input 'radius' is given twice/],
      [{ inputs: swap(3, { name: '__proto__' }) }, /unknown column '__proto__'/],
      [{ inputs: swap(0, { datatype: 'COMPLEX' }) }, /datatype "COMPLEX" is not one of/],
      [{ inputs: good, outputs: [{ name: 'probabilities' }] }, /unknown output "probabilities"/],
    ];
    for (const [body, message] of cases) {
      const r = await call(s, 'POST', '/v2/models/cancer/infer', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    expect((await call(s, 'POST', '/v2/models/cancer/infer', { inputs: good })).status).toBe(200);
  });
});

describe('guards: token, Host, body size, routes, hostile clients', () => {
  it('a token guards every endpoint but the health checks (401); a bad Host on loopback is 403', async () => {
    const s = await serve(fixedSource(testModel('cancer', 1)), { token: 's3cret' });
    expect((await call(s, 'GET', '/v2/health/live')).status).toBe(200);
    expect((await call(s, 'GET', '/v2/health/ready')).status).toBe(200);
    const no = await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] });
    expect(no.status).toBe(401);
    expect(no.headers['www-authenticate']).toBe('Bearer');
    expect((await call(s, 'GET', '/v1/models/cancer', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] }, { authorization: 'Bearer s3cret' })).status).toBe(200);
    const rebound = await call(s, 'GET', '/v2/health/live', undefined, { host: `evil.example:${s.port}` });
    expect(rebound.status).toBe(403);
    expect((await call(s, 'GET', '/v2/health/live', undefined, { host: `localhost:${s.port}` })).status).toBe(200);
  });

  it('405 for another method on a known path, 404 for other paths, 413 over 16 MiB without reading the rest', async () => {
    const m = testModel('cancer', 1);
    const s = await serve(fixedSource(m));
    const wrong = await call(s, 'GET', '/v1/models/cancer:predict');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect((await call(s, 'DELETE', '/v1/models/cancer')).status).toBe(405);
    const none = await call(s, 'GET', '/admin');
    expect(none.status).toBe(404);
    expect(none.body.error).toMatch(/no endpoint GET \/admin/);
    // declared too large: refused before a byte of body is read
    const declared = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/v1/models/cancer:predict', headers: { 'content-length': String(17 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"instances":[');
    });
    expect(declared).toBe(413);
    // streamed (chunked) past the limit: 413 once it passes 16 MiB
    const chunked = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      let done = false;
      const req = httpRequest({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/v1/models/cancer:predict' }, (res) => {
        done = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sent });
      });
      req.on('error', (e) => (done ? undefined : reject(e)));
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (!done && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(chunked.status).toBe(413);
    expect(chunked.sent).toBeLessThan(64 * 1024 * 1024); // it did not wait for the whole body
    expect(m.calls).toBe(0);
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).status).toBe(200);
  });

  it('malformed JSON, prototype keys, a huge number of columns and wrong types are 400s; no prototype changes', async () => {
    const m = testModel('cancer', 1);
    const s = await serve(fixedSource(m));
    for (const text of ['{', '{"instances": [', 'null', '"text"', '', '{"instances": [1e999999]}']) {
      const r = await call(s, 'POST', '/v1/models/cancer:predict', text);
      expect(r.status, text).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    const proto = await call(s, 'POST', '/v1/models/cancer:predict', '{"instances":[{"__proto__":{"polluted":true},"radius":1,"count":1,"smoker":true,"kind":"a"}]}');
    expect(proto.status).toBe(400);
    expect(proto.body.error).toMatch(/unknown column '__proto__'/);
    const ctor = await call(s, 'POST', '/v1/models/cancer:predict', { inputs: { constructor: [1], radius: [1], count: [1], smoker: [true], kind: ['a'] } });
    expect(ctor.body.error).toMatch(/unknown column 'constructor'/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const wide: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) wide[`c${i}`] = i;
    const huge = await call(s, 'POST', '/v1/models/cancer:predict', { instances: [wide] });
    expect(huge.status).toBe(400);
    expect(huge.body.error).toMatch(/unknown column 'c0'/);
    expect(huge.body.error.length).toBeLessThan(400);
    const nested = await call(s, 'POST', '/v2/models/cancer/infer', { inputs: [{ name: 'radius', shape: [1], datatype: 'FP64', data: [[[[1]]]] }] });
    expect(nested.status).toBe(400);
    expect(m.calls).toBe(0);
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).status).toBe(200);
  });

  it('a client that sends half a body and stalls is cut off; others are served meanwhile', async () => {
    const s = await serve(fixedSource(testModel('cancer', 1)), { requestTimeoutMs: 800, headersTimeoutMs: 800 });
    const closed = new Promise<string>((resolve) => {
      const sock = connect(s.port, '127.0.0.1', () => {
        sock.write(`POST /v1/models/cancer:predict HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Length: 1000\r\n\r\n{"instances":`);
      });
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
    });
    const headersOnly = new Promise<void>((resolve) => {
      const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0'));
      sock.resume();
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    // served while both stall
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).status).toBe(200);
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    await headersOnly;
    expect((await call(s, 'GET', '/v2/health/live')).status).toBe(200);
  });
});

describe('dynamic batching', () => {
  it('requests that arrive while the model is busy share one prediction, each gets its own rows back; a bad row fails only its request', async () => {
    const m = testModel('cancer', 1, { delayMs: 30 });
    const s = await serve(fixedSource(m));
    const rowsOf = (k: number) => Array.from({ length: 1 + (k % 3) }, (_, j) => ({ ...row, radius: k * 10 + j, count: k }));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, k) => call(s, 'POST', '/v1/models/cancer:predict', { instances: rowsOf(k) })));
    answers.forEach((a, k) => {
      expect(a.status).toBe(200);
      const want = rowsOf(k);
      expect(a.body.predictions).toHaveLength(want.length);
      want.forEach((r, j) => expect(a.body.predictions[j].scores.M).toBeCloseTo(m.score(r), 12));
    });
    expect(m.calls).toBeLessThan(12);
    expect(Math.max(...m.batches)).toBeGreaterThan(3);
    const mixed = await Promise.all([
      call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] }),
      call(s, 'POST', '/v1/models/cancer:predict', { instances: [row, row] }),
      call(s, 'POST', '/v1/models/cancer:predict', { instances: [row, { ...row, kind: 'reject' }] }),
      call(s, 'POST', '/v1/models/cancer:predict', { instances: [row2] }),
    ]);
    expect(mixed.map((a) => a.status)).toEqual([200, 200, 400, 200]);
    expect(mixed[2].body.error).toMatch(/column 'kind', row 1: the model does not know the category 'reject'/);
    expect(mixed[3].body.predictions[0].scores.M).toBeCloseTo(m.score(row2), 12);
  });
});

describe('live registry changes', () => {
  it('an alias move switches within a second, loads the new version first and disposes the old one after its request', async () => {
    const models = [testModel('cancer', 1), testModel('cancer', 2)];
    const src = memorySource(models, { cancer: { versions: [1, 2], aliases: { champion: 1 } } });
    const s = await serve(src);
    expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).headers['x-pipewright-model-version']).toBe('cancer:1');
    const table = tables[tables.length - 1];
    const old = table.routing.loaded.get('cancer:1')!;
    src.data.cancer = { versions: [1, 2], aliases: { champion: 2 } };
    src.rev++;
    const moved = Date.now();
    let version = '';
    while (version !== 'cancer:2') {
      expect(Date.now() - moved).toBeLessThan(1000);
      version = String((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).headers['x-pipewright-model-version']);
    }
    expect(old.retired).toBe(true);
    expect(old.disposed).toBe(true);
    // a pinned request still reaches version 1 (loaded again on demand)
    const pinned = await call(s, 'POST', '/v1/models/cancer/versions/1:predict', { instances: [row] });
    expect(pinned.headers['x-pipewright-model-version']).toBe('cancer:1');
    expect(pinned.body.predictions[0].scores.M).toBeCloseTo(models[0].score(row), 12);
  });

  it('traffic split between aliases follows the percentages; a shadow answer is logged, never returned', async () => {
    const store: ProjectStore = openProject(join(dir, 'split.pwproj'), { create: true });
    const log = new PredictionLog(store, { flushMs: 60_000 });
    const models = [testModel('cancer', 1), testModel('cancer', 2), testModel('cancer', 3)];
    const src = memorySource(models, {
      cancer: { versions: [1, 2, 3], aliases: { champion: 1, challenger: 2, shadowed: 3 }, traffic: [{ alias: 'champion', percent: 75 }, { alias: 'challenger', percent: 25 }], shadow: 'shadowed' },
    });
    let i = 0;
    const s = await serve(src, { log, store, random: () => (i++ % 4) / 4 + 0.01 });
    const seen: string[] = [];
    for (let k = 0; k < 8; k++) {
      const r = await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] }, { 'x-request-id': `req-${k}` });
      seen.push(String(r.headers['x-pipewright-model-version']));
      expect(r.body.predictions).toHaveLength(1);
    }
    expect(seen.filter((v) => v === 'cancer:1')).toHaveLength(6);
    expect(seen.filter((v) => v === 'cancer:2')).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 50)); // the shadow runs after the answer
    log.flush();
    const rows = readPredictions(store, { model: 'cancer', shadow: true });
    expect(rows.filter((r) => !r.shadow)).toHaveLength(8);
    const shadows = rows.filter((r) => r.shadow);
    expect(shadows).toHaveLength(8);
    expect(shadows.every((r) => r.version === 3 && r.alias === 'shadowed')).toBe(true);
    expect((shadows[0].prediction as { scores: Record<string, number> }).scores.M).toBeCloseTo(models[2].score(row), 12);
    expect(rows.find((r) => !r.shadow && r.requestId === 'req-3')?.alias).toBe('challenger');
    // a pinned request is neither split nor shadowed
    await call(s, 'POST', '/v1/models/cancer/labels/champion:predict', { instances: [row] }, { 'x-request-id': 'pinned' });
    log.flush();
    expect(readPredictions(store, { model: 'cancer', shadow: true }).filter((r) => r.requestId === 'pinned')).toHaveLength(1);

    // the split ends: champion only
    src.data.cancer = { ...src.data.cancer, traffic: null, shadow: null };
    src.rev++;
    await new Promise((r) => setTimeout(r, 200));
    for (let k = 0; k < 4; k++) expect((await call(s, 'POST', '/v1/models/cancer:predict', { instances: [row] })).headers['x-pipewright-model-version']).toBe('cancer:1');

    // feedback by request id
    const fb = await call(s, 'POST', '/v1/feedback', { request_id: 'req-1', label: 'M' });
    expect(fb.body).toEqual({ request_id: 'req-1', rows: 1 });
    expect(readPredictions(store, { model: 'cancer' }).find((r) => r.requestId === 'req-1')?.label).toBe('M');
    expect((await call(s, 'POST', '/v1/feedback', { request_id: 'x', label: 'M', drop: 'table' })).status).toBe(400);
    log.close();
    store.close();
  });
});
