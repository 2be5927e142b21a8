/**
 * The planner is the one way in: `pipewright run` and the API's run.start plan the same text the
 * same way, so they record the same canonical text under the same pipeline version hash, and the
 * plan they run is frozen (what was planned is what runs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/rpc';
import { formatPipelineText } from '../../shared/pipeline';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { main } from '../../main/cli/main';
import { planText } from '../../main/engine/planner';
import { openProject } from '../../main/store';
import type { RunSummary } from '../../shared/run';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';

// Not canonical: node keys out of order, a quoted number kept as a string, a comment, no layout.
const TEXT = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: plan-test
params:
  seed: 3
nodes:
  load:
    params: { name: iris }   # the bundled sample
    type: data.sample
  pick:
    params:
      columns: [sepal_length, species]
    inputs: { table: load.table }
    type: features.select
  split:
    type: features.split
    inputs:
      table: pick.table
    params:
      seed: \${params.seed}
      testFraction: 0.25
`;

let dir: string;
let api: MemoryApi;
let client: ApiClient;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-plan-'));
  writeFileSync(join(dir, 'p.pipeline.yaml'), TEXT);
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'home'), projectPath: join(dir, 'p.pwproj') });
  client = api.client;
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one plan for the CLI and the API', () => {
  it('records the same canonical text under the same version hash', async () => {
    const io = { stdout: (t: string) => void (out += t), stderr: () => {}, isTTY: false, cwd: dir };
    let out = '';
    expect(await main(['run', 'p.pipeline.yaml', '--json', '--param', 'seed=5'], io)).toBe(0);
    const cliRun = (JSON.parse(out) as RunSummary).run.id;

    const finished = new Promise<void>((done) => {
      const off = client.on('run.events', (batch) => {
        if (batch.some((e) => e.type === 'run.finished')) {
          off();
          done();
        }
      });
    });
    const { runId: apiRun } = await client.call('run.start', { project: join(dir, 'p.pwproj'), text: TEXT, baseDir: dir, params: { seed: 5 } });
    await finished;

    const store = openProject(join(dir, 'p.pwproj'));
    try {
      const a = store.getRunRow(Number(cliRun));
      const b = store.getRunRow(Number(apiRun));
      expect(a?.pipelineVersionId).not.toBeNull();
      expect(b?.pipelineVersionId).toBe(a?.pipelineVersionId);
      const version = store.latestPipelineVersion('plan-test');
      expect(version?.id).toBe(a?.pipelineVersionId);
      // canonical (key order fixed), comments kept
      expect(version?.text).toBe(formatPipelineText(TEXT, createChecker(registry)).text);
      expect(version?.text).not.toBe(TEXT);
      expect(version?.text).toContain('# the bundled sample');
      const plan = await planText(TEXT);
      expect(version?.hash).toBe(plan.versionHash);
      // the run recorded the pipeline params after the override
      expect(b?.params).toEqual({ seed: 5 });
    } finally {
      store.close();
    }
  });

  it('plans once: params resolved, overridden and defaulted, frozen', async () => {
    const plan = await planText(TEXT, { overrides: { seed: 9 } });
    const split = plan.nodes.get('split');
    expect(split?.params).toEqual({ seed: 9, testFraction: 0.25 });
    expect(Object.isFrozen(split?.params)).toBe(true);
    expect(() => {
      (split?.params as Record<string, unknown>).seed = 1;
    }).toThrow(TypeError);
    expect(plan.order).toEqual(['load', 'pick', 'split']);
    // the static key is a function of type, version and params only
    const again = await planText(TEXT.replace('# the bundled sample', ''), { overrides: { seed: 9 } });
    expect(again.nodes.get('split')?.staticKey).toBe(split?.staticKey);
    expect(again.versionHash).not.toBe(plan.versionHash);
    expect((await planText(TEXT)).nodes.get('split')?.staticKey).not.toBe(split?.staticKey);
  });

  it('refuses an undeclared override before anything is recorded', async () => {
    await expect(planText(TEXT, { overrides: { nope: 1 } })).rejects.toMatchObject({ issues: [{ place: 'params.nope' }] });
  });
});
