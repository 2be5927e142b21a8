/**
 * The app runs triggers while a project is open (issue 13, contract section 8): the API's
 * in-process watcher fires a 6-field cron schedule and runs it, tells the windows, shows the
 * trigger and its firings (triggers.list), pauses a trigger and the app's watching, refuses a
 * trigger it does not know, and stops when no window has the project open any more. With a
 * headless `pipewright watch` on the same project at the same time, every firing is completed
 * once, by one of the two (the queue's lease). A run a trigger started is cancelled as the
 * editor's runs are (run.cancel): recorded as cancelled, its firing settled, its thread gone.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../shared/api/rpc';
import { openProject } from '../../main/store';
import { enqueue, listFirings } from '../../main/watch/queue';
import { buildCli, spawnCli, type CliBundle } from '../helpers/cli-bundle';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';
import { SPIN_NODE, weatherJob } from '../helpers/weather-job';
import { until } from '../helpers/until';

const WET = `  wet:
    type: data.sql
    inputs:
      days: weather.table
    params:
      query: SELECT weather, count(*) AS days, avg(precipitation) AS rain FROM days GROUP BY weather
    cache: false
`;
const job = (name: string, triggers: string): string => weatherJob(name, WET, triggers);

let dir: string;
let api: MemoryApi;
let cli: CliBundle;

beforeAll(async () => {
  cli = await buildCli('app-triggers');
});
afterAll(() => cli.remove());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-app-triggers-'));
  process.env.PIPEWRIGHT_WATCH_POLL_MS = '100';
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config') });
});
afterEach(async () => {
  await api.close();
  delete process.env.PIPEWRIGHT_WATCH_POLL_MS;
  rmSync(dir, { recursive: true, force: true });
});

describe('triggers in the app', () => {
  it('fires a 6-field schedule while the project is open, lists and pauses it, and stops when the project is closed', async () => {
    const file = join(dir, 'nightly.pipeline.yaml');
    writeFileSync(file, job('nightly', 'triggers:\n  - schedule: "*/2 * * * * *"\n'));
    // a file of another project in the same folder is not this project's
    writeFileSync(join(dir, 'other.pipeline.yaml'), job('other', 'triggers:\n  - schedule: "* * * * * *"\n'));
    const project = join(dir, 'nightly.pwproj');
    const changes: { project: string; runId: string | null }[] = [];
    api.client.on('triggers.changed', (e) => changes.push(e));
    await api.client.call('project.open', { path: project, create: true });

    // A run starts by itself, and the window is told of it.
    const fired = await until('a finished scheduled run', async () => {
      const o = await api.client.call('triggers.list', { project });
      return o.firings.find((f) => f.status === 'done');
    });
    expect(fired).toMatchObject({ kind: 'schedule', outcome: 'succeeded', attempts: 1 });
    expect(changes.some((c) => c.project === project && c.runId === fired.runId)).toBe(true);
    const runs = await api.client.call('history.runs', { project });
    expect(runs.all).toBeGreaterThanOrEqual(1);

    const o = await api.client.call('triggers.list', { project });
    expect(o.app).toBe('on');
    expect(o.triggers).toHaveLength(1);
    const [t] = o.triggers;
    expect(t).toMatchObject({ file, pipeline: 'nightly', kind: 'schedule', spec: '*/2 * * * * *', paused: false, runs: file });
    expect(Date.parse(t.next!)).toBeGreaterThan(Date.parse(fired.firedAt));
    expect(o.firings.every((f) => f.triggerKey === t.key)).toBe(true);

    // Pausing one trigger is kept in the project file, for every watcher.
    await api.client.call('triggers.pause', { project, key: t.key, paused: true });
    const paused = await api.client.call('triggers.list', { project });
    expect(paused.triggers[0]).toMatchObject({ paused: true, next: null });
    const s = openProject(project);
    try {
      expect(s.db.prepare('SELECT paused FROM trigger_state WHERE trigger_key = ?').get(t.key)).toEqual({ paused: 1 });
    } finally {
      s.close();
    }
    // A key that is no trigger of the project is refused, and nothing is written for it.
    const bogus = `${join(dir, 'other.pipeline.yaml')}#schedule:* * * * * *`;
    await expect(api.client.call('triggers.pause', { project, key: bogus, paused: true })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.client.call('triggers.pause', { project, key: bogus, paused: true })).rejects.toBeInstanceOf(RpcError);
    const after = openProject(project);
    try {
      expect(after.db.prepare('SELECT count(*) AS n FROM trigger_state WHERE trigger_key = ?').get(bogus)).toEqual({ n: 0 });
      expect(listFirings(after).every((f) => f.triggerKey === t.key)).toBe(true);
    } finally {
      after.close();
    }

    // The app's own switch: paused, then on again.
    await expect(api.client.call('triggers.app', { project, on: false })).resolves.toEqual({ app: 'paused' });
    await expect(api.client.call('triggers.app', { project, on: true })).resolves.toEqual({ app: 'on' });

    // A pipeline file of the project with a cron that does not parse is shown with its place, not run.
    writeFileSync(join(dir, 'nightly-copy.pipeline.yaml'), job('nightly', 'triggers:\n  - schedule: "every night"\n'));
    const problems = (await api.client.call('triggers.list', { project })).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].file).toBe(join(dir, 'nightly-copy.pipeline.yaml'));
    expect(problems[0].message).toMatch(/triggers\.0\.schedule/);

    // Opening another project closes this one for the window: its watcher stops.
    await api.client.call('project.open', { path: join(dir, 'elsewhere.pwproj'), create: true });
    expect((await api.client.call('triggers.list', { project })).app).toBe('off');
  }, 180_000);

  it('with a headless pipewright watch on the same project, completes every firing once', async () => {
    const file = join(dir, 'job.pipeline.yaml');
    writeFileSync(file, job('job', ''));
    const project = join(dir, 'job.pwproj');
    const FIRINGS = 8;
    const s = openProject(project, { create: true });
    try {
      // The file declares no trigger of its own: these firings stand for a schedule's, already fired.
      for (let i = 0; i < FIRINGS; i++) enqueue(s, { triggerKey: `${file}#files:*.csv`, kind: 'files', sourceFile: file, pipelineFile: file, detail: { i }, dedupe: `test:${i}` });
      s.savePipelineVersion('job', job('job', ''));
    } finally {
      s.close();
    }
    // The app watches files with triggers; give it one that never fires on its own.
    writeFileSync(file, job('job', 'triggers:\n  - files: never/*.csv\n'));

    const headless = spawnCli(cli, ['watch', '--project', project, file, '--once'], {
      cwd: dir,
      env: { ...process.env, PIPEWRIGHT_WATCH_BACKOFF_MS: '1' },
      progress: (stderr) => (stderr.match(/running job\.pipeline\.yaml/g) ?? []).length,
    });
    // The headless watcher has taken its first firing: now the app opens the project too.
    await Promise.race([headless.progressed(1), headless.exited.then((code) => Promise.reject(new Error(`pipewright watch exited (${code}) before it ran a firing:\n${headless.stderr()}`)))]);
    await api.client.call('project.open', { path: project });
    expect(await headless.exited).toBe(0);
    await until('every firing done', async () => {
      const o = await api.client.call('triggers.list', { project });
      return o.firings.length === FIRINGS && o.firings.every((f) => f.status === 'done');
    });

    const check = openProject(project);
    try {
      const firings = listFirings(check);
      expect(firings).toHaveLength(FIRINGS);
      expect(firings.every((f) => f.outcome === 'succeeded' && f.attempts === 1)).toBe(true);
      const runs = check.db.prepare('SELECT id, trigger_firing AS firing, owner_pid AS pid, status FROM runs').all() as { id: number; firing: number; pid: number; status: string }[];
      // one completed run per firing, each firing's run the one it links
      expect(runs).toHaveLength(FIRINGS);
      expect(new Set(runs.map((r) => r.firing)).size).toBe(FIRINGS);
      for (const f of firings) expect(runs.find((r) => r.id === f.runId)?.firing).toBe(f.id);
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      // both took part: the headless watcher's process and this one (the app)
      const pids = new Set(runs.map((r) => r.pid));
      expect(pids).toContain(headless.child.pid);
      expect(pids).toContain(process.pid);
    } finally {
      check.close();
    }
  }, 300_000);

  it('cancels a run a files trigger started: the run and its firing end cancelled, and the thread running its node is gone', async () => {
    const TASKS = '/proc/self/task';
    if (!existsSync(TASKS)) return; // the thread check reads Linux's /proc
    const file = join(dir, 'spin.pipeline.yaml');
    writeFileSync(file, weatherJob('spin', SPIN_NODE, 'triggers:\n  - files: incoming/*.csv\n'));
    mkdirSync(join(dir, 'incoming'));
    writeFileSync(join(dir, 'incoming', 'day.csv'), 'a\n1\n');
    const project = join(dir, 'spin.pwproj');
    await api.client.call('project.open', { path: project, create: true });

    const running = await until('the file trigger to start its run', async () => {
      const o = await api.client.call('triggers.list', { project });
      return o.firings.find((f) => f.status === 'running' && f.runId !== null);
    });
    expect(running.kind).toBe('files');
    const runId = running.runId!;

    // The thread spinning the node: the one of this process that gains 2 s of CPU from here on.
    const cpu = (): Map<string, number> => {
      const out = new Map<string, number>();
      for (const t of readdirSync(TASKS)) {
        try {
          const stat = readFileSync(join(TASKS, t, 'stat'), 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          out.set(t, Number(f[11]) + Number(f[12])); // utime + stime, in clock ticks (1/100 s)
        } catch {
          // a thread that ended meanwhile
        }
      }
      return out;
    };
    const base = cpu();
    const spinner = await until('a thread spinning the node', () => [...cpu()].find(([t, ticks]) => ticks - (base.get(t) ?? 0) >= 200)?.[0]);

    // Run ids count per project: the same id in another project is not this run.
    await expect(api.client.call('run.cancel', { project: join(dir, 'other.pwproj'), runId })).resolves.toEqual({ cancelled: false });
    expect(existsSync(join(TASKS, spinner))).toBe(true);

    await expect(api.client.call('run.cancel', { project, runId })).resolves.toEqual({ cancelled: true });
    const settled = await until('the firing to be settled', async () => (await api.client.call('triggers.list', { project })).firings.find((f) => f.id === running.id && f.status !== 'running'));
    expect(settled).toMatchObject({ status: 'done', outcome: 'cancelled', attempts: 1, runId });
    const summary = (await api.client.call('run.get', { project, runId })).summary;
    expect(summary.run.status).toBe('cancelled');
    expect(summary.nodes.spin.status).toBe('cancelled');
    await until('the spinning thread to end', () => !existsSync(join(TASKS, spinner)), 30_000);

    // A cancelled firing is not retried: the queue holds that one firing, settled, and no run is under way.
    const s = openProject(project);
    try {
      expect(listFirings(s).map((f) => [f.id, f.status, f.outcome])).toEqual([[running.id, 'done', 'cancelled']]);
      expect(s.db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'").get()).toEqual({ n: 0 });
    } finally {
      s.close();
    }
  }, 180_000);
});
