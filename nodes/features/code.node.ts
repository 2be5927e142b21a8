import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.code',
  version: 1,
  title: 'JavaScript transform',
  stage: 'features',
  description: 'A JavaScript function of a table, run in a sandboxed worker with a time limit and no file or network access.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    code: z.string().min(1).describe('JavaScript: a function (table) => table'),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(10_000).describe('time limit'),
  }).strict(),
  codeParams: { code: 'javascript' },
});
