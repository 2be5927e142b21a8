/**
 * `pipewright run` as a separate process, on the two ways a data node used to keep a run alive
 * forever: a data file that is a named pipe (the read blocked in native code, and a cancel
 * printed "cancelled" while the process never exited), and a long DuckDB statement (the worker
 * could not be terminated until the statement ended). Both processes must now exit on their own.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/run';

const ROOT = resolve(__dirname, '../..');
const TSX = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const ENTRY = join(ROOT, 'main/engine/fixtures/cli-entry.ts');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-data-cancel-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pipeline(name: string, nodes: string): string {
  const file = join(dir, `${name}.pipeline.yaml`);
  writeFileSync(file, `apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: ${name}\nnodes:\n${nodes}`);
  return file;
}

describe.runIf(process.platform !== 'win32')('a data node cannot keep a run alive', () => {
  it('a Parquet "file" that is a named pipe fails the run, and the process exits', { timeout: 120_000 }, () => {
    execFileSync('mkfifo', [join(dir, 'pipe.parquet')]);
    const file = pipeline('fifo', '  load:\n    type: data.parquet\n    params:\n      path: pipe.parquet\n');
    // Before the check the worker blocked opening the pipe: spawnSync would hit its timeout.
    const r = spawnSync(process.execPath, ['--import', TSX, ENTRY, 'run', file, '--json'], { cwd: dir, encoding: 'utf8', timeout: 90_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(summary.nodes.load).toMatchObject({ status: 'failed' });
    expect(summary.nodes.load.error).toContain(`${join(dir, 'pipe.parquet')} is a named pipe (FIFO), not a Parquet file`);
  });

  it('Ctrl-C during a long query ends the run as cancelled and the process exits', { timeout: 120_000 }, async () => {
    const file = pipeline(
      'long',
      '  src:\n    type: data.sample\n    params:\n      name: iris\n' +
        '  long:\n    type: data.sql\n    inputs:\n      t: src.table\n    params:\n      query: SELECT sum(hash(range)) AS h FROM range(100000000000)\n',
    );
    const child = spawn(process.execPath, ['--import', TSX, ENTRY, 'run', file, '--json', '--no-cache'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // The query starts right after src finishes; give it a moment to be inside DuckDB.
    await new Promise<void>((res) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/src\s+succeeded/.test(stderr)) res();
      });
    });
    await new Promise((res) => setTimeout(res, 1500));
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(killer);
    // 1e11 hashes take far longer than the minute allowed: a SIGKILL would leave code null.
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.run.status).toBe('cancelled');
    expect(summary.nodes.long.status).toBe('cancelled');
  });
});
