/**
 * The in-memory pipeline model: what a `*.pipeline.yaml` file says (contract section 1).
 * Pure data, JSON-safe, shared by the engine, the CLI and the editor.
 */

import type { Trigger } from './triggers';

export const API_VERSION = 'pipewright/v1';
export const PIPELINE_KIND = 'Pipeline';

/** Any JSON-safe value a param may hold. `${params.x}` references stay strings until resolved. */
export type ParamValue = null | boolean | number | string | ParamValue[] | { [key: string]: ParamValue };

export interface PipelineNode {
  id: string;
  type: string;
  /** input port -> "<nodeId>.<outputPort>", in file order */
  inputs: Record<string, string>;
  params: Record<string, ParamValue>;
  /** `cache: false` forces a re-run; undefined means the default (true) */
  cache?: boolean;
  /** keys that start with `x-`, kept as they are */
  extensions: Record<string, ParamValue>;
}

export interface PipelineMetadata {
  name: string;
  description?: string;
  extensions: Record<string, ParamValue>;
}

export interface Position {
  x: number;
  y: number;
}

export interface Pipeline {
  apiVersion: string;
  kind: string;
  metadata: PipelineMetadata;
  params: Record<string, ParamValue>;
  /** in file order */
  nodes: PipelineNode[];
  /** `triggers:` (contract section 8): what starts the pipeline without a person; absent when none */
  triggers?: Trigger[];
  /** top-level keys that start with `x-` */
  extensions: Record<string, ParamValue>;
  /** editor only; node id -> position */
  layout: Record<string, Position>;
}

/** One problem, located. `place` is a dotted path such as `nodes.split.params.testFraction`. */
export interface Issue {
  place: string;
  message: string;
  line?: number;
  column?: number;
}

export function formatIssue(i: Issue, file?: string): string {
  const loc = i.line != null ? `${file ? file + ':' : ''}${i.line}${i.column != null ? ':' + i.column : ''}: ` : file ? `${file}: ` : '';
  return `${loc}${i.place}: ${i.message}`;
}

export const NODE_ID_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const PIPELINE_NAME_RE = /^[a-z0-9-]+$/;
/** A whole-value reference to a pipeline parameter. */
export const PARAM_REF_RE = /^\$\{params\.([A-Za-z_][A-Za-z0-9_-]*)\}$/;

/** Parses "<nodeId>.<outputPort>"; null when malformed. */
export function parseInputRef(ref: string): { node: string; port: string } | null {
  const dot = ref.lastIndexOf('.');
  if (dot <= 0 || dot === ref.length - 1) return null;
  return { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

export function emptyPipeline(name: string): Pipeline {
  return {
    apiVersion: API_VERSION,
    kind: PIPELINE_KIND,
    metadata: { name, extensions: {} },
    params: {},
    nodes: [],
    extensions: {},
    layout: {},
  };
}
