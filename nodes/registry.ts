/**
 * Every node type, in one list. The registry refuses a duplicate id; `catalog()` is the JSON
 * the renderer builds its palette and forms from.
 */
import { z } from 'zod';
import type { Catalog, NodeCapabilities, NodeTypeInfo } from '../shared/catalog';
import type { NodeDefinition } from './types';

import csv from './data/csv.node';
import parquet from './data/parquet.node';
import sqlite from './data/sqlite.node';
import sql from './data/sql.node';
import sample from './data/sample.node';
import predictions from './data/predictions.node';
import select from './features/select.node';
import impute from './features/impute.node';
import oneHot from './features/one-hot.node';
import split from './features/split.node';
import standardize from './features/standardize.node';
import code from './features/code.node';
import logisticRegression from './train/logistic-regression.node';
import linearRegression from './train/linear-regression.node';
import mlp from './train/mlp.node';
import sweep from './train/sweep.node';
import evaluateClassification from './evaluate/classification.node';
import evaluateRegression from './evaluate/regression.node';
import gateMetric from './gate/metric.node';
import register from './deploy/register.node';
import serve from './deploy/serve.node';
import drift from './monitor/drift.node';
import featureView from './features/view.node';
import featureJoin from './features/join.node';
import featureMaterialize from './features/materialize.node';

export class NodeRegistry {
  private readonly defs = new Map<string, NodeDefinition>();
  /** definitions with `bind`, bound to the current types; rebuilt after an `add` */
  private bound: Map<string, NodeDefinition> | null = null;

  constructor(defs: NodeDefinition[] = []) {
    for (const d of defs) this.add(d);
  }

  add(def: NodeDefinition): void {
    if (this.defs.has(def.type)) throw new Error(`node type ${def.type} is registered twice`);
    this.defs.set(def.type, def);
    this.bound = null;
  }

  private resolved(): Map<string, NodeDefinition> {
    if (!this.bound) {
      const all = [...this.defs.values()];
      this.bound = new Map(all.map((d) => [d.type, d.bind ? d.bind(all) : d]));
    }
    return this.bound;
  }

  get(type: string): NodeDefinition | undefined {
    return this.resolved().get(type);
  }

  list(): NodeDefinition[] {
    return [...this.resolved().values()];
  }

  catalog(): Catalog {
    return this.list().map(toInfo);
  }
}

/** The JSON-safe part of a type's capabilities, for the catalogue. */
function capabilitiesOf(def: NodeDefinition): NodeCapabilities | undefined {
  const c: NodeCapabilities = {};
  if (def.readsFiles?.length) c.readsFiles = [...def.readsFiles];
  if (def.fileExtensions?.length) c.fileExtensions = [...def.fileExtensions];
  if (def.trainer) c.trainer = true;
  if (def.gate) c.gate = { input: def.gate.input };
  if (def.headlineMetrics) c.headlineMetrics = true;
  if (def.sweep) c.sweep = { ...def.sweep };
  if (def.servingReplay) {
    const { mode, ports, fitted } = def.servingReplay;
    c.servingReplay = fitted === undefined ? { mode, ports: { ...ports } } : { mode, ports: { ...ports }, fitted };
  }
  if (def.metrics) {
    const { names, patterns, from } = def.metrics;
    c.metrics = { ...(names && { names: [...names] }), ...(patterns && { patterns: [...patterns] }), ...(from && { from }) };
  }
  if (def.featureStore) c.featureStore = def.featureStore;
  return Object.keys(c).length ? c : undefined;
}

export function toInfo(def: NodeDefinition): NodeTypeInfo {
  const info: NodeTypeInfo = {
    type: def.type,
    version: def.version,
    title: def.title,
    stage: def.stage,
    description: def.description,
    inputs: def.inputs,
    outputs: def.outputs,
    paramsSchema: z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as NodeTypeInfo['paramsSchema'],
    available: typeof def.run === 'function',
  };
  if (def.variadicInputs) info.variadicInputs = def.variadicInputs;
  if (def.columnParams) info.columnParams = def.columnParams;
  if (def.codeParams) info.codeParams = def.codeParams;
  const capabilities = capabilitiesOf(def);
  if (capabilities) info.capabilities = capabilities;
  return info;
}

export const coreNodes: NodeDefinition[] = [
  csv, parquet, sqlite, sql, sample, predictions,
  select, impute, oneHot, split, standardize, code,
  logisticRegression, linearRegression, mlp, sweep,
  evaluateClassification, evaluateRegression,
  gateMetric,
  register, serve,
  drift,
  featureView, featureJoin, featureMaterialize,
] as NodeDefinition[];

/** The registry with every core node type. */
export const registry = new NodeRegistry(coreNodes);
