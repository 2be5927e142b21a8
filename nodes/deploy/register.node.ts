import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'deploy.register',
  version: 1,
  title: 'Register model',
  stage: 'deploy',
  description: 'Adds the model to the project’s model registry as a new version, optionally under an alias.',
  inputs: [
    { name: 'model', kind: 'model' },
    { name: 'metrics', kind: 'metrics', optional: true },
  ],
  outputs: [{ name: 'model', kind: 'model' }],
  params: z.object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').describe('registered model name'),
    alias: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, _ - only').optional().describe('alias such as champion'),
  }).strict(),
});
