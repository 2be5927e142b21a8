/**
 * The leases of `pipewright serve` processes (main/serving/lease.ts): a real `serve` child on a
 * temp project with a registered model writes a row saying where it listens and which version it
 * serves, with live figures, never its token; the app's `serving.list` lists it beside its own
 * servers; SIGTERM removes the row; kill -9 leaves one that is reported stopped at once (the
 * process is gone) and deleted a minute after its last heartbeat; `--workers 2` keeps one row
 * whose figures add up both workers'; unreadable rows planted in the project file are skipped.
 * The app's own deploy.serve servers (a real `npm run web` process running the pipeline) keep the
 * same rows, one per server: a second app on the project lists them (and can try them), Stop and
 * the app's Ctrl+C remove them, and kill -9 leaves one reported stopped.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { openProject, type ProjectStore } from '../../main/store/project-store';
import { FORGET_MS, forgetStoppedLeases, readLeases, STALE_MS, type LeaseView } from '../../main/serving/lease';
import { ServerStats } from '../../main/serving/server';
import { numericInputs, readCsvRecords } from '../helpers/csv';
import { startMemoryApi } from '../helpers/memory-api';
import { startServe, type ServeProcess } from '../helpers/serve-process';
import { cli } from '../helpers/cli-main';
import { until } from '../helpers/until';
import { startWebProcess, type WebProcess } from '../helpers/web-process';
import type { ApiClient } from '../../shared/api/rpc';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-serve-lease-'));
const project = join(dir, 'cancer.pwproj');
const children: ChildProcess[] = [];
const TOKEN = 'lease-test-token-7f3a9c';
let store: ProjectStore;

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  // the build the CLI runs from must have the lease writer beside it
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-node.mjs')], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  const example = YAML.parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));
  example.nodes.load.params.path = DATA;
  example.nodes.register.params = { name: 'cancer', alias: 'champion' };
  writeFileSync(join(dir, 'cancer.pipeline.yaml'), YAML.stringify(example));
  const r = spawnSync(process.execPath, [CLI, 'run', 'cancer.pipeline.yaml', '--project', project], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  expect(r.status, r.stderr).toBe(0);
  store = openProject(project);
}, 300_000);

function serve(args: string[]): Promise<ServeProcess> {
  return startServe(CLI, ['--project', project, '--port', '0', ...args], { cwd: dir, started: (p) => children.push(p) });
}

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((done, reject) => {
    const u = new URL(path, url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Waits (on state, bounded) until the lease of `pid` satisfies `ok`; returns it. */
async function leaseOf(pid: number, ok: (l: LeaseView | undefined) => boolean, what: string): Promise<LeaseView | undefined> {
  let last: LeaseView | undefined;
  await expect
    .poll(
      () => {
        last = readLeases(store).find((l) => l.pid === pid);
        return ok(last);
      },
      { timeout: 20_000, interval: 100, message: what },
    )
    .toBe(true);
  return last;
}

const rawLeaseRows = (): { key: string; value: string }[] => store.db.prepare("SELECT key, value FROM project_meta WHERE key LIKE 'serving:%'").all() as { key: string; value: string }[];

const rows = readCsvRecords(DATA, 3).map((r) => numericInputs(r, 'diagnosis'));

describe('the lease of a pipewright serve process', () => {
  it('says where it listens and what it serves, with live figures, never the token; kill -9 is reported stopped, then forgotten', async () => {
    const s = await serve(['--token', TOKEN]);
    const pid = s.proc.pid!;
    const first = (await leaseOf(pid, (l) => l?.state === 'running', 'a running lease row'))!;
    expect(first.key).toBe(`serving:${hostname()}:${pid}`);
    expect(first.url).toBe(s.url);
    expect(first.port).toBe(Number(new URL(s.url).port));
    expect(first.bind).toBe('127.0.0.1');
    expect(first.host).toBe(hostname());
    expect(first.protocols).toEqual(['tf-serving-v1', 'open-inference-v2']);
    expect(first.models).toEqual([{ name: 'cancer', version: 1, alias: 'champion' }]);
    expect(first.auth).toBe(true);
    expect(first.workers).toBe(1);
    expect(Date.now() - Date.parse(first.startedAt)).toBeLessThan(60_000);

    // 12 requests answered (one refused without the token): the figures follow within a beat or two
    expect(await post(s.url, '/v1/models/cancer:predict', { instances: rows })).toBe(401);
    for (let i = 0; i < 11; i++) expect(await post(s.url, '/v1/models/cancer:predict', { instances: rows }, { authorization: `Bearer ${TOKEN}` })).toBe(200);
    const busy = (await leaseOf(pid, (l) => (l?.stats.requests ?? 0) >= 12, 'the requests counted'))!;
    expect(busy.stats.requests).toBe(12);
    expect(busy.stats.errors).toBe(1);
    expect(busy.stats.p50).toBeGreaterThan(0);
    expect(busy.stats.p99).toBeGreaterThanOrEqual(busy.stats.p50!);
    // the heartbeat moves
    const beat = busy.heartbeatAt;
    await leaseOf(pid, (l) => l !== undefined && l.heartbeatAt > beat, 'a later heartbeat');
    // an alias move shows as the version the name now resolves to
    const moved = spawnSync(process.execPath, [CLI, 'models', 'alias', 'cancer', 'champion', '--delete', '--project', project], { cwd: dir, encoding: 'utf8' });
    expect(moved.status, moved.stderr).toBe(0);
    await leaseOf(pid, (l) => l?.models[0]?.alias === null && l.models[0].version === 1, 'the name follows its latest version');
    // the token is nowhere in the project file's lease rows
    for (const r of rawLeaseRows()) expect(r.value).not.toContain(TOKEN);

    // the app lists it (it has the project open) beside its own servers
    const api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config') });
    try {
      await api.client.call('project.open', { path: project });
      const { servers } = await api.client.call('serving.list', {});
      const ext = servers.find((x) => x.process?.pid === pid)!;
      expect(ext).toMatchObject({ origin: 'external', state: 'running', url: s.url, name: 'cancer', version: 1, project: store.path });
      expect(ext.process).toMatchObject({ host: hostname(), auth: true, workers: 1 });
      await expect(api.client.call('serving.stop', { id: ext.id })).rejects.toThrow(/outside the app/);
      // its token is never stored, so the app cannot call it for "try it" (and says why)
      expect(ext.process?.tryable).toBe(false);
      await expect(api.client.call('serving.predict', { id: ext.id, row: rows[0] })).rejects.toThrow(/needs its bearer token/);
      expect(s.proc.exitCode).toBe(null);

      s.proc.kill('SIGKILL');
      expect((await s.exited).signal).toBe('SIGKILL');
      // the process is gone: stopped at once, not after the heartbeat goes stale
      const dead = (await leaseOf(pid, (l) => l?.state === 'stopped', 'a stopped lease'))!;
      expect(dead.why).toBe(`process ${pid} is gone`);
      expect(Date.now() - Date.parse(dead.heartbeatAt)).toBeLessThan(STALE_MS);
      const listed = (await api.client.call('serving.list', {})).servers.find((x) => x.process?.pid === pid)!;
      expect(listed.state).toBe('stopped');
      expect(listed.stats.rps).toBe(0);
    } finally {
      await api.close();
    }
    // the row stays a minute after its last beat (shown as stopped), then goes
    const at = Date.parse(readLeases(store).find((l) => l.pid === pid)!.heartbeatAt);
    expect(forgetStoppedLeases(store, at + FORGET_MS - 1_000)).toBe(0);
    expect(forgetStoppedLeases(store, at + FORGET_MS + 1_000)).toBe(1);
    expect(readLeases(store).find((l) => l.pid === pid)).toBeUndefined();
  }, 120_000);

  it('SIGTERM removes the row; a stale heartbeat alone counts as stopped', async () => {
    const s = await serve([]);
    const pid = s.proc.pid!;
    const lease = (await leaseOf(pid, (l) => l?.state === 'running', 'a running lease row'))!;
    expect(lease.auth).toBe(false);
    // as another machine would see it: the pid means nothing there, the heartbeat's age decides
    const later = Date.parse(lease.heartbeatAt) + STALE_MS + 1_000;
    expect(readLeases(store, later).find((l) => l.pid === pid)).toMatchObject({ state: 'stopped', why: 'no heartbeat for 6 s' });
    s.proc.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
    expect(rawLeaseRows().filter((r) => r.key.endsWith(`:${pid}`))).toEqual([]);
  }, 60_000);

  it('--workers 2: one row for the server, the workers’ figures added up', async () => {
    const s = await serve(['--workers', '2']);
    const pid = s.proc.pid!;
    await leaseOf(pid, (l) => l?.models.length === 1, 'the workers reported their models');
    // two connections at a time, so both workers answer some
    for (let i = 0; i < 10; i++) {
      const answers = await Promise.all([0, 1].map(() => post(s.url, '/v1/models/cancer:predict', { instances: rows })));
      expect(answers).toEqual([200, 200]);
    }
    const l = (await leaseOf(pid, (x) => (x?.stats.requests ?? 0) >= 20, 'both workers counted'))!;
    expect(l.stats.requests).toBe(20);
    expect(l.workers).toBe(2);
    // the primary's row only: no worker writes one
    expect(readLeases(store).filter((x) => x.state === 'running')).toHaveLength(1);
    s.proc.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
    expect(rawLeaseRows().filter((r) => r.key.endsWith(`:${pid}`))).toEqual([]);
  }, 120_000);

  it('skips rows it cannot read and forgets them', () => {
    const put = store.db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)');
    put.run('serving:elsewhere:1', '{not json');
    put.run('serving:elsewhere:2', JSON.stringify({ pid: 'x', models: 'all' }));
    put.run('serving:elsewhere:3', JSON.stringify({ pid: 3, host: 'elsewhere', bind: '0.0.0.0', port: 8080, url: 'http://0.0.0.0:8080', protocols: [], models: [{ name: { evil: true } }], startedAt: 'x', heartbeatAt: 'y', stats: {} }));
    expect(readLeases(store).filter((l) => l.key.startsWith('serving:elsewhere:'))).toEqual([]);
    expect(forgetStoppedLeases(store)).toBe(3);
    expect(rawLeaseRows().filter((r) => r.key.startsWith('serving:elsewhere:'))).toEqual([]);
    // other project settings are untouched
    expect(store.getMeta('created_at')).not.toBeNull();
  });
});

describe("the leases of an app's own servers (deploy.serve run in npm run web)", () => {
  let web: WebProcess | null = null;
  const webs: WebProcess[] = [];
  afterAll(async () => {
    for (const w of webs) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  });

  /** A real `npm run web` process with the project open: runs the pipeline with a deploy.serve after register. */
  async function appWithServer(): Promise<{ web: WebProcess; client: ApiClient; close(): void; lease: LeaseView }> {
    const home = mkdtempSync(join(dir, 'home-'));
    const renderer = join(home, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pipewright</title>');
    const w = await startWebProcess({ home, renderer });
    webs.push(w);
    const c = await w.connect();
    await c.client.call('project.open', { path: project });
    const example = YAML.parse(readFileSync(join(dir, 'cancer.pipeline.yaml'), 'utf8'));
    example.nodes.serve = { type: 'deploy.serve', inputs: { model: 'register.model' }, params: { name: 'cancer' } };
    const { runId } = await c.client.call('run.start', { project, text: YAML.stringify(example), baseDir: dir });
    const summary = await until('the run in the app', async () => {
      const r = (await c.client.call('run.get', { project, runId })).summary;
      return r.run.status === 'running' ? null : r;
    });
    expect(summary.run.status, JSON.stringify(summary.nodes.serve)).toBe('succeeded');
    const pid = w.child.pid!;
    const lease = (await leaseOf(pid, (l) => l?.state === 'running', "the app server's lease row"))!;
    return { web: w, ...c, lease };
  }

  it('are listed by another app on the project, and go when the server stops or the app ends (SIGTERM)', async () => {
    const a = await appWithServer();
    web = a.web;
    const pid = web.child.pid!;
    // the same row as pipewright serve's, one per server: keyed by host, pid and port
    expect(a.lease).toMatchObject({ origin: 'app', host: hostname(), pid, bind: '127.0.0.1', auth: false, workers: 1, protocols: ['tf-serving-v1', 'open-inference-v2'] });
    expect(a.lease.key).toBe(`serving:${hostname()}:${pid}:${a.lease.port}`);
    expect(a.lease.models).toEqual([{ name: 'cancer', version: 1, alias: 'champion' }]);
    expect(await post(a.lease.url, '/v1/models/cancer:predict', { instances: rows })).toBe(200);
    await leaseOf(pid, (l) => (l?.stats.requests ?? 0) >= 1, 'the request counted in the row');

    // a pipewright process lists it too
    const listed = await cli(['serve', '--list', '--project', project, '--json'], dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).servers).toContainEqual(expect.objectContaining({ origin: 'app', pid, url: a.lease.url, state: 'running', models: [{ name: 'cancer', version: 1, alias: 'champion' }] }));
    const text = (await cli(['serve', '--list', '--project', project], dir)).stdout;
    expect(text).toMatch(new RegExp(`^${a.lease.url} +app \\(pid ${pid} on \\S+\\) +running +cancer:1 \\(champion\\) +[1-9]`, 'm'));

    // the app lists its own server once, as its own (with Stop), not again from its row
    const own = (await a.client.call('serving.list', {})).servers;
    expect(own.filter((x) => x.url === a.lease.url)).toEqual([expect.objectContaining({ origin: 'app', name: 'cancer' })]);

    // a second app on the project lists it, and can try it (this host, loopback, no token), not stop it
    const other = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config-other') });
    try {
      await other.client.call('project.open', { path: project });
      const ext = (await other.client.call('serving.list', {})).servers.find((x) => x.process?.pid === pid)!;
      expect(ext).toMatchObject({ origin: 'external', state: 'running', url: a.lease.url, name: 'cancer', version: 1 });
      expect(ext.process).toMatchObject({ startedBy: 'app', tryable: true, auth: false });
      const answer = await other.client.call('serving.predict', { id: ext.id, row: rows[0] });
      expect(answer).toMatchObject({ status: 200, version: 1 });
      await expect(other.client.call('serving.stop', { id: ext.id })).rejects.toThrow(/outside the app/);

      // stopped on its own Serving page: the row goes, and the other app no longer lists it
      const mine = own.find((x) => x.url === a.lease.url)!;
      await expect(a.client.call('serving.stop', { id: mine.id })).resolves.toEqual({ stopped: true });
      await leaseOf(pid, (l) => l === undefined, 'the row removed on Stop');
      expect((await other.client.call('serving.list', {})).servers.filter((x) => x.process?.pid === pid)).toEqual([]);
    } finally {
      await other.close();
    }
    a.close();

    // started again, then the app ends (Ctrl+C): its rows go with it
    await appWithServerIn(a);
    expect(await web.stop()).toBe(0);
    expect(rawLeaseRows().filter((r) => r.key.startsWith(`serving:${hostname()}:${pid}:`))).toEqual([]);
  }, 240_000);

  /** Runs the pipeline with deploy.serve again in an app already started (a new server on a new port). */
  async function appWithServerIn(a: { web: WebProcess }): Promise<LeaseView> {
    const c = await a.web.connect();
    try {
      await c.client.call('project.open', { path: project });
      const example = YAML.parse(readFileSync(join(dir, 'cancer.pipeline.yaml'), 'utf8'));
      example.nodes.serve = { type: 'deploy.serve', inputs: { model: 'register.model' }, params: { name: 'cancer' } };
      const { runId } = await c.client.call('run.start', { project, text: YAML.stringify(example), baseDir: dir });
      await until('the second run', async () => ((await c.client.call('run.get', { project, runId })).summary.run.status === 'running' ? null : true));
      return (await leaseOf(a.web.child.pid!, (l) => l?.state === 'running', 'a new lease row'))!;
    } finally {
      c.close();
    }
  }

  it('an app killed with -9 leaves a row that shows as stopped (its process is gone), as pipewright serve’s does', async () => {
    const a = await appWithServer();
    const pid = a.web.child.pid!;
    a.close();
    a.web.child.kill('SIGKILL');
    await a.web.exited;
    const dead = (await leaseOf(pid, (l) => l?.state === 'stopped', 'a stopped lease'))!;
    expect(dead.why).toBe(`process ${pid} is gone`);
    expect((await cli(['serve', '--list', '--project', project], dir)).stdout).toMatch(new RegExp(`^${dead.url} +app \\(pid ${pid} on \\S+\\) +stopped: process ${pid} is gone +cancer:1`, 'm'));
    const other = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config-third') });
    try {
      await other.client.call('project.open', { path: project });
      const listed = (await other.client.call('serving.list', {})).servers.find((x) => x.process?.pid === pid)!;
      expect(listed).toMatchObject({ origin: 'external', state: 'stopped' });
      expect(listed.process).toMatchObject({ startedBy: 'app', tryable: false, why: `process ${pid} is gone` });
    } finally {
      await other.close();
    }
    // forgotten a minute after its last beat, like any other
    expect(forgetStoppedLeases(store, Date.parse(dead.heartbeatAt) + FORGET_MS + 1_000)).toBeGreaterThanOrEqual(1);
    expect(readLeases(store).find((l) => l.pid === pid)).toBeUndefined();
  }, 240_000);
});

describe('the live figures of a server', () => {
  it('cover the last 5 s: an idle server shows no latency and no rate, but keeps its count', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00.500Z'));
      const stats = new ServerStats();
      for (const ms of [1, 2, 3, 40]) stats.record(ms, true);
      vi.setSystemTime(new Date('2026-01-01T00:00:01.500Z'));
      expect(stats.snapshot()).toEqual({ requests: 4, errors: 0, rps: 4 / 5, p50: 3, p99: 40 });
      vi.setSystemTime(new Date('2026-01-01T00:00:07.500Z'));
      stats.record(5, false);
      expect(stats.snapshot()).toEqual({ requests: 5, errors: 1, rps: 0, p50: 5, p99: 5 });
      vi.setSystemTime(new Date('2026-01-01T00:00:20.000Z'));
      expect(stats.snapshot()).toEqual({ requests: 5, errors: 1, rps: 0, p50: null, p99: null });
    } finally {
      vi.useRealTimers();
    }
  });
});
