import { defineNode, type ColumnInfo } from '../types';
import { asDouble, mapColumns } from '../schema';
import { asNodeError, describeInput, input, isNumericType, nodeError, requireColumns, tableOutput } from './common';
import { readScaler, SCALER_KEY, type ScalerDoc } from './scaler';
import spec from './standardize.params';

export default defineNode({
  ...spec,
  title: 'Standardize',
  stage: 'features',
  description: 'Scales numeric columns to zero mean and unit variance, fitted on train only; a zero-variance column keeps scale 1. Yes/no (boolean) columns are left as they are; exclude the label of a trainer downstream.',
  inputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  outputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  columnParams: ['exclude'],
  schema: ({ inputs, params }) => {
    const scaled = (cols: ColumnInfo[]) => cols.map((c) => ((params.exclude ?? []).includes(c.name) ? c : asDouble(c)));
    return { outputs: { train: mapColumns(inputs.train, scaled), test: mapColumns(inputs.test, scaled) } };
  },
  servingReplay: {
    mode: 'transform',
    ports: { train: 'train', test: 'test' },
    fitted: 'mean and scale per column on train, in the Parquet metadata pipewright.scaler',
    async capture({ outputs, ctx }) {
      const train = input(ctx, outputs, 'train');
      const doc = await readScaler(ctx.data, train);
      if (!doc) throw nodeError(ctx, 'its train output carries no scaler (pipewright.scaler): run the pipeline again');
      return { state: doc };
    },
    apply(state, table) {
      const doc = state as ScalerDoc;
      return table.map((c) => {
        const s = doc.columns[c.name];
        if (!s || !c.numeric) return c;
        // The same double arithmetic as the run's SQL: (CAST(x AS DOUBLE) - mean) / scale.
        return { name: c.name, type: 'DOUBLE', numeric: true, values: c.values.map((x) => (x - s.mean) / s.scale) };
      });
    },
    compileRow(state, columns) {
      const doc = state as ScalerDoc;
      const mean = new Float64Array(columns.length);
      const scale = new Float64Array(columns.length);
      const scaled = columns.map((c, i) => {
        const s = doc.columns[c.name];
        if (!s || !c.numeric) return false;
        mean[i] = s.mean;
        scale[i] = s.scale;
        return true;
      });
      return {
        columns: [...columns],
        run(input, output) {
          for (let i = 0; i < scaled.length; i++) output[i] = scaled[i] ? ((input[i] as number) - mean[i]) / scale[i] : input[i];
        },
      };
    },
  },
  async run({ inputs, params, ctx }) {
    const train = input(ctx, inputs, 'train');
    const test = input(ctx, inputs, 'test');
    const trainInfo = await describeInput(ctx, train, 'train');
    const testInfo = await describeInput(ctx, test, 'test', false);
    requireColumns(ctx, trainInfo, params.exclude, 'exclude', 'train');
    const excluded = new Set(params.exclude);
    // A yes/no column is two classes, not a measurement: scaling it would turn a label such as
    // `churned` into -0.897 and 1.115. Booleans are never standardized.
    const bools = trainInfo.columns.filter((c) => c.type === 'BOOLEAN' && !excluded.has(c.name));
    if (bools.length) ctx.log('info', `left yes/no column${bools.length > 1 ? 's' : ''} ${bools.map((c) => c.name).join(', ')} as ${bools.length > 1 ? 'they are' : 'it is'} (booleans are never standardized)`);
    const cols = trainInfo.columns.filter((c) => isNumericType(c.type) && c.type !== 'BOOLEAN' && !excluded.has(c.name));
    requireColumns(ctx, testInfo, cols.map((c) => c.name), 'test', 'test');
    const d = ctx.data;
    const doc: ScalerDoc = { format: 'pipewright-scaler/v1', columns: {} };
    if (cols.length > 0) {
      const stats = await asNodeError(ctx, 'cannot fit the scaler', () =>
        d.query(
          `SELECT ${cols.map((c, i) => `avg(CAST(${d.ident(c.name)} AS DOUBLE)) AS m${i}, stddev_pop(CAST(${d.ident(c.name)} AS DOUBLE)) AS s${i}`).join(', ')} FROM train`,
          { train },
        ),
      );
      cols.forEach((c, i) => {
        const mean = stats[0][`m${i}`];
        const sd = stats[0][`s${i}`];
        if (typeof mean !== 'number' || !Number.isFinite(mean)) {
          throw nodeError(ctx, `column "${c.name}" has no values in train, so it cannot be standardized (exclude it or impute it first)`, { column: c.name });
        }
        // A constant column keeps scale 1 (as scikit-learn's StandardScaler), so it becomes all zeros, not NaN.
        const scale = typeof sd === 'number' && Number.isFinite(sd) && sd > 0 ? sd : 1;
        doc.columns[c.name] = { mean, scale };
      });
    } else {
      ctx.log('warn', 'no numeric columns to standardize; the tables pass through unchanged');
    }
    const metadata = { [SCALER_KEY]: JSON.stringify(doc) };
    const num = (x: number) => `CAST(${String(x)} AS DOUBLE)`;
    const select = (columns: { name: string }[], from: string) =>
      `SELECT ${columns
        .map((c) => {
          const s = doc.columns[c.name];
          return s ? `(CAST(${d.ident(c.name)} AS DOUBLE) - ${num(s.mean)}) / ${num(s.scale)} AS ${d.ident(c.name)}` : d.ident(c.name);
        })
        .join(', ')} FROM ${from}`;
    const trainOut = await asNodeError(ctx, 'standardize failed', () => d.writeTable(select(trainInfo.columns, 'train'), { train }, { metadata }));
    const testOut = await asNodeError(ctx, 'standardize failed', () => d.writeTable(select(testInfo.columns, 'test'), { test }, { metadata }));
    ctx.log('info', `scaler fitted on ${trainInfo.rows} train rows for ${cols.length} columns`);
    return { train: tableOutput(trainOut), test: tableOutput(testOut) };
  },
});
