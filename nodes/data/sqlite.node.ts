import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'data.sqlite',
  version: 1,
  title: 'SQLite query',
  stage: 'data',
  description: "Runs a query (SQLite's dialect) against a SQLite database file.",
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    path: z.string().min(1).describe('SQLite database file'),
    query: z.string().min(1).describe('SQL in SQLite dialect'),
  }).strict(),
  codeParams: { query: 'sql' },
});
