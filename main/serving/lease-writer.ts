/**
 * The lease's writer thread (bundled alone as dist/lease-writer.cjs): a `pipewright serve`
 * process's heartbeat row (lease.ts) is written on its own connection, so SQLite's work and the
 * commit never hold up a request. A beat that finds the file locked by another process is
 * skipped: the next one, a second later, says the same and more.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { isBusy } from '../store/errors';
import type { LeaseRecord } from './lease';
import { percentiles } from './percentiles';
import type { ServerStatsWindow } from './server';

/** A beat carries the record but its figures, and the window they come from (sorted here, not on the server's thread). */
export type LeaseWriterRequest = { op: 'beat'; key: string; record: Omit<LeaseRecord, 'stats'>; window: ServerStatsWindow } | { op: 'remove'; key: string };

export type LeaseWriterReply = { op: LeaseWriterRequest['op']; ok: true } | { op: LeaseWriterRequest['op']; ok: false; busy: boolean; message: string };

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 200');
// a heartbeat lost to a power cut is harmless: no fsync per beat
db.pragma('synchronous = NORMAL');
const upsert = db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
const remove = db.prepare('DELETE FROM project_meta WHERE key = ?');

parentPort!.on('message', (m: LeaseWriterRequest) => {
  let reply: LeaseWriterReply;
  try {
    if (m.op === 'beat') {
      const w = m.window;
      const record: LeaseRecord = { ...m.record, stats: { requests: w.requests, errors: w.errors, rps: w.rps, ...percentiles(w.latencies) } };
      upsert.run(m.key, JSON.stringify(record));
    }
    else {
      // the last write: wait longer for a lock, so a clean stop leaves no row behind
      db.pragma('busy_timeout = 2000');
      remove.run(m.key);
    }
    reply = { op: m.op, ok: true };
  } catch (e) {
    reply = { op: m.op, ok: false, busy: isBusy(e), message: (e as Error)?.message ?? String(e) };
  }
  // a beat's success needs no answer: the server's thread hears of failures only
  if (m.op === 'remove' || !reply.ok) parentPort!.postMessage(reply);
});
