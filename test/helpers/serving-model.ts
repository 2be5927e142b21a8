/**
 * A small hand-written `ServingModel` for the HTTP layer's unit tests (protocol parsing, errors,
 * swaps): a logistic model over two numbers, a flag and a category, with exact scores so tests
 * can tell versions apart by their answers. Integration tests serve real registered models.
 */
import { InputError, type Prediction, type ServingModel } from '../../main/serving/types';

export interface TestModel extends ServingModel {
  disposed: boolean;
  calls: number;
  /** rows of each call */
  batches: number[];
  /** the exact score of class 'M' for one row */
  score(row: { radius: number; count: number; smoker: boolean; kind: string | null }): number;
}

export function testModel(name: string, version: number, opts: { weight?: number; task?: 'classification' | 'regression'; delayMs?: number } = {}): TestModel {
  const w = opts.weight ?? version;
  const score = (r: { radius: number; count: number; smoker: boolean; kind: string | null }) =>
    1 / (1 + Math.exp(-(w * 0.1 * r.radius - 0.05 * r.count + (r.smoker ? 0.5 : 0) + (r.kind === 'a' ? 0.25 : 0))));
  const m: TestModel = {
    batches: [] as number[],
    name,
    version,
    task: opts.task ?? 'classification',
    classes: opts.task === 'regression' ? undefined : ['B', 'M'],
    inputs: [
      { name: 'radius', type: 'DOUBLE', nullable: false },
      { name: 'count', type: 'BIGINT', nullable: false },
      { name: 'smoker', type: 'BOOLEAN', nullable: false },
      { name: 'kind', type: 'VARCHAR', nullable: true },
    ],
    disposed: false,
    calls: 0,
    score,
    async predictColumns(columns, rows) {
      if (m.disposed) throw new Error(`${name}:${version} used after dispose`);
      m.calls++;
      m.batches.push(rows);
      for (const c of m.inputs) if (!Object.hasOwn(columns, c.name)) throw new InputError(`missing column '${c.name}'`, c.name, null);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (m.disposed) throw new Error(`${name}:${version} disposed during a request`);
      const out: Prediction[] = [];
      // a check only the model makes (as an unknown category would be)
      const bad = columns.kind.indexOf('reject');
      if (bad >= 0) throw new InputError(`column 'kind', row ${bad}: the model does not know the category 'reject'`, 'kind', bad);
      for (let i = 0; i < rows; i++) {
        const p = score({ radius: columns.radius[i] as number, count: columns.count[i] as number, smoker: columns.smoker[i] as boolean, kind: columns.kind[i] as string | null });
        out.push(m.task === 'regression' ? p * 100 : { label: p >= 0.5 ? 'M' : 'B', scores: { B: 1 - p, M: p } });
      }
      return out;
    },
    dispose() {
      m.disposed = true;
    },
  };
  return m;
}
