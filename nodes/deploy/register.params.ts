import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'deploy.register',
  version: 1,
  params: z.object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only').max(100).describe('registered model name'),
    alias: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and - only, starting with a letter').max(100).optional().describe('alias such as champion or challenger'),
    approval: z.enum(['none', 'required']).default('none').describe('required: the alias moves only once approved'),
  }).strict(),
  check: (p) => (['show', 'alias', 'approve', 'traffic', 'export'].includes(p.name) ? [{ param: 'name', message: `"${p.name}" is a word of the models command, not a model name` }] : []),
});
