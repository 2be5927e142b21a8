/**
 * The one set of Parquet writer options for every table artifact. Fixed options give the same
 * bytes for the same rows (artifacts are content-addressed).
 * - Format V2 encodings (BYTE_STREAM_SPLIT for floats, DELTA_BINARY_PACKED for integers) cost
 *   about a quarter less CPU than V1's PLAIN on numeric tables, at the same size after snappy.
 * - Dictionaries off: on numeric data DuckDB's attempt to build one is thrown away after costing
 *   about a fifth of the write; snappy still compresses repeated text.
 * - snappy rather than none: a few tenths of a second per 100 MB, and categorical text (kept
 *   PLAIN without dictionaries) would otherwise bloat.
 * Measured on the 1M x 21 numeric bench table (bench/csv.bench.ts), CPU seconds for CSV -> Parquet:
 * V1 snappy 3.2-3.5, V2 snappy 2.4-2.7, V2 uncompressed 1.9-2.1 (17% bigger file).
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, PARQUET_VERSION V2, COMPRESSION snappy, ROW_GROUP_SIZE 122880, DICTIONARY_SIZE_LIMIT 1';
