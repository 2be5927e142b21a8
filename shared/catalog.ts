/**
 * The node catalogue as JSON: what the registry in `nodes/` sends to the renderer and what
 * validation checks a pipeline against. Param schemas travel as JSON Schema.
 */

export type PortKind = 'table' | 'model' | 'metrics' | 'report' | 'endpoint';
export const PORT_KINDS: readonly PortKind[] = ['table', 'model', 'metrics', 'report', 'endpoint'];

/** MLOps stage, the palette's grouping. */
export type Stage = 'data' | 'features' | 'train' | 'evaluate' | 'gate' | 'deploy' | 'monitor';
export const STAGES: readonly Stage[] = ['data', 'features', 'train', 'evaluate', 'gate', 'deploy', 'monitor'];

export interface PortSpec {
  name: string;
  kind: PortKind;
  optional?: boolean;
  description?: string;
}

export type JsonSchema = { [key: string]: unknown };

export interface NodeTypeInfo {
  type: string;
  version: number;
  title: string;
  stage: Stage;
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** Nodes such as `data.sql` take any number of freely named inputs of one kind. */
  variadicInputs?: { kind: PortKind; min: number };
  /** JSON Schema (draft 2020-12) of the params object, defaults included. */
  paramsSchema: JsonSchema;
  /** false while the node's computation is not built; running it fails, never pretends. */
  available: boolean;
  /** Params whose value is a column of the upstream table (the editor offers a column picker). */
  columnParams?: string[];
  /** Params edited as code: language for the editor. */
  codeParams?: Record<string, 'javascript' | 'sql'>;
  /** What the editor and other readers of the catalogue need to know about the type. */
  capabilities?: NodeCapabilities;
}

export type Catalog = NodeTypeInfo[];

/**
 * How a node replays at serving time (contract section 6), declared by the node type:
 * - `transform`: its row-wise work is applied to each request row as in training;
 * - `passthrough`: rows go through unchanged (features.split).
 * The model carries the chain; the model registry builds it from these declarations.
 */
export interface ServingReplay {
  mode: 'transform' | 'passthrough';
  /** output port -> the input port whose rows it carries */
  ports: Record<string, string>;
  /** state fitted on the training rows that the replay needs, and where the run keeps it */
  fitted?: string;
}

/** The scalar metric names a node type can produce (see `metrics` in nodes/types.ts). */
export interface MetricNames {
  names?: string[];
  /** `*` stands for any text, e.g. `*.pValue` */
  patterns?: string[];
  /** an input port whose metrics the node passes on (gate.metric) */
  from?: string;
}

/** What a feature-store node is (contract section 7). */
export type FeatureStoreRole = 'view' | 'join' | 'materialize';

/** The JSON-safe capabilities of a node type (see NodeDefinition in nodes/types.ts). */
export interface NodeCapabilities {
  readsFiles?: string[];
  fileExtensions?: string[];
  trainer?: true;
  gate?: { input: string };
  headlineMetrics?: true;
  sweep?: { metric: string; goal: string; space: string };
  servingReplay?: ServingReplay;
  metrics?: MetricNames;
  featureStore?: FeatureStoreRole;
}

/**
 * What an output port will carry, known before running (the editor's column and metric pickers),
 * from each node type's `schema` (nodes/types.ts). Absent fields are unknown; `partial` says what
 * else a run adds that cannot be named before it (one-hot's columns, one per value seen).
 */
export interface PortSchema {
  /** table: its columns, in order (DuckDB type names) */
  columns?: { name: string; type: string }[];
  partial?: string;
  /** a feature view (features.view's output): its name and feature columns, for the join after it */
  featureView?: { name: string; features: string[] };
  /** metrics: the scalar metric names */
  metrics?: string[];
}

/** One node's inferred schema: its outputs, values for its params, or why it could not be told. */
export interface NodeSchema {
  outputs: Record<string, PortSchema>;
  choices?: Record<string, string[]>;
  error?: string;
}
