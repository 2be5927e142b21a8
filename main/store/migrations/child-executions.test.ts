import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProject, type StoreEvent } from '../project-store';
import { LATEST_VERSION } from './index';
import { legacyProject } from '../../../test/helpers/legacy-project';

const dir = mkdtempSync(join(tmpdir(), 'pw-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project file exactly as the app wrote it before child executions: schema version 1, with a finished run in it. */
function versionOneFile(file: string): { runId: number; execId: number; hash: string } {
  const f = legacyProject(file, 1);
  return { runId: f.runId, execId: f.execIds.sweep, hash: f.hashes.metrics };
}

describe('migration 2: child executions', () => {
  it('upgrades a version-1 project file without losing anything, and records trials in it', () => {
    const file = join(dir, 'v1.pwproj');
    const { runId, execId, hash } = versionOneFile(file);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    const before = {
      runs: raw.prepare('SELECT * FROM runs ORDER BY id').all(),
      executions: raw.prepare('SELECT * FROM node_executions ORDER BY id').all(),
      metrics: raw.prepare('SELECT * FROM metrics ORDER BY rowid').all(),
      logs: raw.prepare('SELECT * FROM logs ORDER BY id').all(),
      outputs: raw.prepare('SELECT * FROM execution_outputs').all(),
    };
    raw.close();

    const s = openProject(file);
    try {
      expect(s.schemaVersion()).toBe(LATEST_VERSION);
      // Later migrations add columns (0007: what started each run, 'manual' for every old run).
      expect(s.db.prepare('SELECT * FROM runs ORDER BY id').all()).toEqual((before.runs as object[]).map((r) => ({ ...r, trigger: 'manual', trigger_firing: null })));
      expect(s.db.prepare('SELECT * FROM node_executions ORDER BY id').all()).toEqual(before.executions);
      expect(s.db.prepare('SELECT * FROM metrics ORDER BY rowid').all()).toEqual(before.metrics);
      expect(s.db.prepare('SELECT * FROM logs ORDER BY id').all()).toEqual(before.logs);
      expect(s.db.prepare('SELECT * FROM execution_outputs').all()).toEqual(before.outputs);
      expect(s.artifactJson(hash)).toEqual({ scalars: { accuracy: 0.9 } });

      const got = s.getRun(runId);
      expect(got?.summary.nodes.sweep).toMatchObject({ status: 'succeeded', metrics: { accuracy: 0.9 } });
      expect(got?.trials).toEqual({});
      expect(s.findReusableExecution('k1')?.executionId).toBe(execId);

      // The old execution can get children now; metrics that are not finite are kept as absent.
      const trial = (t: Extract<StoreEvent, { type: 'trial' }>['trial']): StoreEvent => ({ type: 'trial', runId, nodeId: 'sweep', trial: t });
      s.append([trial({ index: 2, params: { lr: 0.1 }, metrics: { accuracy: 0.7, logLoss: Number.NaN }, status: 'succeeded', durationMs: 5 })]);
      s.append([trial({ index: 1, params: { lr: 0.01 }, metrics: {}, status: 'failed', error: 'diverged', durationMs: 3 })]);
      s.append([trial({ index: 1, params: { lr: 0.01 }, metrics: { accuracy: 0.9 }, status: 'succeeded', durationMs: 4 })]);
      expect(s.listTrials(execId)).toEqual([
        { index: 1, params: { lr: 0.01 }, metrics: { accuracy: 0.9 }, status: 'succeeded', durationMs: 4 },
        { index: 2, params: { lr: 0.1 }, metrics: { accuracy: 0.7 }, status: 'succeeded', durationMs: 5 },
      ]);
      expect(s.getRun(runId)?.trials).toEqual({ sweep: s.listTrials(execId) });
      // Children never show up where executions are listed.
      expect(Object.keys(s.getRun(runId)?.summary.nodes ?? {})).toEqual(['load', 'sweep']);
      expect(s.getExecutions(runId)).toHaveLength(2);
      expect(s.integrityCheck()).toEqual(['ok']);
      expect(s.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      s.close();
    }
    // Opening again runs nothing more.
    const again = openProject(file);
    expect(again.schemaVersion()).toBe(LATEST_VERSION);
    expect(again.listTrials(execId)).toHaveLength(2);
    again.close();
  });

  it('a trial must belong to an execution', () => {
    const s = openProject(join(dir, 'fk.pwproj'), { create: true });
    try {
      const run = s.createRun({ pipeline: 'p' });
      const trial = { index: 1, params: {}, metrics: {}, status: 'succeeded', durationMs: 0 } as const;
      expect(() => s.append([{ type: 'trial', runId: run.id, nodeId: 'none', trial }])).toThrow(/node none in run \d+: the node's execution was never recorded/);
      expect(s.db.prepare('SELECT count(*) AS n FROM trial_executions').get()).toEqual({ n: 0 });
    } finally {
      s.close();
    }
  });
});
