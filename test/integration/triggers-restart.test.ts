/**
 * The Triggers page's switch survives a restart of the app (issue 13): paused in one `npm run
 * web` process, it is paused in the next one started on the same home and project, which fires
 * nothing on open (the first pass runs in project.open itself); a headless `pipewright watch
 * --once` on the project runs nothing either; a trigger paused on its own stays paused too.
 * Resumed, the schedule fires again in the restarted app (so the silence was the switch).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/rpc';
import type { TriggersOverview } from '../../shared/triggers';
import { openProject } from '../../main/store';
import { listFirings } from '../../main/watch/queue';
import { cli } from '../helpers/cli-main';
import { startWebProcess, type WebProcess } from '../helpers/web-process';
import { weatherJob } from '../helpers/weather-job';
import { until } from '../helpers/until';

const WET = `  wet:
    type: data.sql
    inputs:
      days: weather.table
    params:
      query: SELECT weather, count(*) AS days FROM days GROUP BY weather
    cache: false
`;
/** two schedules, each every second: A is paused on its own, B only by the project's switch */
const A = '* * * * * *';
const B = '*/1 * * * * *';

let dir: string;
let home: string;
let renderer: string;
const started: WebProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-triggers-restart-'));
  home = join(dir, 'home');
  renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pipewright</title>');
});
afterAll(async () => {
  for (const w of started) await w.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function app(): Promise<{ web: WebProcess; client: ApiClient; close(): void }> {
  const web = await startWebProcess({ home, renderer, env: { PIPEWRIGHT_WATCH_POLL_MS: '100' } });
  started.push(web);
  return { web, ...(await web.connect()) };
}

const keyOf = (o: TriggersOverview, spec: string): string => o.triggers.find((t) => t.spec === spec)!.key;

describe('the triggers switch across a restart', () => {
  it('stays paused in the restarted app and for pipewright watch, and fires again once resumed', async () => {
    const file = join(dir, 'tick.pipeline.yaml');
    writeFileSync(file, weatherJob('tick', WET, `triggers:\n  - schedule: "${A}"\n  - schedule: "${B}"\n`));
    const project = join(dir, 'tick.pwproj');

    // First app: both schedules fire; then A is paused on its own, and the project's switch too.
    const first = await app();
    await first.client.call('project.open', { path: project, create: true });
    const o1 = await until('a run of each schedule', async () => {
      const o = await first.client.call('triggers.list', { project });
      const done = (spec: string) => o.firings.some((f) => f.triggerKey === keyOf(o, spec) && f.outcome === 'succeeded');
      return o.triggers.length === 2 && done(A) && done(B) && o;
    });
    const [keyA, keyB] = [keyOf(o1, A), keyOf(o1, B)];
    await first.client.call('triggers.pause', { project, key: keyA, paused: true });
    await expect(first.client.call('triggers.app', { project, on: false })).resolves.toEqual({ app: 'paused' });
    // a run under way finishes; queued firings stay queued
    const before = await until('no firing running', async () => {
      const o = await first.client.call('triggers.list', { project });
      return o.firings.every((f) => f.status !== 'running') && o.firings;
    });
    first.close();
    expect(await first.web.stop()).toBe(0);

    // The switch is in the project file.
    const s = openProject(project);
    try {
      expect(s.getMeta('triggers.paused')).toBe('1');
    } finally {
      s.close();
    }
    const snapshot = (): string[] => {
      const p = openProject(project);
      try {
        return listFirings(p).map((f) => `${f.id}:${f.status}:${f.attempts}`);
      } finally {
        p.close();
      }
    };
    const firings = snapshot();
    expect(firings).toHaveLength(before.length);

    // A headless watcher on the paused project runs nothing and takes no queued firing.
    const headless = await cli(['watch', '--project', project, file, '--once'], dir);
    expect(headless.code).toBe(0);
    expect(headless.stderr).toMatch(/the project's triggers are paused.*nothing runs/);
    expect(headless.stdout).toBe('');
    expect(snapshot()).toEqual(firings);

    // The restarted app opens the project paused: its first pass (inside project.open) fires nothing.
    const second = await app();
    await second.client.call('project.open', { path: project });
    const o2 = await second.client.call('triggers.list', { project });
    expect(o2.app).toBe('paused');
    expect(o2.triggers.map((t) => [t.spec, t.paused])).toEqual([
      [A, true],
      [B, false],
    ]);
    expect(o2.firings).toHaveLength(firings.length);
    expect(snapshot()).toEqual(firings);

    // Resumed: B fires again in this app; A, paused on its own, does not.
    const lastId = Math.max(0, ...o2.firings.map((f) => f.id));
    await expect(second.client.call('triggers.app', { project, on: true })).resolves.toEqual({ app: 'on' });
    await until('a new run of B', async () => {
      const o = await second.client.call('triggers.list', { project });
      return o.firings.some((f) => f.id > lastId && f.triggerKey === keyB && f.outcome === 'succeeded');
    });
    const o3 = await second.client.call('triggers.list', { project });
    expect(o3.firings.filter((f) => f.id > lastId && f.triggerKey === keyA)).toEqual([]);
    second.close();
    expect(await second.web.stop()).toBe(0);
  }, 300_000);
});
