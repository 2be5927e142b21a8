import { defineNode, NodeError } from '../types';
import { asNodeError, describeInput, input, nodeError, tableOutput } from './common';
import spec from './code.params';

export default defineNode({
  ...spec,
  title: 'JavaScript transform',
  stage: 'features',
  description:
    'A JavaScript function of a table, run in a sandbox: QuickJS, a separate JavaScript interpreter compiled to WebAssembly, in a worker thread of its own. ' +
    'The code has the standard JavaScript built-ins (Math, JSON, Date, RegExp, Map, Set, typed arrays, Promise, async/await) and nothing else: ' +
    'no files, network, processes, environment variables, timers, require or import, and no object of the app; the table goes in and the result comes out only as copied data. ' +
    'Limits: `timeoutMs` of wall-clock time, async work included (a promise left with nothing to run fails at once); memory 8× the table, at least 512 MB, within a 2 GB WebAssembly memory (tables up to about 500 MB); ' +
    'about 5,000 nested calls; console output cut at 2,000 characters a line and 1,000 lines or 200,000 characters a node. It runs at interpreter speed, a few times slower than Node for column arithmetic. ' +
    'It gets `table` with `table.columns` (column name -> array of numbers, strings or null), `table.rowCount` and `table.rows()` ' +
    '(an array of row objects), and returns a table of the same shape or an array of row objects (`fromRows(rows)` also builds one). ' +
    'console.log lines go to the node log. Example: (table) => ({ columns: { ...table.columns, ratio: table.columns.a.map((a, i) => a / table.columns.b[i]) } })',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  codeParams: { code: 'javascript' },
  servingReplay: {
    mode: 'transform',
    ports: { table: 'table' },
    async capture({ params }) {
      return { state: { code: params.code, timeoutMs: params.timeoutMs } };
    },
    async apply(state, table, ctx) {
      const { code, timeoutMs } = state as { code: string; timeoutMs: number };
      if (!ctx.runCode) throw new NodeError('this host cannot replay features.code');
      return ctx.runCode(code, table, { timeoutMs });
    },
  },
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
