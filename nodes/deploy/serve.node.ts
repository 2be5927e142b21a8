import { defineNode, NodeError } from '../types';
import spec from './serve.params';

export default defineNode({
  ...spec,
  title: 'Serve model',
  stage: 'deploy',
  description:
    'Serves the registered model over TF Serving REST and the Open Inference Protocol on this machine. ' +
    'Under pipewright run it answers one real prediction on a free port and stops; in the app the server keeps running and is listed in the Serving page.',
  inputs: [{ name: 'model', kind: 'model' }],
  outputs: [{ name: 'endpoint', kind: 'endpoint' }],
  inline: true,
  neverCached: true,
  afterGates: true,
  needsProject: true,
  async run({ inputs, params, ctx }) {
    const serve = ctx.host?.serveModel;
    if (!serve) throw new NodeError(`${ctx.nodeId}: serving needs the project file: run the pipeline with pipewright run or in the app (not run-node)`);
    if (!inputs.model) throw new NodeError(`${ctx.nodeId}: input "model" is not connected`);
    let endpoint;
    try {
      endpoint = await serve({ name: params.name, host: params.host, port: params.port });
    } catch (e) {
      throw new NodeError(`${ctx.nodeId}: ${(e as Error).message}`);
    }
    ctx.log('info', endpoint.longLived ? `serving ${endpoint.name}:${endpoint.version} at ${endpoint.url}` : `answered one prediction as ${endpoint.name}:${endpoint.version} at ${endpoint.url}, then stopped`);
    ctx.metric('version', endpoint.version);
    return { endpoint: { kind: 'endpoint', json: endpoint } };
  },
});
