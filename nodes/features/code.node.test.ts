import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import code from './code.node';

describe('features.code', () => {
  let ctx: TestContext;
  let iris: ArtifactRef;
  let penguins: ArtifactRef;
  beforeAll(async () => {
    ctx = await makeTestContext({ nodeId: 'js' });
    iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
  });
  afterAll(() => ctx.cleanup());

  const run = (src: string, table = iris, timeoutMs?: number) => runNode(code, ctx, { table }, timeoutMs ? { code: src, timeoutMs } : { code: src });

  it('adds a column computed from others and logs', async () => {
    const out = await run(`(table) => {
      const { petal_length: l, petal_width: w } = table.columns;
      console.log('rows', table.rowCount);
      return { columns: { ...table.columns, petal_area: l.map((x, i) => x * w[i]) } };
    }`);
    const t = await outputArtifact(out.table, ctx);
    expect(t.meta.rows).toBe(150);
    expect((t.meta.columns as { name: string; type: string }[]).slice(-2)).toEqual([
      { name: 'species', type: 'VARCHAR' },
      { name: 'petal_area', type: 'DOUBLE' },
    ]);
    const [r] = await ctx.data.query('SELECT sum(petal_area) AS s, sum(petal_length * petal_width) AS e FROM t', { t });
    expect(r.s as number).toBeCloseTo(r.e as number, 9);
    expect(ctx.logs).toContainEqual({ level: 'info', message: 'rows 150' });
  });

  it('accepts rows, keeps nulls, and filters', async () => {
    const out = await run('async (t) => t.rows().filter((r) => r.island === "Dream").map((r) => ({ island: r.island, mass: r.body_mass_g, sex: r.sex }))', penguins);
    const t = await outputArtifact(out.table, ctx);
    const [r] = await ctx.data.query('SELECT count(*) AS n, count(*) - count(sex) AS nosex, round(avg(mass), 3) AS m FROM t', { t });
    const [e] = await ctx.data.query("SELECT count(*) AS n, count(*) - count(sex) AS nosex, round(avg(body_mass_g), 3) AS m FROM p WHERE island = 'Dream'", { p: penguins });
    expect(r).toEqual(e);
    expect(r.n).toBe(124);
  });

  it('fails with the message and line when the code throws', async () => {
    await expect(run('(t) => {\n  const x = 1;\n  throw new Error("bad row " + x);\n}')).rejects.toThrow(/^js: the code failed: bad row 1 \(line 3, column \d+\)$/);
    await expect(run('(t) => t.nope.map(1)')).rejects.toThrow(/^js: the code failed: TypeError: cannot read property 'map' of undefined \(line 1, column \d+\)$/);
    await expect(run('(t) => {')).rejects.toThrow(/^js: the code failed: SyntaxError/);
    await expect(run('(t) => ({ columns: { a: [1, 2], b: [1] } })')).rejects.toThrow(/column "b" has 1 values but column "a" has 2/);
    await expect(run('42')).rejects.toThrow(/code must be a JavaScript function/);
  });

  it('stops code that loops forever, sync or async', async () => {
    const started = Date.now();
    await expect(run('(t) => { for (;;) {} }', iris, 300)).rejects.toThrow(
      /^js: the code failed: the code did not finish within 300 ms \(time limit hit after \d+ ms, while running the code\)$/,
    );
    await expect(run('async (t) => { for (;;) await null; }', iris, 300)).rejects.toThrow(
      /did not finish within 300 ms \(time limit hit after \d+ ms, while waiting for the code’s promise\)/,
    );
    // generous: worker start-up on a loaded machine; the point is that it stops at all
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('has no Node APIs, timers or network, and what it compiles stays inside', async () => {
    const probe = await run(`(t) => ({ columns: { probe: [
      typeof require, typeof process, typeof fetch, typeof setTimeout, typeof Buffer, typeof WebAssembly, typeof globalThis.constructor?.constructor,
      String(new Function('return typeof process')()),
      String(t.constructor.constructor('return typeof require')()),
      String(eval('typeof globalThis.process')),
    ] } })`);
    const t = await outputArtifact(probe.table, ctx);
    const rows = (await ctx.data.query('SELECT probe FROM t', { t })).map((r) => r.probe);
    expect(rows).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'function', 'undefined', 'undefined', 'undefined']);
  });

  it('gives no way out through stack frames (prepareStackTrace)', async () => {
    const out = await run(`(t) => {
      const found = [];
      Error.prepareStackTrace = (e, frames) => frames;
      const frames = new Error('x').stack;
      Error.prepareStackTrace = undefined;
      for (const f of Array.isArray(frames) ? frames : []) {
        for (const get of ['getFunction', 'getThis']) {
          let v;
          try { v = f[get](); } catch (e) { continue; }
          if (v === undefined || v === null) continue;
          try { found.push(String(v.constructor.constructor('return typeof process')())); } catch (e) { found.push('blocked'); }
        }
      }
      return { columns: { found: found.length ? found : ['none'] } };
    }`);
    const t = await outputArtifact(out.table, ctx);
    const found = (await ctx.data.query('SELECT found FROM t', { t })).map((r) => r.found);
    // Frames of the user's own functions are reachable, but their Function cannot compile code.
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(['blocked', 'none']).toContain(f);
  });
});
