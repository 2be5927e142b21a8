/**
 * Editor groups in the pipeline file (`x-groups`, written by renderer/src/doc/groups.ts) against
 * the command line: a file with groups validates, is canonical, runs exactly as without them
 * (every node reused from the run of the file without groups: groups are no part of a cache key),
 * and exports the same GitHub Actions workflow.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import type { RunSummary } from '../../shared/run';
import { parsePipelineText } from '../../shared/pipeline/parse';
import { serializePipeline } from '../../shared/pipeline/serialize';
import { groupNodes, readGroups, setCollapsed } from '../../renderer/src/doc/groups';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pw-groups-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: dir };
  return { code: await main(argv, io), stdout, stderr };
}

const PLAIN = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: grouped
nodes:
  load:
    type: data.csv
    params:
      path: iris.csv
  fill:
    type: features.impute
    inputs:
      table: load.table
  keep:
    type: features.select
    inputs:
      table: fill.table
    params:
      columns: [sepal_length, petal_width]
layout:
  load: { x: 0, y: 0 }
  fill: { x: 280, y: 0 }
  keep: { x: 560, y: 0 }
`;

describe('a pipeline file with editor groups', () => {
  it('validates, is canonical, runs fully cached after the same file without groups, and exports the same workflow', async () => {
    copyFileSync(join(ROOT, 'resources', 'data', 'iris.csv'), join(dir, 'iris.csv'));
    const file = join(dir, 'grouped.pipeline.yaml');
    writeFileSync(file, PLAIN);
    const first = await cli(['run', file, '--json']);
    expect(first.code).toBe(0);
    const gha = await cli(['export', file, '--to', 'github-actions']);
    expect(gha.code).toBe(0);

    const doc = parsePipelineText(PLAIN).pipeline!;
    const grouped = setCollapsed(groupNodes(doc, ['fill', 'keep'], 'Clean up').doc, 'g1', true);
    const text = serializePipeline(grouped);
    expect(text).toContain('x-groups:\n  g1:\n    title: Clean up\n    nodes: [fill, keep]');
    // grouping changed no line of nodes or layout: the old text is the new one without the x-groups block
    expect(text.replace(/x-groups:\n(?: {2}.*\n)+/, '')).toBe(PLAIN);
    writeFileSync(file, text);

    expect((await cli(['validate', file])).code).toBe(0);
    expect((await cli(['fmt', '--check', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);

    const again = await cli(['run', file, '--json']);
    expect(again.code).toBe(0);
    const s = JSON.parse(again.stdout) as RunSummary;
    for (const id of ['load', 'fill', 'keep']) expect(s.nodes[id]).toMatchObject({ status: 'succeeded', cached: true });
    expect((await cli(['export', file, '--to', 'github-actions'])).stdout).toBe(gha.stdout);

    // an old editor's file (no x-groups) has no groups; a hand-broken x-groups is no error for the CLI
    expect(readGroups(doc)).toEqual([]);
    writeFileSync(file, text.replace('nodes: [fill, keep]', 'nodes: 7'));
    expect((await cli(['validate', file])).code).toBe(0);
    expect(readGroups(parsePipelineText(readFileSync(file, 'utf8')).pipeline!)).toEqual([]);
  });
});
