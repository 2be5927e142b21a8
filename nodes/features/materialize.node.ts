import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineNode } from '../types';
import { asNodeError, input, tableOutput } from './common';
import { requireView } from './feature-view';
import spec from './materialize.params';

export default defineNode({
  ...spec,
  title: 'Materialize online',
  stage: 'features',
  description:
    'Writes, per entity, the latest row of the view with event time ≤ asOf into the online store in the project file (incremental: only rows newer than the last materialisation are read). Never cached. Its output is the view, unchanged.',
  inputs: [{ name: 'view', kind: 'table' }],
  outputs: [{ name: 'view', kind: 'table' }],
  featureStore: 'materialize',
  schema: ({ inputs }) => ({ outputs: { view: inputs.view ?? {} } }),
  neverCached: true,
  async run({ inputs, params, ctx }) {
    const ref = input(ctx, inputs, 'view');
    const view = await asNodeError(ctx, 'cannot read input "view"', () => requireView(ctx, ref, 'view'));
    // The online store is in the project file: the engine writes it once this node has
    // succeeded (main/features/effects.ts). Here: the view passes through byte for byte.
    const out = join(ctx.tmpDir, 'view.parquet');
    copyFileSync(ref.path, out);
    ctx.log('info', `view "${view.name}" will be materialised as of ${params.asOf ?? 'now'}`);
    return { view: tableOutput(out) };
  },
});
