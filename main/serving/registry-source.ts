/**
 * The model registry (main/registry) as the server's `ModelSource`: the registry's generation
 * counter is the change signal (one indexed row, read every poll), its models with their
 * aliases, traffic split and shadow are the state, and `loadServingModel` loads a version.
 */
import { listModels, registryGeneration } from '../registry/store';
import { loadServingModel } from '../registry/serving-model';
import type { ProjectStore } from '../store/project-store';
import type { ModelSource, ModelState } from './model-table';

export function registrySource(store: ProjectStore): ModelSource {
  return {
    describe: store.path,
    revision: () => registryGeneration(store),
    state: () => {
      const out: Record<string, ModelState> = {};
      for (const m of listModels(store)) {
        // versions are numbered 1..latest and never removed
        out[m.name] = {
          versions: Array.from({ length: m.latest }, (_, i) => i + 1),
          aliases: m.aliases,
          traffic: m.traffic ? Object.entries(m.traffic).map(([alias, percent]) => ({ alias, percent })) : null,
          shadow: m.shadow,
        };
      }
      return out;
    },
    load: (name, version) => loadServingModel(store, name, version),
  };
}
