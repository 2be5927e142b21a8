/**
 * What a node type is (one `*.node.ts` file each) and what it gets when it runs.
 * Nodes never reach for globals: the abort signal, progress, logs, metrics, the seeded RNG,
 * the compute backend and the data engine all come through `ctx`.
 */
import type { z } from 'zod';
import type { PortKind, PortSchema, PortSpec, Stage } from '../shared/catalog';
export type { PortSchema } from '../shared/catalog';
import type { TrialRecord } from '../shared/run';
import type { FeatureStoreRole, MetricNames, ServingReplay } from '../shared/catalog';
import type { ArtifactFile } from '../shared/artifacts';
import type { StartStepHelpers } from './train/cpu-step';
import type { TrainerConfig } from './train/trainer';
import type { NodeParams } from './params';

/**
 * What a node gets for each input: the shared artifact with its file on this machine
 * (`ArtifactFile` in shared/artifacts.ts):
 * - table: a Parquet file
 * - model, metrics, report, endpoint: a JSON file (see the shapes in `nodes/artifacts.ts`)
 * So `pipewright run-node` can pass artifacts between processes as plain files.
 */
export type ArtifactRef = ArtifactFile;

/** What a node returns for one output port. */
export type NodeOutput =
  /** a Parquet file the node wrote (normally under ctx.tmpDir) */
  | { kind: 'table'; path: string }
  /** a JSON document the engine writes canonically */
  | { kind: Exclude<PortKind, 'table'>; json: unknown };

export interface ColumnInfo {
  name: string;
  /** DuckDB type name, e.g. DOUBLE, BIGINT, VARCHAR, DATE */
  type: string;
}

export interface TableInfo {
  rows: number;
  columns: ColumnInfo[];
}

/** One column read into memory: numbers as a Float64Array (null -> NaN), everything else as strings/null. */
export type ColumnData =
  | { name: string; type: string; numeric: true; values: Float64Array }
  | { name: string; type: string; numeric: false; values: (string | null)[] };

/**
 * DuckDB, as nodes see it. Input tables are referred to in SQL by the names given in `tables`.
 * Implemented in `main/data/`.
 */
export interface DataEngine {
  /** Runs a query and returns its rows as plain objects (for small results only). */
  query(sql: string, tables?: Record<string, ArtifactRef>): Promise<Record<string, unknown>[]>;
  /**
   * Runs a query and writes its result to a new Parquet file; returns the file's path. For SQL
   * that a node builds itself (identifiers through `ident`, values through `literal`); SQL from
   * a pipeline file goes through `writeUserQuery`.
   */
  writeTable(sql: string, tables?: Record<string, ArtifactRef>, options?: WriteTableOptions): Promise<string>;
  /**
   * SQL written in a pipeline file (data.sql): exactly one query (SELECT, WITH … SELECT, VALUES),
   * run as a prepared statement on a locked DuckDB instance of its own that can read `tables`
   * (each a view named after its key) and nothing else: no file, URL, extension or setting.
   * Anything else throws a NodeError saying what was refused. Writes the rows to a new Parquet
   * file and returns its path; `signal` interrupts the query.
   */
  writeUserQuery(sql: string, tables: Record<string, ArtifactRef>, options?: { signal?: AbortSignal }): Promise<string>;
  /** Column names, types and row count of a table artifact. */
  describe(table: ArtifactRef): Promise<TableInfo>;
  /**
   * Reads columns (all when omitted) into memory, columnar. `into` gives, per column, an array of
   * the table's length that a numeric column is read into instead of a new one (a wide table can
   * then be read a column at a time through one buffer); a text column ignores it.
   */
  readColumns(table: ArtifactRef, columns?: string[], options?: { into?: (Float64Array | undefined)[] }): Promise<ColumnData[]>;
  /** Writes in-memory columns to a new Parquet file; returns its path. */
  writeColumns(columns: ColumnData[]): Promise<string>;
  /** Quotes an identifier for DuckDB SQL. */
  ident(name: string): string;
  /** Quotes a string literal for DuckDB SQL. */
  literal(value: string): string;
  /**
   * Reads a CSV file into a new Parquet file; returns its path. Never guesses silently: a ragged
   * or mis-quoted row, or a value that does not fit a declared type, throws a NodeError with the
   * file and line. Optional so a minimal engine can leave it out.
   */
  readCsv?(path: string, options: CsvReadOptions): Promise<string>;
  /** Runs a query (SQLite's dialect) on a SQLite file and writes the result to a new Parquet file. */
  readSqlite?(path: string, query: string): Promise<string>;
  /** Re-encodes a Parquet file with the engine's fixed writer options; returns the new file's path. */
  readParquet?(path: string): Promise<string>;
  /**
   * Interrupts every statement this engine is running (a node was cancelled). A data file that
   * is not a regular file is refused before it is opened, so no read can block where this
   * cannot reach.
   */
  interrupt?(): void;
  /**
   * The sha256 of a table file this engine wrote, taken while it was written (hash-while-written.ts),
   * if the file is unchanged since; undefined otherwise (then hash the file). Given once per file.
   */
  writtenHash?(path: string): string | undefined;
  /** The folder of bundled sample data (iris.csv, breast_cancer.csv, penguins.csv, ...). */
  resourcesDir?: string;
  /**
   * The columns `readCsv` would give, without reading the rows: the same header checks, then a
   * DuckDB DESCRIBE (types sniffed from a sample, as the full read does). For the editor's pickers.
   */
  describeCsv?(path: string, options: CsvReadOptions): Promise<ColumnInfo[]>;
  /** The columns of a Parquet file, from its footer. */
  describeParquet?(path: string): Promise<ColumnInfo[]>;
  /**
   * features.code: runs a JavaScript function of the table in a sandboxed worker (no require,
   * process, fetch or timers; a time and memory limit) and writes what it returns.
   */
  runCode?(code: string, table: ArtifactRef, options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ path: string; logs: string[] }>;
}

export interface WriteTableOptions {
  /** Parquet key-value metadata (e.g. `pipewright.scaler`, see nodes/features/scaler.ts) */
  metadata?: Record<string, string>;
}

export interface CsvReadOptions {
  /** one character; detected from the header line when omitted */
  delimiter?: string;
  header: boolean;
  /** column -> DuckDB type */
  types: Record<string, string>;
}

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface Compute {
  backend: BackendName;
  /** the TensorFlow.js namespace with `backend` active */
  tf: typeof import('@tensorflow/tfjs');
  /**
   * Runs independent tasks (train.sweep's trials) in parallel worker threads on the same backend,
   * when the host can; absent or returning null means: run them here, one after another.
   */
  parallel?: ParallelRunner;
  /** cores a data-parallel training step may use (PIPEWRIGHT_PARALLEL caps it); absent = 1 */
  cores?: number;
  /** starts the helper threads of a data-parallel training step (nodes/train/cpu-step.ts) */
  startStepHelpers?: StartStepHelpers;
}

/** A task for a parallel worker: a kind the worker knows (a static table, so bundles work) and its input. */
export interface ParallelTask {
  /** 'train.sweep-trial': nodes/train/sweep-trial.ts runSweepTrial(input) */
  kind: 'train.sweep-trial';
  /** passed by structured clone */
  input: unknown;
  /** rough work estimate (e.g. rows × epochs); small batches are not worth starting workers for */
  cost?: number;
}

export type ParallelRunner = (tasks: ParallelTask[], signal: AbortSignal) => Promise<unknown[] | null>;

export type { LogLevel } from '../shared/log';
import type { LogLevel } from '../shared/log';

export interface RunContext {
  nodeId: string;
  signal: AbortSignal;
  /** 0..1, with an optional message ("epoch 3/50") */
  progress(fraction: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  /** With `step`, a point of a series (loss per epoch); without, a scalar metric of this node. */
  metric(key: string, value: number, step?: number): void;
  /** A seeded uniform RNG in [0, 1): the same seed gives the same sequence everywhere. */
  random(seed: number): () => number;
  /** A scratch folder for this execution; outputs are written here. */
  tmpDir: string;
  /** Resolves a path param against the pipeline file's folder. */
  resolvePath(p: string): string;
  data: DataEngine;
  /** Loads the compute backend (only nodes with `usesCompute` may call it). */
  compute(): Promise<Compute>;
  /**
   * Records one finished trial (train.sweep) as a child execution of this node's execution.
   * Optional: a host that does not record trials leaves it out.
   */
  trial?(record: TrialRecord): void;
  /** Services of the host (inline nodes only): see RunHost. */
  host?: RunHost;
}

/**
 * Services of the host that runs the pipeline (the engine with its project file). Only nodes that
 * run on the engine's thread (`inline`) get them; under `run-node` there is none.
 */
export interface RunHost {
  /** deploy.register: registers the model on this node's `model` input (contract section 5) */
  registerModel?(req: { name: string; alias?: string; approval: 'none' | 'required'; metrics?: ArtifactRef }): Promise<RegisteredModel>;
  /**
   * deploy.serve: serves the registered model NAME (contract section 4b). Under `pipewright run`
   * it answers one real prediction through the HTTP stack on a free port and stops; in the app the
   * server keeps running (listed and stopped in the editor).
   */
  serveModel?(req: { name: string; host: string; port: number }): Promise<ServedEndpoint>;
  /**
   * data.predictions: the prediction log of a registered model (contract sections 4b and 6) in a
   * window of request times (epoch ms, `since` inclusive, `until` exclusive), oldest first.
   * An unknown model, alias or version throws an Error naming it.
   */
  loggedRequests?(req: { model: string; since?: number; until?: number; limit?: number; labeled?: boolean }): Promise<LoggedRequests>;
}

/** What a registered model's logged requests look like: enough to type the table without rows. */
export interface LoggedModel {
  name: string;
  task: 'classification' | 'regression';
  /** classes in score order (classification) */
  classes?: (string | number | boolean)[];
  /** the training label's column name (the attached true label gets it) */
  label: string;
  /** the raw input columns with their DuckDB types */
  inputs: ColumnInfo[];
}

export interface LoggedRequests {
  model: LoggedModel;
  rows: {
    /** ISO 8601 UTC */
    at: string;
    requestId: string;
    version: number;
    inputs: Record<string, unknown>;
    /** { label, scores } or a number; null when the log holds none */
    prediction: unknown;
    /** the label attached by feedback, or null */
    label: unknown;
  }[];
}

export interface ServedEndpoint {
  url: string;
  name: string;
  version: number;
  /** true: still running (the app); false: answered one request and stopped */
  longLived: boolean;
  /** the one prediction answered under `pipewright run` */
  prediction?: unknown;
}

export interface RegisteredModel {
  name: string;
  version: number;
  /** false: the same model was registered under this name before */
  created: boolean;
  inputs: { name: string; type: string; nullable: boolean }[];
  aliasMoved?: { alias: string; from: number | null };
  pending?: { alias: string; version: number; from: number | null };
}

/**
 * What `servingReplay.capture` gets: the node's params, the run's artifacts of this node, and a
 * run context (no compute, never aborted) so it can call the same fitting code as `run`.
 */
export interface ReplayCaptureArgs<P> {
  params: P;
  inputs: Record<string, ArtifactRef>;
  outputs: Record<string, ArtifactRef>;
  ctx: RunContext;
  /** columns of this node's output in which a later step of the chain accepts a missing value */
  handledLater: ReadonlySet<string>;
}

/** What a replaying node recorded: JSON state for `apply`, and the columns whose nulls it handles. */
export interface ReplayCapture {
  state: unknown;
  /** raw columns in which a missing value is fine (imputed, or encoded as all zeros) */
  handlesNull?: string[];
}

export interface ReplayContext {
  /** features.code: runs code on in-memory columns in the sandbox */
  runCode?(code: string, columns: ColumnData[], options: { timeoutMs: number }): Promise<ColumnData[]>;
  /** features.join: the project's online store (absent: the model is served without a project) */
  online?: OnlineLookup;
  /** A bad request row (the server answers 400): names the column and row. */
  badInput(message: string, column: string | null, row: number | null): Error;
}

/** The online store as a serving step reads it (main/features/online.ts). */
export interface OnlineLookup {
  /**
   * Per key (entity values in the view's entity order, integers as numbers), the stored row's
   * event time (epoch microseconds) and the named features' values, or null: not stored.
   * Throws when the project has no such view or the view lacks a feature.
   */
  read(view: string, features: string[], keys: unknown[][]): ({ eventTs: number; values: unknown[] } | null)[];
}

export interface RowReplay<P> {
  capture?(args: ReplayCaptureArgs<P>): Promise<ReplayCapture>;
  apply?(state: unknown, table: ColumnData[], ctx: ReplayContext): ColumnData[] | Promise<ColumnData[]>;
  /**
   * `apply` compiled for one row at a time, once per served model: the model server predicts a
   * single-row request through these plain functions instead of building columns. Given the
   * columns that enter (in order), returns the columns that leave and a function that writes one
   * row's values from `input` into `output` (both indexed by those column lists). It must give
   * exactly what `apply` gives on that row (test/integration/serving-chain.test.ts compares them
   * on every bundled example). Absent: such a model's single rows go through `apply`.
   */
  compileRow?(state: unknown, columns: readonly RowColumn[]): CompiledRow;
}

/** A column of one row in a compiled chain: numeric values are numbers (NaN = missing; yes/no 0/1), others strings or null. */
export interface RowColumn {
  name: string;
  numeric: boolean;
}

/** One row's values, indexed like the RowColumn list they belong to. */
export type RowValues = (number | string | null)[];

export interface CompiledRow {
  columns: RowColumn[];
  run(input: RowValues, output: RowValues): void;
}

/** What a schema function may use: reading file headers, never rows, never writing. */
export interface SchemaContext {
  resolvePath(p: string): string;
  data: Pick<DataEngine, 'describeCsv' | 'describeParquet' | 'resourcesDir'>;
  /**
   * The registered model a reference names, in the project the editor has open (data.predictions);
   * absent without a project. Throws an Error naming an unknown model.
   */
  model?(ref: string): Promise<LoggedModel>;
}

export interface SchemaArgs<P> {
  /** input port -> what the upstream node said it gives (absent: unknown or not connected) */
  inputs: Record<string, PortSchema | undefined>;
  /** the node's params with defaults when they parse, else as written (any may be missing) */
  params: Partial<P>;
  ctx: SchemaContext;
}

export interface SchemaResult {
  /** output port -> what it carries */
  outputs: Record<string, PortSchema>;
  /** param -> the values that make sense for it here (a gate's metric names, a sweep's) */
  choices?: Record<string, string[]>;
}

export interface RunArgs<P> {
  inputs: Record<string, ArtifactRef>;
  params: P;
  ctx: RunContext;
}

/**
 * A node type. `type`, `version`, `params`, `check` and `migrations` come from its run-free
 * `<name>.params.ts` (nodes/params.ts), which the editor bundles to validate without main.
 */
export interface NodeDefinition<S extends z.ZodType = z.ZodType> extends NodeParams<S> {
  title: string;
  stage: Stage;
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  variadicInputs?: { kind: PortKind; min: number };
  columnParams?: string[];
  codeParams?: Record<string, 'javascript' | 'sql'>;
  /** Output depends on the compute backend: it joins the cache key. */
  usesCompute?: boolean;
  /**
   * Cheap enough to run on the engine's own thread (no DuckDB, no compute; microseconds): skips
   * the worker round trip, which would dominate. Ignored for nodes with `usesCompute`.
   */
  inline?: boolean;

  // ---- Capabilities: what other parts of Pipewright need to know about this type. Declared
  // here, never as a list of type ids elsewhere, so a new type is picked up by adding its file.

  /** Params naming a file the node reads (relative to the pipeline file): exports ship and hash them. */
  readsFiles?: string[];
  /**
   * The file name endings (lower case, with the dot) its `readsFiles` params take: the editor's
   * file picker lists them, and a file dropped on the canvas becomes a node of the type taking it.
   */
  fileExtensions?: string[];
  /** A model trainer: `train.sweep` offers it and builds each trial's training from its params. */
  trainer?: { config(params: z.infer<S>): TrainerConfig };
  /** A gate: which metric of which input it checks, from its params (JUnit gate test cases). */
  gate?: { input: string; spec(params: z.infer<S>): { metric: string; min?: number; max?: number } };
  /** Its scalar metrics sum up the run (`pipewright runs`, the runs list) when the run has such a node. */
  headlineMetrics?: boolean;
  /**
   * The scalar metrics the type can produce (a metric trigger is validated against it): exact
   * names, patterns where `*` stands for any text (`*.pValue`: one per column), and `from`, an
   * input port whose metrics it passes on. A type with a metrics output that declares nothing
   * may produce any name.
   */
  metrics?: MetricNames;
  /** Runs trials of another type and records them (the editor's trials table); names its params. */
  sweep?: { metric: string; goal: string; space: string };
  /**
   * How the node replays row by row at serving time (contract section 6); absent: it does not.
   * `capture` learns what the node fitted from the run's artifacts when a model is registered;
   * `apply` replays it on a batch of raw rows (absent: rows pass through, as `features.split`).
   */
  servingReplay?: ServingReplay & RowReplay<z.infer<S>>;
  /** Never cached: runs again on every run (deploy.register, deploy.serve). */
  neverCached?: boolean;
  /**
   * Works on the project file the run records into (the model registry, the prediction log),
   * which a lone `run-node` task has not got: the Argo export leaves such a node out when it runs
   * after the gates (with what depends on it, named in the file and on stderr), and refuses a
   * pipeline whose other nodes need its output.
   */
  needsProject?: boolean;
  /**
   * Runs after every other node of the run has finished, and only when every gate passed (else
   * skipped, naming the gate): the deploy nodes (contract section 4b).
   */
  afterGates?: boolean;
  /**
   * What the outputs carry, from the inputs' schemas and the params, without running (columns
   * through the graph, metric names): the editor offers pickers from it. Throw a NodeError for a
   * problem worth showing (a data file that is not there); absent: the outputs are unknown.
   */
  schema?(args: SchemaArgs<z.infer<S>>): SchemaResult | Promise<SchemaResult>;
  /**
   * A feature-store node (contract section 7): after it succeeds, main/features/ records a
   * `view`'s definition in the project and a `materialize` writes the online store; a model
   * trained downstream of a `join` is served with its features looked up online.
   */
  featureStore?: FeatureStoreRole;
  /**
   * A definition that depends on the other registered types (train.sweep offers every trainer):
   * the registry calls it with its types and uses what it returns in place of this one.
   */
  bind?(types: readonly NodeDefinition[]): NodeDefinition;
  /** Absent while the computation is not built: the catalogue says `available: false`. */
  run?(args: RunArgs<z.infer<S>>): Promise<Record<string, NodeOutput>>;
}

/** Helps TypeScript infer params from the schema in each node file. */
export function defineNode<S extends z.ZodType>(def: NodeDefinition<S>): NodeDefinition<S> {
  return def;
}

/** A node failure with a message meant for the user (no stack trace needed). */
export class NodeError extends Error {
  /** `column` names a table column; `columnNumber` is the 1-based character position on `line`. */
  constructor(message: string, readonly details?: { file?: string; line?: number; column?: string; columnNumber?: number }) {
    super(message);
    this.name = 'NodeError';
  }
}

/** A gate that was missed: the run ends `gate_failed` (exit code 3), not `failed`. */
export class GateFailure extends Error {
  constructor(message: string, readonly metric: string, readonly value: number | null) {
    super(message);
    this.name = 'GateFailure';
  }
}
