/**
 * Work a node does on the project file after it has succeeded, on the engine's thread (a worker
 * never opens the project file): chosen by the capabilities its file declares, never by type id.
 * A failing effect fails the node with its message. Effects also run for a node reused from the
 * cache (`cached`), so what a run records does not depend on the cache.
 */
import type { LogLevel } from '../../shared/log';
import { artifactOf, type Artifact } from '../../shared/artifacts';
import type { ArtifactRef, DataEngine, NodeDefinition } from '../../nodes/types';
import type { ProjectStore } from '../store/project-store';
import { featureStoreEffect } from '../features/effects';
import type { PlannedNode } from './planner';
import type { RunFiles } from './run-files';

export interface EffectArgs {
  store: ProjectStore;
  def: NodeDefinition;
  runId: number;
  nodeId: string;
  params: Readonly<Record<string, unknown>>;
  cached: boolean;
  /** the node's outputs (artifacts; `file` gives one's file on this machine) */
  outputs: Record<string, Artifact>;
  file(a: Artifact): ArtifactRef;
  /** the node's scalar metrics */
  metrics: Record<string, number>;
  /** a DuckDB engine on this thread */
  data(): Promise<DataEngine>;
  log(level: LogLevel, message: string): void;
}

export interface ProjectEffect {
  appliesTo(def: NodeDefinition): boolean;
  /** returns scalar metrics to add to the node's */
  run(args: EffectArgs): Promise<Record<string, number>>;
}

const EFFECTS: readonly ProjectEffect[] = [featureStoreEffect];

export function hasProjectEffect(def: NodeDefinition): boolean {
  return EFFECTS.some((e) => e.appliesTo(def));
}

export async function runProjectEffects(args: EffectArgs): Promise<Record<string, number>> {
  const extra: Record<string, number> = {};
  for (const e of EFFECTS) if (e.appliesTo(args.def)) Object.assign(extra, await e.run(args));
  return extra;
}

/** The host's `settle` for one run (host.ts): each node's effects with the store, its files and the inline engine. */
export function runEffects(h: { store: ProjectStore; runId: number; files: RunFiles; signal: AbortSignal }) {
  return async (node: PlannedNode, outputs: Record<string, Artifact>, metrics: Record<string, number>, cached: boolean, log: (level: LogLevel, message: string) => void): Promise<string | null> => {
    if (!hasProjectEffect(node.def)) return null;
    try {
      Object.assign(
        metrics,
        await runProjectEffects({
          store: h.store,
          def: node.def,
          runId: h.runId,
          nodeId: node.id,
          params: node.params,
          cached,
          outputs,
          file: (a) => ({ ...artifactOf(a), path: h.files.fileOf(a) }),
          metrics,
          data: () => h.files.inlineData(),
          log,
        }),
      );
      return null;
    } catch (e) {
      if (h.signal.aborted) return 'cancelled';
      return `${node.id}: ${(e as Error).message}`;
    }
  };
}
