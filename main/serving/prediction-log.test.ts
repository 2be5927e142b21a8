import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProject } from '../store/project-store';
import { holdWriteLock } from '../../test/helpers/sqlite-lock';
import { isRequestId, newRequestId, parseInstant, PredictionLog, readPredictions, recordFeedback, type PredictionLogEntry } from './prediction-log';

const dir = mkdtempSync(join(tmpdir(), 'pw-predlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (over: Partial<PredictionLogEntry> = {}): PredictionLogEntry => ({
  requestId: 'r1',
  at: Date.parse('2026-11-29T10:00:00Z'),
  model: 'cancer',
  version: 1,
  alias: 'champion',
  protocol: 'v1',
  inputs: { radius: [12.5, 20.1], texture: [null, 17] },
  rows: 2,
  predictions: [
    { label: 'B', scores: { B: 0.9, M: 0.1 } },
    { label: 'M', scores: { B: 0.2, M: 0.8 } },
  ],
  latencyMs: 0.7,
  ...over,
});

describe('prediction log (migration 5)', () => {
  it('writes requests in batches, one row per predicted row, and reads a window back oldest first', () => {
    const store = openProject(join(dir, 'a.pwproj'), { create: true });
    const log = new PredictionLog(store, { flushMs: 60_000 });
    log.record(entry());
    log.record(entry({ requestId: 'r2', at: Date.parse('2026-11-29T11:00:00Z'), version: 2, inputs: { radius: [9], texture: [10] }, rows: 1, predictions: [{ label: 'B', scores: { B: 1, M: 0 } }] }));
    log.record(entry({ requestId: 'r3', at: Date.parse('2026-11-29T12:00:00Z'), shadow: true, version: 3, rows: 1, inputs: { radius: [9], texture: [10] }, predictions: [0.5] }));
    expect(readPredictions(store, { model: 'cancer' })).toHaveLength(0); // nothing written until a flush
    expect(log.flush()).toBe(4);
    const all = readPredictions(store, { model: 'cancer' });
    expect(all.map((r) => [r.requestId, r.row, r.version])).toEqual([
      ['r1', 0, 1],
      ['r1', 1, 1],
      ['r2', 0, 2],
    ]);
    expect(all[1].inputs).toEqual({ radius: 20.1, texture: 17 });
    expect(all[0].inputs).toEqual({ radius: 12.5, texture: null });
    expect(all[1].prediction).toEqual({ label: 'M', scores: { B: 0.2, M: 0.8 } });
    expect(all[0].at).toBe('2026-11-29T10:00:00.000Z');
    // shadow answers only when asked for
    expect(readPredictions(store, { model: 'cancer', shadow: true }).map((r) => r.shadow)).toEqual([false, false, false, true]);
    // windows: since inclusive, until exclusive, a time without a zone is UTC, limit keeps the newest
    expect(readPredictions(store, { model: 'cancer', since: '2026-11-29 11:00' }).map((r) => r.requestId)).toEqual(['r2']);
    expect(readPredictions(store, { model: 'cancer', until: '2026-11-29T11:00:00Z' }).map((r) => r.requestId)).toEqual(['r1', 'r1']);
    expect(readPredictions(store, { model: 'cancer', limit: 2 }).map((r) => `${r.requestId}/${r.row}`)).toEqual(['r1/1', 'r2/0']);
    expect(readPredictions(store, { model: 'cancer', version: 2 })).toHaveLength(1);
    expect(readPredictions(store, { model: 'other' })).toHaveLength(0);
    log.close();
    store.close();
  });

  it('attaches feedback labels by request id (one label for every row, or one per row), even before the batch is written', () => {
    const store = openProject(join(dir, 'b.pwproj'), { create: true });
    const log = new PredictionLog(store, { flushMs: 60_000 });
    log.record(entry());
    expect(recordFeedback(store, 'r1', ['B', 'M'])).toBe(0); // not written yet: kept, counted later
    log.record(entry({ requestId: 'r9', rows: 1, inputs: { radius: [1], texture: [2] } }));
    log.flush();
    expect(recordFeedback(store, 'r9', 'M')).toBe(1);
    const rows = readPredictions(store, { model: 'cancer' });
    expect(rows.map((r) => [r.requestId, r.label])).toEqual([
      ['r1', 'B'],
      ['r1', 'M'],
      ['r9', 'M'],
    ]);
    recordFeedback(store, 'r9', 'B'); // a correction replaces the label
    expect(readPredictions(store, { model: 'cancer' })[2].label).toBe('B');
    log.close();
    store.close();
  });

  it('samples whole requests with --log-sample', () => {
    const store = openProject(join(dir, 'c.pwproj'), { create: true });
    let i = 0;
    const log = new PredictionLog(store, { flushMs: 60_000, sample: 0.25, random: () => [0.1, 0.5, 0.9, 0.2][i++ % 4] });
    const kept = Array.from({ length: 8 }, () => log.sampled()).filter(Boolean).length;
    expect(kept).toBe(4); // 0.1 and 0.2 of every four draws
    const none = new PredictionLog(store, { sample: 0 });
    expect(none.sampled()).toBe(false);
    none.close();
    log.close();
    store.close();
  });

  it('keeps the rows while another process holds the write lock, and writes them after', async () => {
    const file = join(dir, 'd.pwproj');
    openProject(file, { create: true }).close();
    const store = openProject(file);
    const log = new PredictionLog(store, { flushMs: 60_000 });
    log.record(entry());
    const lock = await holdWriteLock(file, { ms: 30_000 });
    try {
      expect(log.flush()).toBe(0);
    } finally {
      await lock.release();
    }
    expect(readPredictions(store, { model: 'cancer' })).toHaveLength(0);
    expect(log.flush()).toBe(2);
    expect(readPredictions(store, { model: 'cancer' })).toHaveLength(2);
    log.close();
    store.close();
  });

  it('writes the same rows from its writer thread, off the server thread, and keeps them while the file is locked', async () => {
    const file = join(dir, 'e.pwproj');
    openProject(file, { create: true }).close();
    const store = openProject(file);
    const inline = openProject(join(dir, 'e-inline.pwproj'), { create: true });
    const problems: string[] = [];
    const log = new PredictionLog(store, { flushMs: 60_000, thread: true, onProblem: (m) => problems.push(m) });
    const same = new PredictionLog(inline, { flushMs: 60_000 });
    const odd = entry({ requestId: 'r2', alias: null, inputs: { 'a "quoted" name': ['text, with\nbreak and \x1f\x1e separators'], flag: [true], gone: [undefined as unknown as null] }, rows: 1, predictions: [7.25] });
    // the same columns in another order (columnar requests name them as the client likes)
    const turned = entry({ requestId: 'r4', inputs: { texture: [3], radius: [4] }, rows: 1, predictions: [{ label: 'B', scores: { B: 1, M: 0 } }] });
    for (const e of [entry(), odd, turned]) {
      log.record(e);
      same.record(e);
    }
    expect(log.threaded).toBe(true);
    await log.settle();
    same.flush();
    expect(log.written).toBe(4);
    const strip = (rows: ReturnType<typeof readPredictions>) => rows.map(({ requestId, row, at, alias, shadow, protocol, version, inputs, prediction, latencyMs }) => ({ requestId, row, at, alias, shadow, protocol, version, inputs, prediction, latencyMs }));
    const written = readPredictions(store, { model: 'cancer' });
    expect(strip(written)).toEqual(strip(readPredictions(inline, { model: 'cancer' })));
    expect(written.map((r) => r.alias)).toEqual(['champion', 'champion', null, 'champion']);
    expect(written[3].inputs).toEqual({ texture: 3, radius: 4 });
    expect(written[0].inputs).toEqual({ radius: 12.5, texture: null });
    expect(written[2].inputs).toEqual({ 'a "quoted" name': 'text, with\nbreak and \x1f\x1e separators', flag: true, gone: null });

    // another process holds the write lock: the thread hands the rows back; they are written after
    log.record(entry({ requestId: 'r3' }));
    const lock = await holdWriteLock(file, { ms: 30_000 });
    try {
      await log.settle();
      expect(log.written).toBe(4);
    } finally {
      await lock.release();
    }
    expect(readPredictions(store, { model: 'cancer' }).filter((r) => r.requestId === 'r3')).toHaveLength(0);
    expect(log.threaded).toBe(true);
    await log.close();
    expect(log.written).toBe(6);
    expect(readPredictions(store, { model: 'cancer' }).filter((r) => r.requestId === 'r3')).toHaveLength(2);
    expect(problems).toEqual([]);
    await same.close();
    inline.close();
    store.close();
  });

  it('logs a one-row request given as its values in input order exactly as the same row given as columns', () => {
    const store = openProject(join(dir, 'f.pwproj'), { create: true });
    const log = new PredictionLog(store, { flushMs: 60_000 });
    const names = ['radius', 'texture', 'island'];
    log.record(entry({ requestId: 'cols', inputs: { radius: [12.5], texture: [null], island: ['Biscoe'] }, rows: 1, predictions: [{ label: 'B', scores: { B: 0.9, M: 0.1 } }] }));
    log.record(entry({ requestId: 'row', inputs: undefined, row: { names, values: [12.5, null, 'Biscoe'] }, rows: 1, predictions: [{ label: 'B', scores: { B: 0.9, M: 0.1 } }] }));
    expect(log.flush()).toBe(2);
    const [a, b] = readPredictions(store, { model: 'cancer' });
    expect(b.inputs).toEqual({ radius: 12.5, texture: null, island: 'Biscoe' });
    expect({ ...b, requestId: 'cols' }).toEqual(a);
    log.close();
    store.close();
  });

  it('makes time-ordered request ids (UUID version 7), unique and increasing', () => {
    const ids = Array.from({ length: 20_000 }, newRequestId);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    for (const id of ids.slice(0, 50)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isRequestId(id)).toBe(true);
    }
    // the first 48 bits are the time in milliseconds
    const ms = parseInt(ids[0].slice(0, 8) + ids[0].slice(9, 13), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });

  it('reads times as ISO 8601 and names a bad one', () => {
    expect(parseInstant('2026-11-29 10:00').toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(parseInstant('2026-11-29T10:00:00+01:00').toISOString()).toBe('2026-11-29T09:00:00.000Z');
    expect(() => parseInstant('yesterday', 'since')).toThrow(/since: 'yesterday'/);
  });
});
