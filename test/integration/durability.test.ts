/**
 * No run claims records it lost (issue 9, item 3), through the real CLI and the API on real
 * project files, with the lock held by a real second process:
 * - a run whose writes meet another process's lock waits, saying so, and writes everything when
 *   the lock goes; when the lock outlasts the wait, the run fails (exit 1; the API's run.finished
 *   says failed, with the message) naming the file and the reason, and is not recorded succeeded;
 * - a damaged file, a newer-schema file, a folder and a read-only file are refused with exit 2
 *   and one line, and stay as they were, with no -wal or -shm beside them;
 * - `pipewright backup` copies out what a damaged file holds.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import { openProject, LATEST_VERSION } from '../../main/store';
import { createClient, serve } from '../../shared/api/rpc';
import { createMemoryPair } from '../../shared/api/transport';
import { createHandlers } from '../../main/api/handlers';
import type { RunEvent, RunSummary } from '../../shared/run';
import { holdWriteLock, type LockHolder } from '../helpers/sqlite-lock';

const ROOT = resolve(__dirname, '../..');
const DATA = join(ROOT, 'resources', 'data', 'breast_cancer.csv');
const EXAMPLE = readFileSync(resolve(ROOT, '..', 'shared', 'spec', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8').replace('../../data/breast_cancer.csv', DATA);
const NODES = 6;
/** A real run of the example on a shared, loaded machine (2 cores, many test processes). */
const RUN_TIMEOUT = 240_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-durable-'));
  writeFileSync(join(dir, 'bc.pipeline.yaml'), EXAMPLE);
});
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.PIPEWRIGHT_LOCK_WAIT_MS;
});

/**
 * Runs the CLI in this process. With `lockAfterStart`, a second process takes the project's
 * write lock as soon as the run has started (the CLI printed `run N of …`), and holds it for
 * `ms`, or with `releaseOnWait` until half a second after the run said it is waiting.
 */
async function cli(
  argv: string[],
  lockAfterStart?: { project: string; ms: number; releaseOnWait?: boolean },
): Promise<{ code: number; stdout: string; stderr: string; holder: LockHolder | null }> {
  let stdout = '';
  let stderr = '';
  let holder: Promise<LockHolder> | null = null;
  let releasing = false;
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => {
      stderr += t;
      if (lockAfterStart && !holder && /^run \d+ of /m.test(stderr)) holder = holdWriteLock(lockAfterStart.project, { ms: lockAfterStart.ms });
      if (lockAfterStart?.releaseOnWait && holder && !releasing && /waiting for/.test(stderr)) {
        releasing = true;
        const h = holder;
        setTimeout(() => void h.then((x) => x.release()), 500);
      }
    },
    isTTY: false,
    cwd: dir,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, holder: holder ? await holder : null };
}

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const sidecars = (folder: string): string[] => readdirSync(folder).filter((f) => /-(wal|shm|journal)$/.test(f));

/** The run as the next process would find it. */
function recorded(project: string, runId: string): { status: string; executions: number } {
  const s = openProject(project);
  try {
    const run = s.getRunRow(Number(runId));
    return { status: run?.status ?? 'missing', executions: run ? s.getExecutions(run.id).length : 0 };
  } finally {
    s.close();
  }
}

describe('a run whose writes meet another process holding the lock', () => {
  it('waits for a lock released within the wait, says so, and records all of the run', async () => {
    const project = join(dir, 'wait.pwproj');
    const r = await cli(['run', 'bc.pipeline.yaml', '--project', project, '--no-cache', '--json'], { project, ms: 60_000, releaseOnWait: true });
    await r.holder?.exited;
    expect(r.holder).not.toBeNull();
    expect(r.stderr).toMatch(new RegExp(`^run \\d+: warn: waiting for ${project}: another process holds its write lock \\(giving up after 30 s\\)$`, 'm'));
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.run.status).toBe('succeeded');
    expect(summary.run.error).toBeUndefined();
    expect(recorded(project, summary.run.id)).toEqual({ status: 'succeeded', executions: NODES });
  }, RUN_TIMEOUT);

  it('fails the run when the lock outlasts the wait: exit 1, the file and the reason; never recorded as succeeded', async () => {
    process.env.PIPEWRIGHT_LOCK_WAIT_MS = '2000';
    const project = join(dir, 'lost.pwproj');
    const r = await cli(['run', 'bc.pipeline.yaml', '--project', project, '--no-cache', '--json'], { project, ms: 60_000 });
    expect(r.holder).not.toBeNull();
    await r.holder!.release();
    const message = `could not write to the project file ${project}: another process kept it locked for more than 2 s (SQLITE_BUSY)`;
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.run).toMatchObject({ status: 'failed', error: message });
    expect(r.stderr).toMatch(/warn: waiting for .*lost\.pwproj: another process holds its write lock/);
    expect(r.stderr).toContain(`run ${summary.run.id} failed: ${message}`);
    expect(recorded(project, summary.run.id).status).not.toBe('succeeded');
  }, RUN_TIMEOUT);

  it('fails before the run starts when the lock is held from the start: exit 1, one line, nothing recorded', async () => {
    process.env.PIPEWRIGHT_LOCK_WAIT_MS = '1500';
    const project = join(dir, 'start.pwproj');
    openProject(project, { create: true }).close();
    const holder = await holdWriteLock(project, { ms: 8_000 });
    const r = await cli(['run', 'bc.pipeline.yaml', '--project', project]);
    await holder.release();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `pipewright run: waiting for ${project}: another process holds its write lock (giving up after 1.5 s)\n` +
        `pipewright run: could not write to the project file ${project}: another process kept it locked for more than 1.5 s (SQLITE_BUSY)\n`,
    );
    const s = openProject(project);
    expect(s.listRuns()).toEqual([]);
    s.close();
  }, RUN_TIMEOUT);

  it('the API: run.finished says failed, with the message naming the file', async () => {
    process.env.PIPEWRIGHT_LOCK_WAIT_MS = '2000';
    const project = join(dir, 'api.pwproj');
    const handlers = createHandlers({ mode: 'memory', configDir: join(dir, 'home') });
    const [a, b] = createMemoryPair();
    serve(b, handlers);
    const client = createClient(a);
    try {
      const events: RunEvent[] = [];
      let holder: Promise<LockHolder> | null = null;
      const finished = new Promise<RunEvent>((res) =>
        client.on('run.events', (batch) => {
          for (const e of batch) {
            events.push(e);
            if (e.type === 'run.started') holder = holdWriteLock(project, { ms: 60_000 });
            if (e.type === 'run.finished') res(e);
          }
        }),
      );
      await client.call('run.start', { project, text: EXAMPLE, noCache: true });
      const end = await finished;
      await (await holder!).release();
      expect(end).toMatchObject({ type: 'run.finished', status: 'failed', error: `could not write to the project file ${project}: another process kept it locked for more than 2 s (SQLITE_BUSY)` });
      expect(events.some((e) => e.type === 'run.log' && e.level === 'warn' && e.message.startsWith(`waiting for ${project}`))).toBe(true);
    } finally {
      client.dispose();
      await handlers.dispose();
    }
  }, RUN_TIMEOUT);
});

describe('the API when the project file cannot be written', () => {
  it('a lock held past the wait when a pipeline is saved or a run starts: one error, code project, naming the file; nothing recorded', async () => {
    process.env.PIPEWRIGHT_LOCK_WAIT_MS = '1500';
    const project = join(dir, 'api-refused.pwproj');
    openProject(project, { create: true }).close();
    const handlers = createHandlers({ mode: 'memory', configDir: join(dir, 'home') });
    const [a, b] = createMemoryPair();
    serve(b, handlers);
    const client = createClient(a);
    const events: RunEvent[] = [];
    client.on('run.events', (batch) => events.push(...batch));
    let holder: LockHolder | null = null;
    try {
      await client.call('project.open', { path: project });
      holder = await holdWriteLock(project, { ms: 60_000 });
      const message = `could not write to the project file ${project}: another process kept it locked for more than 1.5 s (SQLITE_BUSY)`;
      await expect(client.call('pipeline.save', { project, text: EXAMPLE })).rejects.toMatchObject({ name: 'RpcError', code: 'project', message });
      await expect(client.call('run.start', { project, text: EXAMPLE, noCache: true })).rejects.toMatchObject({ name: 'RpcError', code: 'project', message });
      await holder.release();
      expect(events).toEqual([]);
      const s = openProject(project);
      expect(s.listRuns()).toEqual([]);
      expect(s.latestPipelineVersion()).toBeNull();
      s.close();
      // once the other process lets go, the same save goes through
      expect(await client.call('pipeline.save', { project, text: EXAMPLE })).toMatchObject({ created: true });
    } finally {
      await holder?.release();
      client.dispose();
      await handlers.dispose();
    }
  }, RUN_TIMEOUT);
});

describe('project files that cannot be opened', () => {
  /** `pipewright run` and `pipewright runs` on `project`: exit 2, one line, and the folder unchanged. */
  async function refused(project: string, message: RegExp): Promise<void> {
    const folder = resolve(project, '..');
    const before = readdirSync(folder).sort();
    for (const argv of [
      ['run', 'bc.pipeline.yaml', '--project', project],
      ['runs', '--project', project],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), argv[0]).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(folder).sort()).toEqual(before);
      expect(sidecars(folder)).toEqual([]);
    }
  }

  it('a folder given as --project', async () => {
    const folder = join(dir, 'folder.pwproj');
    mkdirSync(folder);
    await refused(folder, /folder\.pwproj: is a folder, not a project file/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a read-only project file (mode 0444: refused even for root) and a read-only folder', async () => {
    const sub = join(dir, 'ro');
    mkdirSync(sub);
    const project = join(sub, 'ro.pwproj');
    openProject(project, { create: true }).close();
    const bytes = digest(project);
    chmodSync(project, 0o444);
    await refused(project, /ro\.pwproj: the project file is read-only \(mode 0444/);
    chmodSync(project, 0o644);
    chmodSync(sub, 0o555);
    try {
      await refused(project, /ro\.pwproj: its folder .*ro is read-only \(mode 0555/);
    } finally {
      chmodSync(sub, 0o755);
    }
    expect(digest(project)).toBe(bytes);
  });

  it('a file from a newer Pipewright is refused before anything is written', async () => {
    const sub = join(dir, 'newer');
    mkdirSync(sub);
    const project = join(sub, 'newer.pwproj');
    openProject(project, { create: true }).close();
    const raw = new Database(project);
    // In rollback-journal mode, as a newer app may leave it: switching it to WAL would change it.
    raw.pragma('journal_mode = DELETE');
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    const bytes = digest(project);
    await refused(project, /written by a newer Pipewright/);
    expect(digest(project)).toBe(bytes);
  });

  it('a damaged file is refused with how to recover, and `pipewright backup` recovers it', async () => {
    const sub = join(dir, 'damaged');
    mkdirSync(sub);
    const project = join(sub, 'damaged.pwproj');
    const first = await cli(['run', 'bc.pipeline.yaml', '--project', project]);
    expect(first.code).toBe(0);
    const raw = new Database(project);
    const root = (raw.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'executions_by_node'").get() as { rootpage: number }).rootpage;
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    raw.close();
    const buf = readFileSync(project);
    buf.fill(0xff, (root - 1) * pageSize, (root - 1) * pageSize + 8);
    writeFileSync(project, buf);
    const bytes = digest(project);
    await refused(project, /damaged\.pwproj: the project file is damaged \(.*\); it was not changed\. Copy out what is readable with `pipewright backup --project .*damaged\.pwproj COPY\.pwproj` \(VACUUM INTO a new file\)/);
    expect(digest(project)).toBe(bytes);

    const copy = join(dir, 'recovered.pwproj');
    const b = await cli(['backup', '--project', project, copy]);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/copied .*damaged\.pwproj to .*recovered\.pwproj: 1 run, \d+ bytes \(rebuilt table by table/);
    const runs = await cli(['runs', '--project', copy, '--json']);
    expect(runs.code).toBe(0);
    expect((JSON.parse(runs.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual(['succeeded']);
    expect(recorded(copy, '1')).toEqual({ status: 'succeeded', executions: NODES });
    expect(digest(project)).toBe(bytes);
  }, RUN_TIMEOUT);
});
