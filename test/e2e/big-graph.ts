/**
 * A 201-node pipeline that really runs, for the browser tests of big graphs: `load` (iris) and
 * 40 chains of 5 cheap table nodes (impute, select, impute, select, impute). Chains 0-9 and 20-29
 * read `load`; chain k+10 continues chain k (so a group of chains 0-9 has ten wires in and ten
 * out). Laid out on a grid: chains 0-9 in rows 0-9 from x 280, chains 10-19 to their right;
 * chains 20-39 likewise in rows 10-19. `failing`: that node selects a column iris does not have.
 */
export const CHAINS = 40;
export const CHAIN = 5;
export const COL_W = 280;
export const ROW_H = 150;

export const nodeId = (chain: number, k: number): string => `c${chain}n${k}`;

export function bigGraphYaml(opts: { name?: string; csv: string; failing?: string }): string {
  const lines = ['apiVersion: pipewright/v1', 'kind: Pipeline', 'metadata:', `  name: ${opts.name ?? 'big-graph'}`, 'nodes:', '  load:', '    type: data.csv', '    params:', `      path: ${opts.csv}`];
  const layout = ['layout:', `  load: { x: 0, y: ${4 * ROW_H} }`];
  for (let c = 0; c < CHAINS; c++) {
    const block = Math.floor(c / 20);
    const right = Math.floor(c / 10) % 2 === 1;
    const row = block * 10 + (c % 10);
    for (let k = 0; k < CHAIN; k++) {
      const id = nodeId(c, k);
      const from = k > 0 ? `${nodeId(c, k - 1)}.table` : right ? `${nodeId(c - 10, CHAIN - 1)}.table` : 'load.table';
      const select = k % 2 === 1;
      lines.push(`  ${id}:`, `    type: ${select ? 'features.select' : 'features.impute'}`, '    inputs:', `      table: ${from}`);
      if (select) lines.push('    params:', id === opts.failing ? '      columns: [no_such_column]' : '      columns: [sepal_length, petal_width]');
      layout.push(`  ${id}: { x: ${COL_W * (1 + k + (right ? CHAIN + 1 : 0))}, y: ${row * ROW_H} }`);
    }
  }
  return [...lines, ...layout, ''].join('\n');
}
