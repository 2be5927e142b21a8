/**
 * The planner: the one place a pipeline becomes something to run. `pipewright run`, `run-node`,
 * the API's `run.start` and the exports all go through it, so a pipeline is validated once, its
 * `${params.x}` references resolved once (after `--param` overrides), its defaults applied once
 * and its text canonicalised once. Nothing downstream re-parses or re-resolves: the engine, the
 * recorder and the standalone runner read the plan.
 *
 * The plan is immutable (frozen, deeply for params): what was planned is what runs.
 */
import { loadPipeline, resolveParamRefs, serializePipeline, topologicalOrder, type Issue, type ParamValue, type Pipeline } from '../../shared/pipeline';
import { applyDefaults, createChecker } from '../../nodes/checker';
import type { NodeRegistry } from '../../nodes/registry';
import type { NodeDefinition } from '../../nodes/types';
import { canonicalJson, sha256Hex } from './canonical';
import { loadRegistry } from './plugins';

/** A pipeline that cannot run: every problem, each with its place (exit code 2). */
export class InvalidPipelineError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.place}: ${i.message}`).join('\n'));
    this.name = 'InvalidPipelineError';
  }
}

export interface PlannedNode {
  readonly id: string;
  readonly type: string;
  readonly def: NodeDefinition;
  /** params with references resolved and defaults applied: what the node runs with */
  readonly params: Readonly<Record<string, unknown>>;
  /** input port -> upstream node and port */
  readonly inputs: Readonly<Record<string, { readonly node: string; readonly port: string }>>;
  readonly cache: boolean;
  /**
   * The part of the cache key known before anything runs: sha256 of type, version and params
   * (canonical JSON). The engine's key adds the input artifacts' hashes (and the backend).
   */
  readonly staticKey: string;
}

export interface Plan {
  readonly pipeline: Pipeline;
  /** the canonical text of the pipeline (comments kept): what every caller records */
  readonly text: string;
  /** sha256 of `text`: the pipeline version hash in the project file */
  readonly versionHash: string;
  readonly registry: NodeRegistry;
  readonly nodes: ReadonlyMap<string, PlannedNode>;
  /** topological order (file order among the ready) */
  readonly order: readonly string[];
  /** pipeline params after overrides */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly overrides: Readonly<Record<string, ParamValue>>;
  /** plugin modules whose node types the plan uses (workers load the same) */
  readonly plugins: readonly string[];
}

export interface PlanOptions {
  overrides?: Record<string, ParamValue>;
  plugins?: readonly string[];
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}

function inputsOf(inputs: Record<string, string>): Record<string, { node: string; port: string }> {
  const out: Record<string, { node: string; port: string }> = {};
  for (const [port, ref] of Object.entries(inputs)) {
    const dot = ref.lastIndexOf('.');
    out[port] = { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
  }
  return out;
}

/**
 * Plans a pipeline model that is already validated against the catalogue (an editor's model, a
 * test's): overrides, references and defaults, each node's static key. `text` is the text it was
 * read from, for its comments (or `canonicalText`, already canonical); throws InvalidPipelineError.
 */
export async function planPipeline(pipeline: Pipeline, opts: PlanOptions & { text?: string; canonicalText?: string } = {}): Promise<Plan> {
  const registry = await loadRegistry(opts.plugins ?? []);
  const overrides = opts.overrides ?? {};
  const resolved = resolveParamRefs(pipeline, overrides);
  const issues: Issue[] = [...resolved.errors];
  const checker = createChecker(registry);
  const nodes = new Map<string, PlannedNode>();
  for (const n of pipeline.nodes) {
    const def = registry.get(n.type);
    if (!def) {
      issues.push({ place: `nodes.${n.id}.type`, message: `unknown node type '${n.type}'` });
      continue;
    }
    // Checked again after overrides, with the same messages as `pipewright validate`.
    const raw = resolved.nodes[n.id] ?? {};
    const problems = checker.checkParams(def.type, raw);
    if (problems.length) {
      issues.push(...problems.map((p) => ({ place: [`nodes.${n.id}.params`, ...p.path.map(String)].join('.'), message: p.message })));
      continue;
    }
    const params = deepFreeze(applyDefaults(def, raw));
    let staticKey: string | undefined;
    // (the definition holds zod schemas, which cache into themselves: never frozen)
    nodes.set(
      n.id,
      Object.freeze({
        id: n.id,
        type: n.type,
        def,
        params,
        inputs: deepFreeze(inputsOf(n.inputs)),
        cache: n.cache !== false,
        // hashed when first asked for (the exports ask; a run keys its nodes by their inputs too)
        get staticKey() {
          return (staticKey ??= sha256Hex(canonicalJson({ type: def.type, version: def.version, params })));
        },
      }),
    );
  }
  if (issues.length) throw new InvalidPipelineError(issues);
  const frozen = deepFreeze(structuredClone(pipeline));
  // Written once, when first asked for (a run without a text to record never needs it);
  // `canonicalText`: the caller already wrote the model canonically (no second pass).
  let text = opts.canonicalText;
  let hash: string | undefined;
  const textOf = (): string => (text ??= serializePipeline(frozen, opts.text));
  return Object.freeze({
    pipeline: frozen,
    get text() {
      return textOf();
    },
    get versionHash() {
      return (hash ??= sha256Hex(textOf()));
    },
    registry,
    nodes,
    order: Object.freeze(topologicalOrder(pipeline)),
    params: deepFreeze(resolved.params),
    overrides: deepFreeze({ ...overrides }),
    plugins: Object.freeze([...(opts.plugins ?? [])]),
  });
}

/** Reads, validates and plans a pipeline text (what the CLI and the API get); throws InvalidPipelineError. */
export async function planText(text: string, opts: PlanOptions = {}): Promise<Plan> {
  const registry = await loadRegistry(opts.plugins ?? []);
  const loaded = loadPipeline(text, createChecker(registry));
  if (!loaded.pipeline) throw new InvalidPipelineError(loaded.errors);
  return planPipeline(loaded.pipeline, { ...opts, text });
}
