import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineNode } from '../types';
import { asNodeError, input, tableOutput } from './common';
import { parseInstant, requireView } from './feature-view';

export default defineNode({
  type: 'features.materialize',
  version: 1,
  title: 'Materialize online',
  stage: 'features',
  description:
    'Writes, per entity, the latest row of the view with event time ≤ asOf into the online store in the project file (incremental: only rows newer than the last materialisation are read). Never cached. Its output is the view, unchanged.',
  inputs: [{ name: 'view', kind: 'table' }],
  outputs: [{ name: 'view', kind: 'table' }],
  params: z.object({
    asOf: z.string().min(1).optional().describe('ISO 8601 time (no zone: UTC); default: now'),
  }).strict(),
  check: (p) => (p.asOf !== undefined && parseInstant(p.asOf) === null ? [{ param: 'asOf', message: `must be an ISO 8601 time such as 2024-01-31 12:00:00 or 2024-01-31T12:00:00Z (got ${JSON.stringify(p.asOf)})` }] : []),
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
