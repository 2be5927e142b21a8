/**
 * The recorder never loses a write quietly: a batch that finds the file locked by another process
 * (a real second process here) waits, saying so once, and is written when the lock goes; a lock
 * that outlasts the wait, or a write that fails, fails the recorder, names the file and the
 * reason, and nothing after it is written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../../test/helpers/sqlite-lock';
import { openProject, ProjectWriteError, type ProjectStore, type StoreEvent } from '../store';
import { Recorder } from './recorder';

const dir = mkdtempSync(join(tmpdir(), 'pw-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function project(name: string, lockWaitMs: number): { store: ProjectStore; runId: number } {
  const store = openProject(join(dir, name), { create: true, lockWaitMs });
  const runId = store.createRun({ pipeline: 'p' }).id;
  return { store, runId };
}

const logCount = (s: ProjectStore, runId: number): number => s.getLogs(runId).length;
const log = (runId: number, message: string): StoreEvent => ({ type: 'log', runId, nodeId: null, level: 'info', message, time: Date.now() });

describe('Recorder', () => {
  it('waits for a lock another process holds, says so once, then writes every batch in order', async () => {
    const { store, runId } = project('wait.pwproj', 30_000);
    const waits: string[] = [];
    const errors: ProjectWriteError[] = [];
    const rec = new Recorder(store, { onWait: (m) => waits.push(m), onError: (e) => errors.push(e) });
    const holder = await holdWriteLock(store.path, { ms: 60_000 });
    for (let i = 0; i < 50; i++) rec.add(log(runId, `line ${i}`));
    rec.add({ type: 'execution.started', execution: { runId, nodeId: 'n', type: 't', typeVersion: 1, status: 'running' } });
    for (let i = 0; i < 20; i++) rec.add({ type: 'metric', runId, nodeId: 'n', key: 'loss', value: 1 / (i + 1), step: i });
    // The event loop stays free while the batch waits: time passes, the holder can be told to go.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(waits).toEqual([`waiting for ${store.path}: another process holds its write lock (giving up after 30 s)`]);
    expect(logCount(store, runId)).toBe(0);
    await holder.release();
    await rec.close();
    expect(rec.failure).toBeNull();
    expect(errors).toEqual([]);
    expect(store.getLogs(runId).map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    expect(store.metricSeries(store.getExecutions(runId)[0].id).loss).toHaveLength(20);
    store.close();
  });

  it('fails when the lock outlasts the wait: the file and the reason, told once; nothing after is written', async () => {
    const { store, runId } = project('timeout.pwproj', 1_000);
    const errors: ProjectWriteError[] = [];
    const rec = new Recorder(store, { onError: (e) => errors.push(e) });
    const holder = await holdWriteLock(store.path, { ms: 60_000 });
    rec.add(log(runId, 'lost'));
    await rec.close();
    expect(rec.failure).toBeInstanceOf(ProjectWriteError);
    expect(rec.failure?.message).toBe(`could not write to the project file ${store.path}: another process kept it locked for more than 1 s (SQLITE_BUSY)`);
    expect(errors).toEqual([rec.failure]);
    await holder.release();
    rec.add(log(runId, 'after'));
    rec.flush();
    expect(logCount(store, runId)).toBe(0);
    // What may still be written after a failure is the one salvage write (the run marked failed).
    expect(rec.salvage([{ type: 'run.finished', runId, status: 'failed', durationMs: 1, backend: 'cpu' }])).toBe(true);
    expect(store.getRunRow(runId)?.status).toBe('failed');
    store.close();
  });

  it('fails on a write SQLite refuses, naming the reason; the batch it was in is rolled back whole', async () => {
    const { store, runId } = project('refused.pwproj', 30_000);
    store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON logs WHEN NEW.message = 'bad' BEGIN SELECT RAISE(ABORT, 'disk quota exceeded (test trigger)'); END`);
    const rec = new Recorder(store);
    rec.add(log(runId, 'good'));
    rec.add(log(runId, 'bad'));
    await rec.close();
    expect(rec.failure?.message).toBe(`could not write to the project file ${store.path}: disk quota exceeded (test trigger) (SQLITE_CONSTRAINT_TRIGGER)`);
    expect(logCount(store, runId)).toBe(0);
    store.close();
  });
});
