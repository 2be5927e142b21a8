import { z } from 'zod';
import { defineNode } from '../types';
import { asNodeError, describeInput, input, nodeError, tableOutput } from './common';

export default defineNode({
  type: 'features.code',
  version: 1,
  title: 'JavaScript transform',
  stage: 'features',
  description:
    'A JavaScript function of a table, run in a sandboxed worker with a time limit and no file or network access. ' +
    'It gets `table` with `table.columns` (column name -> array of numbers, strings or null), `table.rowCount` and `table.rows()` ' +
    '(an array of row objects), and returns a table of the same shape or an array of row objects (`fromRows(rows)` also builds one). ' +
    'console.log lines go to the node log. Example: (table) => ({ columns: { ...table.columns, ratio: table.columns.a.map((a, i) => a / table.columns.b[i]) } })',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    code: z.string().min(1).describe('JavaScript: a function (table) => table'),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(10_000).describe('time limit'),
  }).strict(),
  codeParams: { code: 'javascript' },
  servingReplay: { mode: 'transform', ports: { table: 'table' } },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    await describeInput(ctx, table, 'table', false);
    const runCode = ctx.data.runCode;
    if (!runCode) throw nodeError(ctx, 'this data engine cannot run features.code');
    const res = await asNodeError(ctx, 'the code failed', () => runCode(params.code, table, { timeoutMs: params.timeoutMs, signal: ctx.signal }));
    for (const line of res.logs) ctx.log('info', line);
    return { table: tableOutput(res.path) };
  },
});
