import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/run';
import type { CliIO } from '../io';
import { main } from '../main';

const root = resolve(__dirname, '..', '..', '..');
const example = join(root, 'resources', 'examples', 'breast-cancer.pipeline.yaml');

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, cwd: root };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('pipewright run-node', () => {
  it('runs a source node and a split on artifact files, each output with its sha256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-run-node-'));
    const load = await cli(['run-node', example, '--node', 'load', '--in', join(dir, 'none'), '--out', join(dir, 'load'), '--json']);
    expect(load.code, load.stderr).toBe(0);
    const summary = JSON.parse(load.stdout) as RunSummary;
    expect(summary.run.status).toBe('succeeded');
    expect(summary.nodes.load.status).toBe('succeeded');
    const table = join(dir, 'load', 'table');
    expect(readFileSync(`${table}.sha256`, 'utf8').trim()).toBe(sha256(table));
    expect(readFileSync(table).subarray(0, 4).toString()).toBe('PAR1'); // a self-describing Parquet file

    mkdirSync(join(dir, 'split-in'));
    writeFileSync(join(dir, 'split-in', 'table'), readFileSync(table));
    const split = await cli(['run-node', example, '--node', 'split', '--in', join(dir, 'split-in'), '--out', join(dir, 'split'), '--param', 'seed=7']);
    expect(split.code, split.stderr).toBe(0);
    for (const port of ['train', 'test']) {
      const f = join(dir, 'split', port);
      expect(readFileSync(`${f}.sha256`, 'utf8').trim()).toBe(sha256(f));
    }
    // the seed override reached the node: another seed, another split
    const other = await cli(['run-node', example, '--node', 'split', '--in', join(dir, 'split-in'), '--out', join(dir, 'split-42')]);
    expect(other.code).toBe(0);
    expect(sha256(join(dir, 'split-42', 'train'))).not.toBe(sha256(join(dir, 'split', 'train')));
  }, 120_000);

  it('exits 3 when a gate is missed, 0 when it passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-run-node-'));
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'metrics'), JSON.stringify({ format: 'pipewright-metrics/v1', scalars: { accuracy: 0.85 } }));
    const missed = await cli(['run-node', example, '--node', 'gate', '--in', join(dir, 'in'), '--out', join(dir, 'out'), '--json']);
    expect(missed.code, missed.stderr).toBe(3);
    const s = JSON.parse(missed.stdout) as RunSummary;
    expect(s.run.status).toBe('gate_failed');
    expect(s.nodes.gate.gateFailed).toBe(true);
    const passed = await cli(['run-node', example, '--node', 'gate', '--in', join(dir, 'in'), '--out', join(dir, 'out'), '--param', 'minAccuracy=0.8']);
    expect(passed.code, passed.stderr).toBe(0);
  }, 60_000);

  it('exits 1 when the node fails on a broken input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-run-node-'));
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'table'), 'not a parquet file');
    const r = await cli(['run-node', example, '--node', 'split', '--in', join(dir, 'in'), '--out', join(dir, 'out'), '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as RunSummary).nodes.split.status).toBe('failed');
  }, 60_000);

  it('exits 2 for usage errors, unknown nodes and params, and missing inputs, with one JSON document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-run-node-'));
    const base = ['run-node', example, '--in', join(dir, 'in'), '--out', join(dir, 'out')];
    expect((await cli(['run-node', example, '--node', 'load'])).code).toBe(2);
    for (const argv of [
      [...base, '--node', 'nope', '--json'],
      [...base, '--node', 'split', '--json'],
      [...base, '--node', 'load', '--param', 'nope=1', '--json'],
      ['run-node', example, '--node', 'load', '--json'],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      const doc = JSON.parse(r.stdout) as { errors: { place: string; message: string }[] };
      expect(doc.errors.length).toBeGreaterThan(0);
    }
  }, 60_000);
});
