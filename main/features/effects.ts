/**
 * What a feature-store node does to the project file once it has succeeded (its `featureStore`
 * capability, nodes/types.ts), called by the engine on its own thread: a `view` records its
 * definition; a `materialize` writes the online store. Joins have nothing to record.
 */
import type { ArtifactRef } from '../../nodes/types';
import { parseInstant, readView } from '../../nodes/features/feature-view';
import type { ProjectEffect } from '../engine/effects';
import { materializeView } from './materialize';
import { getView, recordView } from './store';

export const featureStoreEffect: ProjectEffect = {
  appliesTo: (def) => def.featureStore === 'view' || def.featureStore === 'materialize',
  async run(a): Promise<Record<string, number>> {
    if (a.def.featureStore === 'view') {
      const out = a.outputs.view;
      const name = String(a.params.name);
      const known = getView(a.store, name);
      let definition = known && known.artifactHash === out.hash ? known.definition : null;
      if (!definition) {
        definition = await readView(await a.data(), a.file(out));
        if (!definition) throw new Error(`the output of ${a.nodeId} carries no view definition`);
      }
      const m = a.metrics;
      const us = (k: string): number | null => (typeof m[k] === 'number' ? m[k] * 1000 : null);
      recordView(a.store, {
        definition,
        artifactHash: out.hash,
        runId: a.runId,
        nodeId: a.nodeId,
        rows: m.rows ?? null,
        entities: m.entities ?? null,
        eventTimeMin: us('eventTimeMin'),
        eventTimeMax: us('eventTimeMax'),
      });
      return {};
    }
    const asOf = typeof a.params.asOf === 'string' ? parseInstant(a.params.asOf) : Date.now();
    if (asOf === null) throw new Error(`asOf: ${JSON.stringify(a.params.asOf)} is not an ISO 8601 time`);
    const view: ArtifactRef = a.file(a.outputs.view);
    const r = await materializeView(a.store, await a.data(), view, asOf, { runId: a.runId, nodeId: a.nodeId });
    a.log('info', `view "${r.view}": read ${r.rowsRead} rows ${r.sinceTs === null ? '(everything up to asOf)' : `newer than ${new Date(r.sinceTs / 1000).toISOString()}`}, wrote ${r.entitiesWritten} entities to the online store`);
    return { rowsRead: r.rowsRead, entitiesWritten: r.entitiesWritten };
  },
};
