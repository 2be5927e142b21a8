/**
 * The prediction log's writer thread (bundled alone as dist/log-writer.cjs): its own connection to
 * the project file takes batches from the server's thread and writes each in one transaction, so
 * SQLite's work and the commit's fsync never hold up a request. A batch that finds the file
 * locked by another process is handed back (`busy`) and sent again with the next one.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { isBusy } from '../store/errors';
import { insertPacked, type PackedRows } from './log-rows';

export interface WriterRequest {
  id: number;
  batch: PackedRows;
}

export type WriterReply = { id: number; ok: true; rows: number } | { id: number; ok: false; busy: boolean; message: string };

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
// a lock held by another process is waited on briefly; the batch then goes back to the server
db.pragma('busy_timeout = 50');
const write = db.transaction((batch: PackedRows) => insertPacked(db, batch));

parentPort!.on('message', (m: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: m.id, ok: true, rows: write.immediate(m.batch) };
  } catch (e) {
    reply = { id: m.id, ok: false, busy: isBusy(e), message: (e as Error)?.message ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
