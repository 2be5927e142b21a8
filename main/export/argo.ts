/**
 * `pipewright export --to argo`: an Argo Workflow that runs a pipeline one node per pod.
 *
 * Each node is a DAG task whose container runs `pipewright run-node` on artifact files: input
 * artifacts come from the upstream tasks' output artifacts through the cluster's default
 * artifact repository (no credentials in the file), and the pipeline file itself travels inline
 * as a raw input artifact, so the workflow is self-contained.
 *
 * A node that works on the project file (`needsProject`: deploy.register, deploy.serve,
 * data.predictions) cannot run in a pod, which has no project file. One that runs after the
 * gates (the deploy nodes) is left out with whatever depends on it, named in the file's header
 * (and by the CLI on stderr): the workflow trains, evaluates and gates; registering happens where
 * the project file lives (`pipewright run`, or the GitHub Actions export). One whose output other
 * nodes need (data.predictions feeding a drift check) makes the export fail with its place.
 */
import { posix } from 'node:path';
import type { ParamValue, Pipeline, PipelineNode } from '../../shared/pipeline/model';
import { paramRefOf, paramRefsIn } from '../../shared/pipeline';
import { canonicalJson, sha256Hex } from '../engine/canonical';
import type { Plan, PlannedNode } from '../engine/planner';
import { ARGO_EXPR_WORDS, DNS_LABEL_RE, ExportError, fileParams, isScalarParam, dnsNames } from './graph';
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
}

export const DEFAULT_IMAGE = 'ghcr.io/pipewright/runner:latest';
export const ENTRYPOINT = 'main';
// a hyphen keeps it apart from every port name (ports are identifiers)
const PIPELINE_ARTIFACT = 'pipeline-file';
const IN_DIR = '/in';
const OUT_DIR = '/out';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A pipeline param value as `--param k=v` reads it back (a YAML 1.2 scalar): `42` stays the
 * number 42, the string "42" is quoted. Argo parameters are strings, so this is what they hold.
 */
export function paramText(value: ParamValue): string {
  if (typeof value === 'string' && !value.includes('\n')) return YAML.stringify(value, { lineWidth: 0 }).trimEnd();
  return JSON.stringify(value);
}

interface NodePlan {
  /** the node as written (`${params.x}` kept: Argo substitutes them at submission) */
  node: PipelineNode;
  planned: PlannedNode;
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
function nodePlans(plan: Plan, opts: ArgoExportOptions): NodePlan[] {
  const { pipeline } = plan;
  const written = new Map(pipeline.nodes.map((n) => [n.id, n]));
  const names = dnsNames(
    pipeline.nodes.map((n) => n.id),
    [ENTRYPOINT],
    ARGO_EXPR_WORDS,
  );
  const plans = new Map<string, NodePlan>();
  for (const id of plan.order) {
    const node = written.get(id)!;
    const planned = plan.nodes.get(id)!;
    const { def } = planned;
    const refs = paramRefsIn(node.params);
    const closure = new Set(refs.filter((r) => isScalarParam(pipeline.params[r])));
    // values of list/map params are fixed in the shipped file, so they join the static key
    const fixed = Object.fromEntries(refs.filter((r) => !isScalarParam(pipeline.params[r])).map((r) => [r, pipeline.params[r]]));
    const inputs: Record<string, [string, string]> = {};
    for (const [port, ref] of Object.entries(planned.inputs)) {
      const up = plans.get(ref.node)!;
      up.paramClosure.forEach((p) => closure.add(p));
      inputs[port] = [up.staticKey, ref.port];
    }
    const keyDoc = {
      type: node.type,
      version: def.version,
      params: node.params,
      fixedParams: Object.keys(fixed).length ? fixed : undefined,
      backend: def.usesCompute ? (opts.gpu ? 'gpu' : 'cpu') : undefined,
      source: def.readsFiles?.length ? (opts.sourceHashes?.[node.id] ?? null) : undefined,
      inputs,
    };
    const staticKey = sha256Hex(canonicalJson(keyDoc)).slice(0, 40);
    plans.set(id, { node, planned, name: names.get(id)!, paramClosure: [...closure].sort(), staticKey });
  }
  return plan.order.map((id) => plans.get(id)!);
}

/** A node the Argo Workflow leaves out (see the header). */
export interface LeftOut {
  id: string;
  type: string;
  /** the node needing the project file that it is, or that it depends on */
  needs: string;
}

/**
 * The nodes an Argo Workflow cannot run: every `needsProject` node and every node downstream of
 * one. They must all run after the gates (deploy nodes); otherwise the export fails naming the
 * first that does not, since the workflow could not do the pipeline's work without it.
 */
export function leftOutOfArgo(plan: Plan): LeftOut[] {
  const out = new Map<string, LeftOut>();
  for (const id of plan.order) {
    const n = plan.nodes.get(id)!;
    const up = Object.values(n.inputs).find((r) => out.has(r.node));
    if (n.def.needsProject) out.set(id, { id, type: n.type, needs: id });
    else if (up) out.set(id, { id, type: n.type, needs: out.get(up.node)!.needs });
  }
  for (const l of out.values()) {
    if (plan.nodes.get(l.id)!.def.afterGates) continue;
    const needs = plan.nodes.get(l.needs)!;
    const why = `${needs.type} works on the project file (the model registry or the prediction log), which an Argo pod has not got`;
    throw new ExportError(
      `nodes.${l.id}`,
      `${l.id === l.needs ? why : `needs the output of ${l.needs}: ${why}`}; run this pipeline with pipewright run where the project file is (or export it --to github-actions)`,
    );
  }
  if (out.size && out.size === plan.order.length) throw new ExportError('nodes', 'every node works on the project file, which an Argo pod has not got: nothing is left to run in the workflow');
  return [...out.values()];
}

/**
 * How to register a left-out node's model after the workflow: the `models register` line for a
 * node that takes a `model` (and maybe `metrics`) from nodes the workflow runs, and has a `name`.
 */
function registerLines(plan: Plan, l: LeftOut, left: ReadonlySet<string>): string[] {
  const n = plan.nodes.get(l.id);
  const model = n?.inputs.model;
  if (!n || !model || left.has(model.node) || typeof n.params.name !== 'string') return [];
  const metrics = n.inputs.metrics && !left.has(n.inputs.metrics.node) ? n.inputs.metrics : null;
  const args = [`pipewright models register ${model.port} --project P --name ${n.params.name}`];
  if (typeof n.params.alias === 'string') args.push(`--alias ${n.params.alias}`);
  if (metrics) args.push(`--metrics ${metrics.port}`);
  return [
    `  ${l.id}: ${args.join(' ')}`,
    `  on step ${model.node}'s \`${model.port}\` artifact, its \`${model.port}-sha256\` output beside it as ${model.port}.sha256${metrics ? `, and step ${metrics.node}'s \`${metrics.port}\`` : ''}.`,
  ];
}

/** The header lines (and the CLI's warning) naming what was left out and where to do it instead. */
export function leftOutNote(left: LeftOut[], plan?: Plan): string[] {
  if (!left.length) return [];
  const ids = new Set(left.map((l) => l.id));
  const lines = plan ? left.flatMap((l) => registerLines(plan, l, ids)) : [];
  return [
    `Left out: ${left.map((l) => `${l.id} (${l.type})`).join(', ')}: ${left.length === 1 ? 'it writes' : 'they write'} to the project file`,
    '(the model registry), which an Argo pod has not got. Register the trained model where the project',
    'file lives after the workflow, with `pipewright models register`:',
    ...lines,
    'Or run the pipeline with `pipewright run` (in CI: `pipewright export --to github-actions`, which keeps',
    'the project file). `pipewright models --project P` then lists it.',
  ];
}

export function memoKey(p: Pick<NodePlan, 'staticKey' | 'paramClosure'>): string {
  if (!p.paramClosure.length) return `pw-${p.staticKey}`;
  const values = p.paramClosure.map((k) => `workflow.parameters['${k}']`).join(', ');
  return `pw-${p.staticKey}-{{=sprig.sha256sum(sprig.toJson([${values}]))}}`;
}

function containerTemplate(p: NodePlan, opts: Required<Pick<ArgoExportOptions, 'image' | 'workdir' | 'cacheConfigMap' | 'cacheMaxAge'>> & ArgoExportOptions): Json {
  const pipelinePath = `${opts.workdir.replace(/\/+$/, '')}/pipeline.yaml`;
  const args: string[] = ['run-node', pipelinePath, '--node', p.node.id, '--in', IN_DIR, '--out', OUT_DIR];
  for (const k of paramRefsIn(p.node.params).filter((r) => p.paramClosure.includes(r))) args.push('--param', `${k}={{workflow.parameters.${k}}}`);
  const gpu = Boolean(opts.gpu && p.planned.def.usesCompute);
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
      artifacts: p.planned.def.outputs.map((o) => ({ name: o.name, path: `${OUT_DIR}/${o.name}`, archive: { none: {} } })),
      parameters: p.planned.def.outputs.map((o) => ({ name: `${o.name}-sha256`, valueFrom: { path: `${OUT_DIR}/${o.name}.sha256` } })),
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
export function argoWorkflow(plan: Plan, options: ArgoExportOptions): { [key: string]: Json } {
  const { pipeline } = plan;
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
  const leftOut = new Set(leftOutOfArgo(plan).map((l) => l.id));
  const plans = nodePlans(plan, opts).filter((p) => !leftOut.has(p.node.id));
  const byId = new Map(plans.map((p) => [p.node.id, p]));

  const tasks: Json[] = plans.map((p) => {
    const inputs = Object.entries(p.planned.inputs);
    const ups = [...new Set(inputs.map(([, r]) => r.node))].map((u) => byId.get(u)!.name);
    const task: { [key: string]: Json } = { name: p.name, template: p.name };
    if (ups.length) task.depends = ups.join(' && ');
    const artifacts = inputs.map(([port, r]) => ({ name: port, from: `{{tasks.${byId.get(r.node)!.name}.outputs.artifacts.${r.port}}}` }));
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
export function exportArgo(plan: Plan, options: ArgoExportOptions): string {
  const { pipeline } = plan;
  const workdir = (options.workdir ?? '/work').replace(/\/+$/, '') || '/';
  const dataFiles = pipeline.nodes.flatMap((n) =>
    fileParams(plan.nodes.get(n.id)!, n.params).map(([, p]) => {
      const where = paramRefOf(p) !== null ? `${p} (a pipeline param)` : posix.resolve(workdir, p);
      return `  ${where} (node ${n.id})`;
    }),
  );
  const header = [
    `Argo Workflow for the Pipewright pipeline "${pipeline.metadata.name}" (pipewright export --to argo).`,
    'Each task runs `pipewright run-node` on artifact files. Needs: a default artifact repository,',
    `a ConfigMap "${options.cacheConfigMap ?? 'pipewright-cache'}" labelled workflows.argoproj.io/configmap-type: Cache`,
    `for memoization, and the runner image (Dockerfile) with the data the pipeline reads, relative to ${workdir}:`,
    ...(dataFiles.length ? dataFiles : ['  (none: no node reads a file)']),
    ...leftOutNote(leftOutOfArgo(plan), plan),
  ].join('\n');
  return toYamlText(argoWorkflow(plan, options), header);
}
