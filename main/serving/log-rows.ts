/**
 * The prediction log's rows (contract section 6): one `prediction_log` row per predicted row of a
 * logged request. A request is packed when it is recorded (`LogPacker.add`) and unpacked where the
 * rows are written (`insertPacked`): on the server's thread or on the writer thread
 * (log-writer.ts), which store exactly the same thing. Packing does no number formatting — the
 * inputs' numbers go into a Float64Array, their JSON text is built where they are written — so a
 * logged request costs the server's thread about a microsecond, and a batch crosses threads as
 * one string and one buffer (no per-object cloning).
 *
 * The text: a row per record (`\x1e`), fields split by `\x1f`; an input value that is not a
 * finite number travels as JSON in the row's last field (split by `\x1d`). JSON never holds a raw
 * control character, request ids are printable ASCII and registry names `[a-z0-9-]`, so the
 * separators cannot occur in a field (they are replaced if they do).
 */
import type { Database } from 'better-sqlite3';
import type { PredictionLogEntry } from './prediction-log';

const INSERT = `INSERT INTO prediction_log
  (request_id, row_index, at, model, version, alias, shadow, protocol, inputs, prediction, latency_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const ROW = '\x1e';
const FIELD = '\x1f';
const TOKEN = '\x1d';

/** A batch as it crosses threads: the rows' text, the inputs' numbers, and new column lists. */
export interface PackedRows {
  text: string;
  numbers: Float64Array;
  /** the column lists of this batch's rows, by id */
  names: Record<number, readonly string[]>;
  rows: number;
}

// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\x1d\x1e\x1f]/g;
const plain = (s: string): string => (s.includes(ROW) || s.includes(FIELD) || s.includes(TOKEN) ? s.replace(SEPARATORS, '?') : s);

/** Packs recorded requests until `take()`. */
export class LogPacker {
  private parts: string[] = [];
  private numbers = new Float64Array(4096);
  private used = 0;
  private names: Record<number, readonly string[]> = {};
  private readonly ids = new Map<string, number>();
  private last: { names: readonly string[]; id: number } | null = null;
  private nextListId = 0;
  rows = 0;

  /** The id of a column list (requests of one model mostly repeat the last one: compared, not joined). */
  private idOf(names: readonly string[]): number {
    const last = this.last;
    if (last && (last.names === names || (last.names.length === names.length && last.names.every((n, i) => n === names[i])))) return last.id;
    const key = names.join(FIELD);
    let id = this.ids.get(key);
    if (id === undefined) {
      // ids only ever grow (a batch names its own lists), so forgetting old lists is safe
      if (this.ids.size >= 10_000) this.ids.clear();
      id = this.nextListId++;
      this.ids.set(key, id);
    }
    this.last = { names, id };
    return id;
  }

  add(e: PredictionLogEntry): void {
    const one = e.row;
    const columns = e.inputs ?? {};
    const names = one ? one.names : Object.keys(columns);
    const id = this.idOf(names);
    this.names[id] = names;
    const need = this.used + names.length * e.rows;
    if (need > this.numbers.length) {
      const grown = new Float64Array(Math.max(need, this.numbers.length * 2));
      grown.set(this.numbers.subarray(0, this.used));
      this.numbers = grown;
    }
    // an alias is marked with '=' so that null (no alias) and '' stay apart
    const head = `${plain(e.requestId)}${FIELD}`;
    const middle = `${FIELD}${e.at}${FIELD}${plain(e.model)}${FIELD}${e.version}${FIELD}${e.alias === null ? '' : `=${plain(e.alias)}`}${FIELD}${e.shadow ? 1 : 0}${FIELD}${plain(e.protocol)}${FIELD}${id}${FIELD}`;
    for (let r = 0; r < e.rows; r++) {
      const offset = this.used;
      let tokens = '';
      let kinds = '';
      for (let c = 0; c < names.length; c++) {
        const v = one ? one.values[c] : columns[names[c]][r];
        if (typeof v === 'number' && Number.isFinite(v)) {
          this.numbers[this.used++] = v;
          if (kinds) kinds += 'n';
        } else {
          // the first value that is not a number starts the kinds list
          if (!kinds) kinds = 'n'.repeat(c);
          kinds += 'j';
          tokens += `${tokens ? TOKEN : ''}${v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? 'null' : (JSON.stringify(v) ?? 'null')}`;
        }
      }
      this.parts.push(`${head}${r}${middle}${offset}${FIELD}${kinds}${FIELD}${JSON.stringify(e.predictions[r] ?? null)}${FIELD}${e.latencyMs}${FIELD}${tokens}${ROW}`);
    }
    this.rows += e.rows;
  }

  get empty(): boolean {
    return this.rows === 0;
  }

  /** The packed rows so far (then empty again). */
  take(): PackedRows {
    const out: PackedRows = { text: this.parts.join(''), numbers: this.numbers.slice(0, this.used), names: this.names, rows: this.rows };
    this.parts = [];
    this.used = 0;
    this.names = {};
    this.rows = 0;
    return out;
  }

  /** Drops the oldest packed rows beyond `max` (their numbers stay, unused). Returns how many went. */
  trim(max: number): number {
    if (this.rows <= max) return 0;
    const drop = this.rows - max;
    this.parts.splice(0, drop);
    this.rows = max;
    return drop;
  }
}

const quoted = new Map<string, string>();
function quote(name: string): string {
  let q = quoted.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (quoted.size < 10_000) quoted.set(name, q);
  }
  return q;
}

/** Inserts packed rows; returns how many. */
export function insertPacked(db: Database, batch: PackedRows): number {
  const insert = db.prepare(INSERT);
  const { text, numbers } = batch;
  let lastAt = '';
  let iso = '';
  let n = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf(ROW, start);
    const f = text.slice(start, end === -1 ? text.length : end).split(FIELD);
    start = end === -1 ? text.length : end + 1;
    const names = Object.hasOwn(batch.names, f[8]) ? batch.names[Number(f[8])] : undefined;
    if (f.length !== 14 || !names) continue;
    let at = Number(f[9]);
    const kinds = f[10];
    const tokens = f[13] ? f[13].split(TOKEN) : [];
    let t = 0;
    let json = '{';
    for (let c = 0; c < names.length; c++) {
      const value = kinds && kinds[c] === 'j' ? (tokens[t++] ?? 'null') : String(numbers[at++]);
      json += `${c ? ',' : ''}${quote(names[c])}:${value}`;
    }
    json += '}';
    if (f[2] !== lastAt) {
      lastAt = f[2];
      iso = new Date(Number(f[2])).toISOString();
    }
    insert.run(f[0], Number(f[1]), iso, f[3], Number(f[4]), f[5] === '' ? null : f[5].slice(1), Number(f[6]), f[7], json, f[11], Number(f[12]));
    n++;
  }
  return n;
}
