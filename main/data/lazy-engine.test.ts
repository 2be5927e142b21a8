import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../test/helpers/node-context';
import { readScaler } from '../../nodes/features/scaler';
import { createDataEngine, type DuckDataEngine } from './duck-engine';
import { lazyDataEngine } from './lazy-engine';

describe('lazyDataEngine', () => {
  it('starts DuckDB on first use and forwards options and capabilities', async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), 'pw-lazy-'));
    let starts = 0;
    let real: DuckDataEngine | null = null;
    const lazy = lazyDataEngine(async () => {
      starts++;
      real = await createDataEngine({ tmpDir });
      return real;
    });
    try {
      expect(starts).toBe(0);
      expect(lazy.resourcesDir).toBe(DATA_DIR);
      expect(lazy.ident('a"b')).toBe('"a""b"');
      const iris = await lazy.readCsv!(join(DATA_DIR, 'iris.csv'), { header: true, types: {} });
      const ref = { kind: 'table' as const, path: iris, hash: '', meta: {} };
      const withMeta = await lazy.writeTable('SELECT * FROM t', { t: ref }, { metadata: { 'pipewright.scaler': '{"format":"pipewright-scaler/v1","columns":{}}' } });
      expect(await readScaler(lazy, { ...ref, path: withMeta })).toEqual({ format: 'pipewright-scaler/v1', columns: {} });
      const coded = await lazy.runCode!('(t) => ({ columns: { n: [t.rowCount] } })', ref, { timeoutMs: 5000 });
      expect(await lazy.query('SELECT n FROM t', { t: { ...ref, path: coded.path } })).toEqual([{ n: 150 }]);
      expect(starts).toBe(1);
    } finally {
      await (real as DuckDataEngine | null)?.close();
      rmSync(tmpDir, { recursive: true, force: true });
    }
  });
});
