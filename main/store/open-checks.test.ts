/**
 * Opening a project checks before it writes: a folder, a read-only file, a file from a newer
 * Pipewright and a damaged file are refused with a message, and each stays byte for byte as it
 * was, with no `-wal` or `-shm` beside it. Writes wait for another process's lock for a bounded
 * time, saying so, then fail naming the file; many processes creating one project all succeed.
 * Every lock here is held by a real second process.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../../test/helpers/sqlite-lock';
import { NODE_BUNDLE } from '../../scripts/node-bundle.mjs';
import { backupProject, LATEST_VERSION, openProject, ProjectFileError, ProjectWriteError } from './index';

const ROOT = resolve(__dirname, '..', '..');
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pw-open-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A closed project file with a run and `logs` log lines in it (enough to make a multi-page index). */
function filled(file: string, logs = 0): string {
  const s = openProject(file, { create: true });
  s.savePipelineVersion('p', 'text');
  const run = s.createRun({ pipeline: 'p' });
  s.transaction(() => {
    for (let i = 0; i < logs; i++) s.append([{ type: 'log', runId: run.id, nodeId: null, level: 'info', message: `line ${i} ${'x'.repeat(40)}`, time: i }]);
  });
  s.append([{ type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 5, backend: 'cpu' }]);
  s.close();
  return file;
}

/** Expects `open` to be refused with `message`, and the folder to hold exactly what it held, unchanged. */
function expectRefusedUntouched(file: string, open: () => unknown, message: RegExp): void {
  const folder = resolve(file, '..');
  const before = readdirSync(folder).sort();
  const bytes = digest(file);
  expect(open).toThrow(ProjectFileError);
  expect(open).toThrow(message);
  expect(() => open()).not.toThrow(/\n/);
  expect(readdirSync(folder).sort()).toEqual(before);
  expect(before.filter((f) => /-(wal|shm)$/.test(f))).toEqual([]);
  expect(digest(file)).toBe(bytes);
}

describe('opening checks before it writes', () => {
  it('refuses a newer-schema file before writing: the bytes stay, no -wal/-shm, the journal mode stays', () => {
    for (const mode of ['wal', 'delete']) {
      const file = filled(join(tmp(), `newer-${mode}.pwproj`));
      const raw = new Database(file);
      raw.pragma(`journal_mode = ${mode}`);
      raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
      raw.close();
      expectRefusedUntouched(file, () => openProject(file), /newer Pipewright \(schema version \d+; this app knows up to \d+\).*not changed/);
      const check = new Database(file, { readonly: true });
      expect(check.pragma('journal_mode', { simple: true })).toBe(mode);
      check.close();
    }
  });

  it('refuses a damaged file after PRAGMA quick_check, says how to recover, and the backup command recovers it', () => {
    const dir = tmp();
    const file = filled(join(dir, 'damaged.pwproj'), 3000);
    const raw = new Database(file); // (a read-only connection would leave a -wal and -shm behind)
    const root = (raw.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'logs_by_run'").get() as { rootpage: number }).rootpage;
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    raw.close();
    const bytes = readFileSync(file);
    bytes.fill(0xff, (root - 1) * pageSize, (root - 1) * pageSize + 16); // the index's root page header
    writeFileSync(file, bytes);

    expectRefusedUntouched(file, () => openProject(file), /damaged \(.+\); it was not changed\. .*pipewright backup --project .*damaged\.pwproj COPY\.pwproj.*VACUUM INTO/);

    // The copy is whole: every row of every table, and a clean integrity check.
    const copy = join(dir, 'copy.pwproj');
    const out = backupProject(file, copy);
    expect(out).toMatchObject({ runs: 1, rebuilt: true, lost: [] });
    const s = openProject(copy);
    expect(s.integrityCheck()).toEqual(['ok']);
    expect(s.getLogs(1)).toHaveLength(3000);
    expect(s.listRuns()[0]).toMatchObject({ status: 'succeeded', pipeline: 'p' });
    s.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('damaged'))).toEqual(['damaged.pwproj']);
  });

  it('refuses a folder given as the project file, creating nothing', () => {
    const dir = tmp();
    const folder = join(dir, 'runs.pwproj');
    mkdirSync(folder);
    expect(() => openProject(folder, { create: true })).toThrow(/runs\.pwproj: is a folder, not a project file/);
    expect(readdirSync(dir)).toEqual(['runs.pwproj']);
    expect(readdirSync(folder)).toEqual([]);
  });

  // Tests run as root, whom permissions do not stop: a file that grants write to no one (0444),
  // or a folder that does not (0555), is read-only by its owner's decision, and is refused as such.
  it('refuses a read-only file and a file in a read-only folder, even for root, leaving both untouched', () => {
    const dir = tmp();
    const file = filled(join(dir, 'ro.pwproj'));
    chmodSync(file, 0o444);
    expectRefusedUntouched(file, () => openProject(file), /ro\.pwproj: the project file is read-only \(mode 0444: no one may write it\)/);
    chmodSync(file, 0o644);

    chmodSync(dir, 0o555);
    try {
      expectRefusedUntouched(file, () => openProject(file), /its folder .* is read-only \(mode 0555/);
      expect(() => openProject(join(dir, 'new.pwproj'), { create: true })).toThrow(/its folder .* is read-only/);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(readdirSync(dir)).toEqual(['ro.pwproj']);
    openProject(file).close(); // writable again: it opens
  });
});

describe('waiting for another process', () => {
  it('waits for a lock held a little while, saying so once, then writes', async () => {
    const file = filled(join(tmp(), 'wait.pwproj'));
    const messages: string[] = [];
    const s = openProject(file, { lockWaitMs: 20_000, onWait: (m) => messages.push(m) });
    const holder = await holdWriteLock(file, { ms: 1_800 });
    const t0 = Date.now();
    s.transaction(() => s.setMeta('after', 'the wait'));
    expect(Date.now() - t0).toBeGreaterThan(1_000);
    expect(messages).toEqual([`waiting for ${file}: another process holds its write lock (giving up after 20 s)`]);
    expect(s.getMeta('after')).toBe('the wait');
    s.close();
    await holder.exited;
  });

  it('fails a write whose lock outlasts the wait, naming the file; nothing of it is written', async () => {
    const file = filled(join(tmp(), 'timeout.pwproj'));
    const s = openProject(file, { lockWaitMs: 1_500 });
    const holder = await holdWriteLock(file, { ms: 6_000 });
    let error: unknown;
    try {
      s.transaction(() => s.setMeta('lost', 'yes'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProjectWriteError);
    expect((error as Error).message).toBe(`could not write to the project file ${file}: another process kept it locked for more than 1.5 s (SQLITE_BUSY)`);
    await holder.release();
    expect(s.getMeta('lost')).toBeNull();
    s.close();
  });
});

describe('creating one project from many processes at once', () => {
  it('a process that finds the schema being created by another waits for it and does not create it twice', async () => {
    const dir = tmp();
    const template = openProject(join(dir, 'template.pwproj'), { create: true });
    const schema = (template.db.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid").all() as { sql: string }[]).map((r) => r.sql);
    const appId = template.db.pragma('application_id', { simple: true }) as number;
    template.close();
    // The other process is half-way through creating the project: schema written, not committed.
    const file = join(dir, 'shared.pwproj');
    const holder = await holdWriteLock(file, {
      ms: 1_500,
      wal: true,
      sql: [...schema, `PRAGMA application_id = ${appId}`, `PRAGMA user_version = ${LATEST_VERSION}`],
    });
    const s = openProject(file, { create: true, lockWaitMs: 20_000 });
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    s.savePipelineVersion('mine', 'x');
    expect(s.integrityCheck()).toEqual(['ok']);
    s.close();
    await holder.exited;
  });

  it(`24 processes creating the same new project at once all succeed`, async () => {
    const dir = tmp();
    const bundle = join(dir, 'store.cjs');
    const { build } = await import('esbuild');
    await build({ ...NODE_BUNDLE, absWorkingDir: ROOT, entryPoints: ['main/store/index.ts'], outfile: bundle, logLevel: 'error' });
    const file = join(dir, 'new', 'together.pwproj');
    const n = 24;
    // Each process sleeps until the same moment, so they really open at once.
    const at = Date.now() + 3_000;
    const script = `const s = require(${JSON.stringify(bundle)}); const i = process.argv[1];
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ${at} - Date.now()));
      const p = s.openProject(${JSON.stringify(file)}, { create: true });
      p.savePipelineVersion('p' + i, 'text ' + i);
      p.close();`;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const child = spawn(process.execPath, ['-e', script, String(i)], { cwd: ROOT, env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        return new Promise<{ code: number | null; err: string }>((res) => child.on('exit', (code) => res({ code, err })));
      }),
    );
    // The message line (`ProjectFileError: …`), not the source line of the stack's code frame.
    expect(results.filter((r) => r.code !== 0).map((r) => r.err.split('\n').find((l) => /^\w*Error\b.*:/.test(l)) ?? r.err)).toEqual([]);
    const s = openProject(file);
    expect(s.listPipelines()).toHaveLength(n);
    expect(s.integrityCheck()).toEqual(['ok']);
    s.close();
  }, 240_000);
});
