import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'deploy.serve',
  version: 1,
  params: z
    .object({
      name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only').max(100).describe('registered model name (deploy.register upstream)'),
      port: z.number().int().min(0).max(65_535).default(0).describe('0 = any free port'),
      host: z.string().min(1).default('127.0.0.1').describe('loopback address to bind'),
    })
    .strict(),
});
