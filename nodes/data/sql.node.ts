import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'data.sql',
  version: 1,
  title: 'SQL transform',
  stage: 'data',
  description: 'Transforms tables with DuckDB SQL; each input is a table named after its port.',
  inputs: [],
  variadicInputs: { kind: 'table', min: 1 },
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    query: z.string().min(1).describe('DuckDB SQL; each input port is a table of that name'),
  }).strict(),
  codeParams: { query: 'sql' },
});
