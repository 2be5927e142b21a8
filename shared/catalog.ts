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
}

export type Catalog = NodeTypeInfo[];
