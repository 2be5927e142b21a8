/**
 * `pipewright run` and `pipewright runs` exactly as contract section 2 says, on the real
 * breast-cancer example: exit codes 0/1/2/3, one JSON document on stdout, reasons, the default
 * project path, and a spawned process printing plain progress lines when stderr is not a TTY.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-main';
import type { RunListItem, RunSummary } from '../../shared/run';

const ROOT = resolve(__dirname, '../..');
const TSX = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const DATA = join(ROOT, 'resources', 'data', 'breast_cancer.csv');
const EXAMPLE = readFileSync(resolve(__dirname, '..', '..', '..', 'shared', 'spec', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8').replace('../../data/breast_cancer.csv', DATA);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-run-cli-'));
  writeFileSync(join(dir, 'bc.pipeline.yaml'), EXAMPLE);
  writeFileSync(join(dir, 'broken.pipeline.yaml'), EXAMPLE.replace('stratifyBy: diagnosis', 'stratifyBy: no_such_column'));
  writeFileSync(join(dir, 'invalid.pipeline.yaml'), EXAMPLE.replace('testFraction: 0.2', 'testFraction: 2'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pipewright run', () => {
  it('runs, records beside the file, then reports every node cached with its reason; gate miss exits 3', async () => {
    const first = await cli(['run', 'bc.pipeline.yaml', '--json'], dir);
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout) as RunSummary;
    expect(s1.run).toMatchObject({ status: 'succeeded', pipeline: 'breast-cancer', backend: expect.any(String) });
    expect(s1.nodes.evaluate).toMatchObject({ status: 'succeeded', cached: false, reason: 'first run', metrics: { accuracy: expect.any(Number) } });
    expect(existsSync(join(dir, 'bc.pwproj'))).toBe(true);
    expect(first.stderr).toMatch(/evaluate\s+succeeded/);

    const second = await cli(['run', 'bc.pipeline.yaml'], dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    for (const id of ['load', 'split', 'scale', 'train', 'evaluate', 'gate']) expect(second.stderr).toMatch(new RegExp(`${id}\\s+succeeded\\s+cached\\s+\\(reused from run ${s1.run.id}: unchanged\\)`));

    const gated = await cli(['run', 'bc.pipeline.yaml', '--param', 'minAccuracy=0.9999', '--json'], dir);
    expect(gated.code).toBe(3);
    const s3 = JSON.parse(gated.stdout) as RunSummary;
    expect(s3.run.status).toBe('gate_failed');
    expect(s3.nodes.gate).toMatchObject({ status: 'failed', gateFailed: true, reason: 're-run: param min changed' });
    expect(s3.nodes.train.cached).toBe(true);

    const junit = join(dir, 'out', 'junit.xml');
    const withJunit = await cli(['run', 'bc.pipeline.yaml', '--junit', junit], dir);
    expect(withJunit.code).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase/);

    const runs = await cli(['runs', '--project', 'bc.pwproj', '--json'], dir);
    expect(runs.code).toBe(0);
    const list = (JSON.parse(runs.stdout) as { runs: RunListItem[] }).runs;
    expect(list.map((r) => r.status)).toEqual(['succeeded', 'gate_failed', 'succeeded', 'succeeded']);
    expect(list[0]).toEqual({ id: expect.any(String), status: 'succeeded', pipeline: 'breast-cancer', startedAt: expect.any(String), durationMs: expect.any(Number), metrics: expect.objectContaining({ accuracy: expect.any(Number) }), trigger: 'manual' });
    const human = await cli(['runs', '--project', 'bc.pwproj'], dir);
    expect(human.stdout.split('\n')[0]).toMatch(/^RUN\s+STATUS\s+PIPELINE\s+STARTED\s+DURATION\s+TRIGGER\s+METRICS/);
  });

  it('re-runs a data node when its file changes on disk, and reuses it again when the bytes are back', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-run-file-'));
    try {
      const csv = readFileSync(DATA, 'utf8');
      writeFileSync(join(d, 'data.csv'), csv);
      writeFileSync(join(d, 'p.pipeline.yaml'), 'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: file-change\nnodes:\n  load:\n    type: data.csv\n    params:\n      path: data.csv\n');
      const run = async () => JSON.parse((await cli(['run', 'p.pipeline.yaml', '--json'], d)).stdout) as RunSummary;
      const first = await run();
      expect(first.nodes.load).toMatchObject({ cached: false, reason: 'first run' });
      expect((await run()).nodes.load).toMatchObject({ cached: true });
      // Same path and size class, other bytes: the old table must not come back.
      writeFileSync(join(d, 'data.csv'), csv.split('\n').slice(0, 11).join('\n') + '\n');
      const edited = await run();
      expect(edited.nodes.load).toMatchObject({ cached: false, reason: 're-run: data file data.csv changed on disk' });
      expect(edited.nodes.load.outputs?.table.meta.rows).toBe(10);
      expect(edited.nodes.load.outputs?.table.hash).not.toBe(first.nodes.load.outputs?.table.hash);
      writeFileSync(join(d, 'data.csv'), csv);
      const back = await run();
      expect(back.nodes.load).toMatchObject({ cached: true, reason: `reused from run ${first.run.id}: unchanged` });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('exits 1 when a node fails, with the failure in the JSON', async () => {
    const r = await cli(['run', 'broken.pipeline.yaml', '--json', '--project', join(dir, 'broken.pwproj')], dir);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.run.status).toBe('failed');
    expect(s.nodes.split.status).toBe('failed');
    expect(s.nodes.scale).toMatchObject({ status: 'skipped' });
  });

  it('exits 2 with { errors } for an invalid pipeline, an undeclared param and a bad option', async () => {
    const invalid = await cli(['run', 'invalid.pipeline.yaml', '--json'], dir);
    expect(invalid.code).toBe(2);
    const e = JSON.parse(invalid.stdout) as { errors: { place: string; line?: number }[] };
    expect(e.errors[0]).toMatchObject({ place: 'nodes.split.params.testFraction', line: expect.any(Number) });
    expect(existsSync(join(dir, 'invalid.pwproj'))).toBe(false);

    const undeclared = await cli(['run', 'bc.pipeline.yaml', '--param', 'nope=1', '--json'], dir);
    expect(undeclared.code).toBe(2);
    expect(JSON.parse(undeclared.stdout)).toEqual({ errors: [expect.objectContaining({ place: 'params.nope', message: expect.stringMatching(/not a declared pipeline param/) })] });

    const badType = await cli(['run', 'bc.pipeline.yaml', '--param', 'seed=abc', '--json'], dir);
    expect(badType.code).toBe(2);
    expect(JSON.parse(badType.stdout).errors[0].place).toBe('nodes.split.params.seed');

    const option = await cli(['run', 'bc.pipeline.yaml', '--frobnicate', '--json'], dir);
    expect(option.code).toBe(2);
    expect(JSON.parse(option.stdout).errors[0].message).toMatch(/unknown option/);

    const missing = await cli(['run', 'missing.pipeline.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('works as a separate process: plain lines on a non-TTY stderr, one JSON document on stdout', () => {
    const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'main/engine/fixtures/cli-entry.ts'), 'run', 'bc.pipeline.yaml', '--json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(Object.keys(s.nodes)).toEqual(['load', 'split', 'scale', 'train', 'evaluate', 'gate']);
    expect(s.run.status).toBe('succeeded');
    expect(r.stderr.includes('\u001b[')).toBe(false);
    expect(r.stderr.trim().split('\n').length).toBe(8);
  });

  it('exits on its own when it stops before running: the worker it started beside its modules is closed', () => {
    // A worker left running would keep the process alive until the timeout kills it (status null).
    const cases: [string[], number, RegExp][] = [
      [['run', 'invalid.pipeline.yaml'], 2, /testFraction/],
      [['run', 'nowhere.pipeline.yaml', '--json'], 2, /no such file/],
      [['run', '--help'], 0, /Usage|usage/],
      [['run', 'bc.pipeline.yaml', '--no-such-option'], 2, /no-such-option/],
    ];
    for (const [argv, code, says] of cases) {
      const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'main/engine/fixtures/cli-entry.ts'), ...argv], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(r.signal, argv.join(' ')).toBeNull();
      expect(r.status, argv.join(' ')).toBe(code);
      expect(r.stdout + r.stderr).toMatch(says);
    }
  });
});
