import { readFile } from 'node:fs/promises';
import { defineNode, NodeError } from '../types';
import spec from './register.params';

export default defineNode({
  ...spec,
  title: 'Register model',
  stage: 'deploy',
  description:
    'Adds the model to the project’s model registry as a new version (the same model again is the same version), with where it came from, its evaluation metrics and its raw input columns, ' +
    'and optionally points an alias at it; with approval: required the alias moves only after `pipewright models approve` or the editor’s Approve. Runs only when every gate of the run passed; never cached.',
  inputs: [
    { name: 'model', kind: 'model' },
    { name: 'metrics', kind: 'metrics', optional: true },
  ],
  outputs: [{ name: 'model', kind: 'model' }],
  // On the engine's thread: registration writes to the project file the run records into.
  inline: true,
  neverCached: true,
  afterGates: true,
  needsProject: true,
  async run({ inputs, params, ctx }) {
    const register = ctx.host?.registerModel;
    if (!register) throw new NodeError(`${ctx.nodeId}: registering needs the project file: run the pipeline with pipewright run or in the app (not run-node)`);
    const model = inputs.model;
    if (!model) throw new NodeError(`${ctx.nodeId}: input "model" is not connected`);
    const r = await register({ name: params.name, alias: params.alias, approval: params.approval, metrics: inputs.metrics });
    ctx.log('info', `${r.created ? 'registered' : 'already registered as'} ${r.name} version ${r.version} (inputs: ${r.inputs.map((i) => i.name).join(', ')})`);
    if (r.aliasMoved) ctx.log('info', `${r.aliasMoved.alias}: ${r.aliasMoved.from ?? 'none'} → ${r.version}`);
    if (r.pending) ctx.log('info', `${r.pending.alias} → ${r.pending.version} waits for approval (pipewright models approve ${r.name} ${r.pending.version})`);
    ctx.metric('version', r.version);
    return { model: { kind: 'model', json: JSON.parse(await readFile(model.path, 'utf8')) as unknown } };
  },
});
