/**
 * The Parquet writer options of table artifacts. Fixed options give the same bytes for the same
 * rows (artifacts are content-addressed); which of the two sets a table gets depends only on its
 * column types, so that holds too.
 *
 * PARQUET_OPTIONS, for any table:
 * - Format V2 encodings (BYTE_STREAM_SPLIT for floats, DELTA_BINARY_PACKED for integers) cost
 *   about a quarter less CPU than V1's PLAIN on numeric tables, at the same size after snappy.
 * - Dictionaries off: on numeric data DuckDB's attempt to build one is thrown away after costing
 *   about a fifth of the write; snappy still compresses repeated text.
 * - snappy rather than none: a few tenths of a second per 100 MB, and categorical text (kept
 *   PLAIN without dictionaries) would otherwise bloat.
 * Measured on the 1M x 21 numeric bench table (bench/csv.bench.ts), CPU seconds for CSV -> Parquet:
 * V1 snappy 3.2-3.5, V2 snappy 2.4-2.7, V2 uncompressed 1.9-2.1 (17% bigger file).
 *
 * NUMERIC_PARQUET_OPTIONS, for a table whose every column is a number or a boolean (the
 * readers' numeric types, isNumericType): V1 PLAIN, uncompressed. Random-looking doubles hardly
 * compress (snappy saved 16%), and plain values are copied, not encoded: on the same table, CSV ->
 * Parquet in CPU seconds at load 17 (min of 3 each, the same minute): V2 snappy 3.27, V2
 * uncompressed 2.58, V1 plain uncompressed 1.94; files of 135, 153 and 160 MiB; reading every
 * column back 0.16, 0.12 and 0.14 CPU-s.
 *
 * ROW_GROUP_SIZE 30720 rather than DuckDB's 122880, for both sets. DuckDB's order-preserving COPY
 * holds whole row groups until they are written in order, and every one is fresh memory: a fresh
 * process (every `pipewright run`) pays a page fault per 4 KiB of it, which on a VM costs more than
 * copying the bytes. Quiet machine, 1M x 21 numeric CSV -> Parquet, first COPY of a fresh process
 * (3 runs each): 122880 rows 1.24-1.37 s (47k page faults), 61440 1.02-1.08 s, 30720 0.80-0.89 s
 * (18-24k faults), 20480 0.78-0.99 s, 10240 0.98-1.01 s. Peak RSS of that run fell from 310-322 to
 * 234 MiB. 33 row groups of 1M rows still read back as fast (readColumns 1.7-2.0 s either way).
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, PARQUET_VERSION V2, COMPRESSION snappy, ROW_GROUP_SIZE 30720, DICTIONARY_SIZE_LIMIT 1';

export const NUMERIC_PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 30720, DICTIONARY_SIZE_LIMIT 1';

/** The options for a table of these columns: `numeric` tells a number or boolean type. */
export function parquetOptionsFor(types: readonly string[], numeric: (type: string) => boolean): string {
  return types.length > 0 && types.every(numeric) ? NUMERIC_PARQUET_OPTIONS : PARQUET_OPTIONS;
}
