/**
 * The one set of Parquet writer options for every table artifact. Fixed options give the same
 * bytes for the same rows (artifacts are content-addressed). Dictionaries are off: on numeric
 * data (the common case here) DuckDB's attempt to build one costs about a fifth of the write's
 * CPU time and is then thrown away; snappy still compresses repeated text well.
 */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880, DICTIONARY_SIZE_LIMIT 1';
