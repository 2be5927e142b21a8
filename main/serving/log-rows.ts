/**
 * The prediction log's rows (contract section 6): one `prediction_log` row per predicted row of a
 * logged request. A request becomes its rows when it is recorded (`rowsText`): one string, a row
 * per record (`\x1e`), fields split by `\x1f`, its JSON texts already built. A flush hands one
 * string to SQLite's side — the server's thread or the writer thread (log-writer.ts), which store
 * exactly the same thing — so nothing but a string crosses threads (no per-object cloning).
 * JSON never holds a raw control character, request ids are printable ASCII and registry names
 * are `[a-z0-9-]`, so the separators cannot occur in a field (they are replaced if they do).
 */
import type { Database } from 'better-sqlite3';
import type { PredictionLogEntry } from './prediction-log';

const INSERT = `INSERT INTO prediction_log
  (request_id, row_index, at, model, version, alias, shadow, protocol, inputs, prediction, latency_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const ROW = '\x1e';
const FIELD = '\x1f';

/** Quoted JSON keys by column name (input names are a model's columns: a bounded set). */
const quoted = new Map<string, string>();
function quote(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (quoted.size < 10_000) quoted.set(name, q);
  }
  return q;
}

const valueJson = (v: unknown): string =>
  typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : v === null || v === undefined ? 'null' : (JSON.stringify(v) ?? 'null');

/** One row's inputs as a JSON object (column -> value as received), without an intermediate object. */
function inputsJson(names: string[], inputs: Record<string, unknown[]>, r: number): string {
  if (!names.length) return '{}';
  let s = '{';
  for (let i = 0; i < names.length; i++) s += `${i ? ',' : ''}${quote(names[i])}:${valueJson(inputs[names[i]][r])}`;
  return `${s}}`;
}

// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\x1e\x1f]/g;
const plain = (s: string): string => (s.includes(ROW) || s.includes(FIELD) ? s.replace(SEPARATORS, '?') : s);

/** The entry's rows as text (see above). */
export function rowsText(e: PredictionLogEntry): string {
  const names = Object.keys(e.inputs);
  // an alias is marked with '=' so that null (no alias) and '' stay apart
  const head = `${plain(e.requestId)}${FIELD}`;
  const middle = `${FIELD}${e.at}${FIELD}${plain(e.model)}${FIELD}${e.version}${FIELD}${e.alias === null ? '' : `=${plain(e.alias)}`}${FIELD}${e.shadow ? 1 : 0}${FIELD}${plain(e.protocol)}${FIELD}`;
  let out = '';
  for (let r = 0; r < e.rows; r++) out += `${head}${r}${middle}${inputsJson(names, e.inputs, r)}${FIELD}${JSON.stringify(e.predictions[r] ?? null)}${FIELD}${e.latencyMs}${ROW}`;
  return out;
}

/** Inserts the rows of `rowsText` texts (concatenated); returns how many. */
export function insertRows(db: Database, text: string): number {
  const insert = db.prepare(INSERT);
  let lastAt = '';
  let iso = '';
  let n = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf(ROW, start);
    const f = text.slice(start, end === -1 ? text.length : end).split(FIELD);
    start = end === -1 ? text.length : end + 1;
    if (f.length !== 11) continue;
    if (f[2] !== lastAt) {
      lastAt = f[2];
      iso = new Date(Number(f[2])).toISOString();
    }
    insert.run(f[0], Number(f[1]), iso, f[3], Number(f[4]), f[5] === '' ? null : f[5].slice(1), Number(f[6]), f[7], f[8], f[9], Number(f[10]));
    n++;
  }
  return n;
}
