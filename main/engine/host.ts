/**
 * The run's host (`ExecutionHost` in executor.ts): every side effect of a node beyond its outputs.
 * While a node runs, the services it asks for (`ctx.host`): registering a model of this run
 * (deploy.register), serving it (deploy.serve) and reading the prediction log (data.predictions);
 * registration reads the run so far through the executor's view, and writes the registry's own
 * records once the run's records so far (the model artifact among them) are committed. Once a
 * node has succeeded or was reused: the project-file effects its capabilities ask for (effects.ts).
 */
import { join } from 'node:path';
import type { RunHost } from '../../nodes/types';
import type { RunGraph } from '../registry/capture';
import type { ProjectStore } from '../store/types';
import type { ExecutionHost, RunView } from './executor';
import { runEffects } from './effects';
import type { Plan } from './planner';
import type { RunFiles } from './run-files';
import type { ServerRegistry } from '../serving/deploy';

export interface HostOf {
  store: ProjectStore;
  plan: Plan;
  runId: number;
  files: RunFiles;
  baseDir: string;
  /** writes the run's pending records now */
  flush(): void;
  /** where deploy.serve keeps long-lived servers (the app); absent: one request, then stop (the CLI) */
  servers?: ServerRegistry;
  signal: AbortSignal;
}

export function runHost(h: HostOf): ExecutionHost {
  return { services: services(h), settle: runEffects(h) };
}

function services(h: HostOf): (nodeId: string, view: RunView) => RunHost {
  return (nodeId, view) => ({
    registerModel: async (req) => {
      const { registerFromRun } = await import('../registry/capture');
      const graph: RunGraph = {
        runId: h.runId,
        pipeline: h.plan.pipeline.metadata.name,
        pipelineVersion: h.plan.versionHash,
        nodes: h.plan.nodes,
        artifact: view.artifact,
        metrics: view.metrics,
        data: await h.files.inlineData(),
        tmpDir: join(h.files.tmpFor(nodeId), 'capture'),
        baseDir: h.baseDir,
        log: view.log,
      };
      h.flush();
      return registerFromRun(h.store, graph, { node: nodeId, ...req });
    },
    serveModel: async (req) => {
      const { serveOnce } = await import('../serving/deploy');
      // the versions this run registered reach the file first
      h.flush();
      return h.servers ? h.servers.serve(h.store, req) : serveOnce(h.store, req);
    },
    loggedRequests: async (req) => {
      const { loggedRequests } = await import('../serving/logged-requests');
      return loggedRequests(h.store, req);
    },
  });
}
