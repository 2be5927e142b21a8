import { defineNode, type ColumnData, type RunContext } from '../types';
import { normal } from '../../shared/random';
import { asNodeError, nodeError, tableOutput } from '../features/common';
import spec from './sample.params';

/** Cells held in memory at once while generating; beyond it, ask for fewer rows or features. */
const MAX_SYNTHETIC_CELLS = 50_000_000;

export default defineNode({
  ...spec,
  title: 'Sample dataset',
  stage: 'data',
  description: 'A bundled real dataset (iris, breast_cancer, penguins) or a seeded synthetic classification table.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  async schema({ params, ctx }) {
    if (params.name === 'synthetic') {
      const features = params.features ?? 20;
      const width = String(features - 1).length;
      const columns = Array.from({ length: Math.min(features, 10_000) }, (_, j) => ({ name: `x${String(j).padStart(width, '0')}`, type: 'DOUBLE' }));
      return { outputs: { table: { columns: [...columns, { name: 'label', type: 'BIGINT' }] } } };
    }
    const dir = ctx.data.resourcesDir;
    if (!params.name || !dir || !ctx.data.describeCsv) return { outputs: { table: {} } };
    return { outputs: { table: { columns: await ctx.data.describeCsv(`${dir.replace(/[\\/]+$/, '')}/${params.name}.csv`, { header: true, types: {} }) } } };
  },
  async run({ params, ctx }) {
    if (params.name === 'synthetic') {
      const out = await asNodeError(ctx, 'cannot write the synthetic table', () => ctx.data.writeColumns(synthetic(ctx, params.rows, params.features, params.seed)));
      return { table: tableOutput(out) };
    }
    const dir = ctx.data.resourcesDir;
    const readCsv = ctx.data.readCsv;
    if (!dir) throw nodeError(ctx, 'the bundled sample data (resources/data) was not found; set PIPEWRIGHT_RESOURCES to its folder');
    if (!readCsv) throw nodeError(ctx, 'this data engine cannot read CSV files');
    const path = `${dir.replace(/[\\/]+$/, '')}/${params.name}.csv`;
    const out = await asNodeError(ctx, `cannot read ${path}`, () => readCsv(path, { header: true, types: {} }));
    return { table: tableOutput(out) };
  },
});

/**
 * Two classes drawn as Gaussian clouds (like scikit-learn's make_classification, simplified):
 * the first half of the features shift by ±separation with the class, the rest are noise.
 * The RNG is consumed in a fixed order (separations, then row by row), so a seed is a dataset.
 */
export function synthetic(ctx: RunContext, rows: number, features: number, seed: number): ColumnData[] {
  if (rows * (features + 1) > MAX_SYNTHETIC_CELLS) {
    throw nodeError(ctx, `synthetic: ${rows} rows × ${features} features is more than ${MAX_SYNTHETIC_CELLS.toLocaleString('en')} values; use fewer rows or features`);
  }
  const rand = ctx.random(seed);
  const informative = Math.max(1, Math.round(features / 2));
  const separation = Array.from({ length: features }, (_, j) => (j < informative ? 0.5 + rand() : 0));
  const cols = Array.from({ length: features }, () => new Float64Array(rows));
  const label = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const y = rand() < 0.5 ? 0 : 1;
    label[i] = y;
    const sign = y === 1 ? 1 : -1;
    for (let j = 0; j < features; j++) cols[j][i] = normal(rand) + sign * separation[j];
  }
  const width = String(features - 1).length;
  return [
    ...cols.map((values, j): ColumnData => ({ name: `x${String(j).padStart(width, '0')}`, type: 'DOUBLE', numeric: true, values })),
    { name: 'label', type: 'BIGINT', numeric: true, values: label },
  ];
}
