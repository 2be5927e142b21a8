/**
 * `pipewright export --to argo`: an Argo Workflow that runs a pipeline one node per pod.
 *
 * Each node is a DAG task whose container runs `pipewright run-node` on artifact files: input
 * artifacts come from the upstream tasks' output artifacts through the cluster's default
 * artifact repository (no credentials in the file), and the pipeline file itself travels inline
 * as a raw input artifact, so the workflow is self-contained.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ParamValue, Pipeline, PipelineNode } from '../../shared/pipeline/model';
import { parseInputRef } from '../../shared/pipeline/model';
import {
  ARGO_EXPR_WORDS,
  DNS_LABEL_RE,
  ExportError,
  fileParams,
  isScalarParam,
  dependencyOrder,
  dnsNames,
  nodeParamRefs,
  paramRefs,
  registryLookup,
  upstreamOf,
  type ExportNodeType,
  type NodeTypeLookup,
} from './graph';
import YAML from 'yaml';
import { toYamlText } from './yaml-text';

export interface ArgoExportOptions {
  /** the pipeline file's canonical YAML, shipped into every pod */
  pipelineText: string;
  /** the runner image (see the Dockerfile) */
  image?: string;
  /** the image for nodes that use the compute backend when `gpu` is on (a CUDA build) */
  gpuImage?: string;
  /** training and evaluation nodes ask for one `nvidia.com/gpu` */
  gpu?: boolean;
  /**
   * The folder the pipeline file is placed in inside the pod, and the working directory:
   * relative data paths resolve against it, so the data must be in the image or a volume there.
   */
  workdir?: string;
  /** the ConfigMap that Argo's memoization cache uses */
  cacheConfigMap?: string;
  /** how long a memoized result stays valid */
  cacheMaxAge?: string;
  /** the uid the pods run as (never root) */
  runAsUser?: number;
  /** sha256 of each file-reading node's data file, where the exporter could read it */
  sourceHashes?: Record<string, string>;
  /** node type lookup; the core registry by default */
  types?: NodeTypeLookup;
}

export const DEFAULT_IMAGE = 'ghcr.io/pipewright/runner:latest';
export const ENTRYPOINT = 'main';
// a hyphen keeps it apart from every port name (ports are identifiers)
const PIPELINE_ARTIFACT = 'pipeline-file';
const IN_DIR = '/in';
const OUT_DIR = '/out';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A pipeline param value as `--param k=v` reads it back (a YAML 1.2 scalar): `42` stays the
 * number 42, the string "42" is quoted. Argo parameters are strings, so this is what they hold.
 */
export function paramText(value: ParamValue): string {
  if (typeof value === 'string' && !value.includes('\n')) return YAML.stringify(value, { lineWidth: 0 }).trimEnd();
  return JSON.stringify(value);
}

interface NodePlan {
  node: PipelineNode;
  type: ExportNodeType;
  name: string;
  /** pipeline params this node or any upstream node refers to, sorted */
  paramClosure: string[];
  staticKey: string;
}

/**
 * The memoization key of every node. The engine keys its cache on type, version, params and
 * the hashes of the input artifacts; a memoize key is fixed before the pod runs, when
 * `{{inputs.artifacts...}}` hashes are not available, so here the upstream nodes' own keys
 * stand in for their output hashes: a node's key is a hash of its type, version, params as
 * written, backend class, data-file hash (for file sources) and the keys of its inputs, followed
 * by a hash of the values of every pipeline param its upstream closure refers to (they are only
 * known at submission). Argo refuses a key outside [a-zA-Z0-9][-a-zA-Z0-9]*, and param values
 * hold dots and more, so the values go through an expression tag (`sprig.sha256sum`).
 */
function plan(pipeline: Pipeline, opts: ArgoExportOptions): NodePlan[] {
  const lookup = opts.types ?? registryLookup;
  const order = dependencyOrder(pipeline);
  const names = dnsNames(
    pipeline.nodes.map((n) => n.id),
    [ENTRYPOINT],
    ARGO_EXPR_WORDS,
  );
  const plans = new Map<string, NodePlan>();
  for (const node of order) {
    const type = lookup(node.type);
    if (!type) throw new ExportError(`nodes.${node.id}.type`, `unknown node type "${node.type}"`);
    for (const p of nodeParamRefs(node)) {
      if (!(p in pipeline.params)) throw new ExportError(`nodes.${node.id}.params`, `refers to undeclared pipeline param "${p}"`);
    }
    const refs = nodeParamRefs(node);
    const closure = new Set(refs.filter((r) => isScalarParam(pipeline.params[r])));
    // values of list/map params are fixed in the shipped file, so they join the static key
    const fixed = Object.fromEntries(refs.filter((r) => !isScalarParam(pipeline.params[r])).map((r) => [r, pipeline.params[r]]));
    const inputs: Record<string, [string, string]> = {};
    for (const [port, ref] of Object.entries(node.inputs)) {
      const r = parseInputRef(ref) as { node: string; port: string };
      const up = plans.get(r.node) as NodePlan;
      up.paramClosure.forEach((p) => closure.add(p));
      inputs[port] = [up.staticKey, r.port];
    }
    const keyDoc = {
      type: node.type,
      version: type.version,
      params: node.params,
      fixedParams: Object.keys(fixed).length ? fixed : undefined,
      backend: type.usesCompute ? (opts.gpu ? 'gpu' : 'cpu') : undefined,
      source: type.readsFiles.length ? (opts.sourceHashes?.[node.id] ?? null) : undefined,
      inputs,
    };
    const staticKey = createHash('sha256').update(canonicalJson(keyDoc)).digest('hex').slice(0, 40);
    plans.set(node.id, {
      node,
      type,
      name: names.get(node.id) as string,
      paramClosure: [...closure].sort(),
      staticKey,
    });
  }
  return order.map((n) => plans.get(n.id) as NodePlan);
}

export function memoKey(p: Pick<NodePlan, 'staticKey' | 'paramClosure'>): string {
  if (!p.paramClosure.length) return `pw-${p.staticKey}`;
  const values = p.paramClosure.map((k) => `workflow.parameters['${k}']`).join(', ');
  return `pw-${p.staticKey}-{{=sprig.sha256sum(sprig.toJson([${values}]))}}`;
}

function containerTemplate(p: NodePlan, opts: Required<Pick<ArgoExportOptions, 'image' | 'workdir' | 'cacheConfigMap' | 'cacheMaxAge'>> & ArgoExportOptions): Json {
  const pipelinePath = `${opts.workdir.replace(/\/+$/, '')}/pipeline.yaml`;
  const args: string[] = ['run-node', pipelinePath, '--node', p.node.id, '--in', IN_DIR, '--out', OUT_DIR];
  for (const k of nodeParamRefs(p.node).filter((r) => p.paramClosure.includes(r))) args.push('--param', `${k}={{workflow.parameters.${k}}}`);
  const gpu = Boolean(opts.gpu && p.type.usesCompute);
  const container: { [key: string]: Json } = {
    image: gpu && opts.gpuImage ? opts.gpuImage : opts.image,
    command: ['pipewright'],
    args,
    workingDir: opts.workdir,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  if (gpu) container.resources = { limits: { 'nvidia.com/gpu': '1' } };
  const template: { [key: string]: Json } = {
    name: p.name,
    inputs: {
      artifacts: [
        { name: PIPELINE_ARTIFACT, path: pipelinePath, raw: { data: opts.pipelineText } },
        ...Object.keys(p.node.inputs).map((port) => ({ name: port, path: `${IN_DIR}/${port}` })),
      ],
    },
    outputs: {
      artifacts: p.type.outputs.map((o) => ({ name: o.name, path: `${OUT_DIR}/${o.name}`, archive: { none: {} } })),
      parameters: p.type.outputs.map((o) => ({ name: `${o.name}-sha256`, valueFrom: { path: `${OUT_DIR}/${o.name}.sha256` } })),
    },
    container,
  };
  if (p.node.cache !== false) {
    template.memoize = { key: memoKey(p), maxAge: opts.cacheMaxAge, cache: { configMap: { name: opts.cacheConfigMap } } };
  }
  return template;
}

/**
 * Argo substitutes `{{...}}` everywhere in a template, the inline pipeline file included, and
 * has no escape for it: a pipeline that contains `{{` (in SQL or code) would reach the pod changed,
 * or fail to submit. Refused with its place rather than exported wrong.
 */
function refuseArgoTemplates(pipeline: Pipeline, text: string): void {
  if (!text.includes('{{')) return;
  const find = (v: unknown, place: string): string | null => {
    if (typeof v === 'string') return v.includes('{{') ? place : null;
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const hit = find(x, `${place}.${k}`);
        if (hit) return hit;
      }
    }
    return null;
  };
  const place = pipeline.nodes.map((n) => find(n.params, `nodes.${n.id}.params`)).find((p) => p !== null) ?? find(pipeline.params, 'params') ?? 'metadata';
  throw new ExportError(place, 'contains "{{", which Argo would take for one of its template variables; write it another way to export to Argo');
}

/** The Argo Workflow as a JSON-safe object (what `exportArgo` writes as YAML). */
export function argoWorkflow(pipeline: Pipeline, options: ArgoExportOptions): { [key: string]: Json } {
  const opts = {
    ...options,
    image: options.image ?? DEFAULT_IMAGE,
    workdir: options.workdir ?? '/work',
    cacheConfigMap: options.cacheConfigMap ?? 'pipewright-cache',
    cacheMaxAge: options.cacheMaxAge ?? '720h',
    runAsUser: options.runAsUser ?? 1000,
  };
  if (!DNS_LABEL_RE.test(opts.cacheConfigMap)) throw new ExportError('cacheConfigMap', `"${opts.cacheConfigMap}" is not a valid ConfigMap name`);
  refuseArgoTemplates(pipeline, opts.pipelineText);
  const plans = plan(pipeline, opts);
  const byId = new Map(plans.map((p) => [p.node.id, p]));

  const tasks: Json[] = plans.map((p) => {
    const ups = upstreamOf(p.node).map((u) => (byId.get(u) as NodePlan).name);
    const task: { [key: string]: Json } = { name: p.name, template: p.name };
    if (ups.length) task.depends = ups.join(' && ');
    const artifacts = Object.entries(p.node.inputs).map(([port, ref]) => {
      const r = parseInputRef(ref) as { node: string; port: string };
      return { name: port, from: `{{tasks.${(byId.get(r.node) as NodePlan).name}.outputs.artifacts.${r.port}}}` };
    });
    if (artifacts.length) task.arguments = { artifacts };
    return task;
  });

  const spec: { [key: string]: Json } = { entrypoint: ENTRYPOINT };
  const params = Object.entries(pipeline.params).filter(([, v]) => isScalarParam(v));
  if (params.length) {
    spec.arguments = { parameters: params.map(([name, value]) => ({ name, value: paramText(value) })) };
  }
  spec.securityContext = { runAsNonRoot: true, runAsUser: opts.runAsUser, runAsGroup: opts.runAsUser, fsGroup: opts.runAsUser };
  spec.templates = [{ name: ENTRYPOINT, dag: { tasks } }, ...plans.map((p) => containerTemplate(p, opts))];

  const metadata: { [key: string]: Json } = {
    generateName: `${pipeline.metadata.name}-`,
    labels: { 'pipewright.dev/pipeline': pipeline.metadata.name },
  };
  if (pipeline.metadata.description) metadata.annotations = { 'pipewright.dev/description': pipeline.metadata.description };
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata, spec };
}

/** The Argo Workflow as YAML text. */
export function exportArgo(pipeline: Pipeline, options: ArgoExportOptions): string {
  const workdir = (options.workdir ?? '/work').replace(/\/+$/, '') || '/';
  const types = options.types ?? registryLookup;
  const dataFiles = pipeline.nodes.flatMap((n) =>
    fileParams(n, types).map(([, p]) => {
      const where = paramRefs(p).length ? `${p} (a pipeline param)` : posix.resolve(workdir, p);
      return `  ${where} (node ${n.id})`;
    }),
  );
  const header = [
    `Argo Workflow for the Pipewright pipeline "${pipeline.metadata.name}" (pipewright export --to argo).`,
    'Each task runs `pipewright run-node` on artifact files. Needs: a default artifact repository,',
    `a ConfigMap "${options.cacheConfigMap ?? 'pipewright-cache'}" labelled workflows.argoproj.io/configmap-type: Cache`,
    `for memoization, and the runner image (Dockerfile) with the data the pipeline reads, relative to ${workdir}:`,
    ...(dataFiles.length ? dataFiles : ['  (none: no node reads a file)']),
  ].join('\n');
  return toYamlText(argoWorkflow(pipeline, options), header);
}
