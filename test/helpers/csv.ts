/**
 * The plain CSV files tests and benches read back (the bundled data, `pipewright predict`'s
 * output): comma-separated, no quoted fields. One reader, so each test does not split its own.
 */
import { readFileSync } from 'node:fs';

export interface CsvText {
  header: string[];
  /** each row's fields, as text */
  rows: string[][];
}

/** The header and up to `limit` rows of a CSV text. */
export function parseCsv(text: string, limit = Infinity): CsvText {
  const lines = text.split('\n', Number.isFinite(limit) ? limit + 1 : undefined).filter((l) => l !== '');
  if (lines.some((l) => l.includes('"'))) throw new Error('parseCsv reads plain CSV only (no quoted fields)');
  const [head = '', ...rest] = lines;
  return { header: head.split(','), rows: rest.map((l) => l.split(',')) };
}

/** A CSV file's rows as records: column name -> field text. */
export function readCsvRecords(path: string, limit = Infinity): Record<string, string>[] {
  const { header, rows } = parseCsv(readFileSync(path, 'utf8'), limit);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** Every column but `drop`, as numbers: a raw input row of a model. */
export function numericInputs(record: Record<string, string>, drop: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(record)) if (k !== drop) out[k] = Number(v);
  return out;
}
