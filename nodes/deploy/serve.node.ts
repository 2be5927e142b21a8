import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'deploy.serve',
  version: 1,
  title: 'Serve model',
  stage: 'deploy',
  description: 'Serves the model over a TF Serving compatible REST API on this machine.',
  inputs: [{ name: 'model', kind: 'model' }],
  outputs: [{ name: 'endpoint', kind: 'endpoint' }],
  params: z.object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').describe('model name in the URL'),
    port: z.number().int().min(0).max(65_535).default(0).describe('0 = any free port'),
    host: z.string().min(1).default('127.0.0.1').describe('address to bind'),
  }).strict(),
});
