/**
 * The header of a CSV file, read by us rather than guessed by DuckDB's sniffer: bytes, strict
 * UTF-8, RFC 4180 quoting. DuckDB then gets the names and is told to skip the header line, so a
 * header it would misread (an invalid byte, an empty or repeated name) fails here, located by
 * line and column, instead of silently becoming `column1` or the first data row.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { NodeError } from '../../nodes/types';

/** The longest header line read (bytes, without the line end); longer is an error. */
export const MAX_HEADER_BYTES = 1 << 20;

export interface CsvHeader {
  delimiter: string;
  /** the header's names, or column0, column1, ... without a header */
  names: string[];
  /** true when the file has no data rows (nothing but line ends after the header) */
  empty: boolean;
}

const BOM = [0xef, 0xbb, 0xbf];
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Reads and checks the first line of `path`. Throws a NodeError located by line and column. */
export function readCsvHeader(path: string, size: number, options: { delimiter?: string; header: boolean }): CsvHeader {
  const want = Math.min(size, BOM.length + MAX_HEADER_BYTES + 2);
  const buf = Buffer.alloc(want);
  const fd = openSync(path, 'r');
  let n = 0;
  try {
    while (n < want) {
      const got = readSync(fd, buf, n, want - n, n);
      if (got <= 0) break;
      n += got;
    }
  } finally {
    closeSync(fd);
  }
  const bytes = buf.subarray(0, n);
  const start = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  const end = recordEnd(bytes, start);
  const complete = end >= 0 || n === size;
  let record = bytes.subarray(start, end >= 0 ? end : n);
  if (record.length > 0 && record[record.length - 1] === CR) record = record.subarray(0, record.length - 1);
  const fail = (column: number, what: string, name?: string): never => {
    throw new NodeError(`${path}, line 1, column ${column}: ${what}`, { file: path, line: 1, column: name, columnNumber: column });
  };
  if (!complete || record.length > MAX_HEADER_BYTES) {
    const column = codePoints(record.subarray(0, MAX_HEADER_BYTES)) + 1;
    fail(column, `the ${options.header ? 'header' : 'first'} line is longer than 1 MiB (${MAX_HEADER_BYTES.toLocaleString('en')} bytes) without a line end: check the file is a CSV file with LF or CRLF line ends`);
  }
  const after = end >= 0 ? end + 1 : n;
  const empty = n === size && bytes.subarray(after).every((b) => b === LF || b === CR);

  if (!options.header) {
    // The first line is data: DuckDB checks its bytes; only its field count is needed here.
    const line = record.toString('utf8');
    const delimiter = options.delimiter ?? detectDelimiter(line);
    const count = splitLenient(line, delimiter).length;
    const blank = n === size && bytes.subarray(start).every((b) => b === LF || b === CR);
    return { delimiter, names: Array.from({ length: count }, (_, i) => `column${i}`), empty: blank };
  }

  const bad = firstInvalidUtf8(record);
  if (bad >= 0) {
    fail(codePoints(record.subarray(0, bad)) + 1, `the header is not valid UTF-8 (byte 0x${record[bad].toString(16).toUpperCase().padStart(2, '0')} at byte ${start + bad + 1} of the file); save the file as UTF-8`);
  }
  const line = new TextDecoder('utf-8', { fatal: true }).decode(record);
  const delimiter = options.delimiter ?? detectDelimiter(line);
  const col = (index: number): number => codePointsOf(line, index) + 1;
  const fields = splitStrict(line, delimiter, (index, what) => fail(col(index), what));

  const lineBreak = line.search(/[\r\n]/);
  if (lineBreak >= 0) {
    const k = fields.findIndex((f, i) => i === fields.length - 1 || fields[i + 1].at > lineBreak);
    fail(col(lineBreak), `header field ${k + 1} holds a line break: header names must fit on the first line, and lines must end in LF or CRLF`);
  }
  const seen = new Map<string, number>();
  for (let k = 0; k < fields.length; k++) {
    const { name, at } = fields[k];
    if (name.trim() === '') fail(col(at), `header field ${k + 1} is empty: every column needs a name`);
    // DuckDB compares column names ignoring ASCII case, and would rename the second one (a -> a_1).
    const key = /[A-Z]/.test(name) ? name.replace(/[A-Z]/g, (ch) => ch.toLowerCase()) : name;
    const first = seen.get(key);
    if (first !== undefined) {
      const same = fields[first].name === name ? `"${name}"` : `"${fields[first].name}" and "${name}" (names that differ only in case are the same column)`;
      fail(col(at), `the header names column ${same} twice (fields ${first + 1} and ${k + 1})`, name);
    }
    seen.set(key, k);
  }
  return { delimiter, names: fields.map((f) => f.name), empty };
}

/** Where the first record ends: the first LF outside double quotes, or -1. */
function recordEnd(bytes: Uint8Array, from: number): number {
  let quoted = false;
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    else if (b === LF && !quoted) return i;
  }
  return -1;
}

/** The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= b.length) return i;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/** Characters (code points) in well-formed UTF-8 bytes: what an editor counts as columns. */
function codePoints(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) if ((b[i] & 0xc0) !== 0x80) n++;
  return n;
}

function codePointsOf(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

interface Field {
  name: string;
  /** UTF-16 index of the field's first character (its opening quote, if quoted) */
  at: number;
}

/**
 * RFC 4180 fields of one line: a field is quoted only if it starts with a quote, `""` inside
 * quotes is one quote, and a closing quote must end the field. Linear in the line's length.
 */
function splitStrict(line: string, delim: string, fail: (index: number, what: string) => never): Field[] {
  const out: Field[] = [];
  let i = 0;
  for (;;) {
    const at = i;
    if (line[i] === '"') {
      let name = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) fail(at, `header field ${out.length + 1} opens a quote that is never closed`);
        name += line.slice(i, q);
        if (line[q + 1] === '"') {
          name += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push({ name, at });
      if (i === line.length) return out;
      if (!line.startsWith(delim, i)) fail(i, `header field ${out.length} has text after its closing quote (a quote inside a name is written "")`);
      i += delim.length;
    } else {
      const d = line.indexOf(delim, i);
      const stop = d < 0 ? line.length : d;
      const name = line.slice(i, stop);
      const q = name.indexOf('"');
      if (q >= 0) fail(i + q, `header field ${out.length + 1} has a quote inside an unquoted name (quote the whole name: "a ""b"" c")`);
      out.push({ name, at });
      if (d < 0) return out;
      i = d + delim.length;
    }
  }
}

/** Fields of one line, honouring double quotes, never failing: for counting data fields. */
export function splitLenient(line: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delim, i)) {
      out.push(cur);
      cur = '';
      i += delim.length - 1;
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** The delimiter that splits the line most often (outside quotes); a comma by default. */
export function detectDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    let count = 0;
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') quoted = !quoted;
      else if (ch === d && !quoted) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}
