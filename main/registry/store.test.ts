import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openProject, type ProjectStore } from '../store';
import { applyGc } from '../store/history';
import {
  approve,
  deleteAlias,
  listModels,
  parseModelRef,
  registerVersion,
  registryGeneration,
  resolveModelRef,
  RegistryError,
  setAlias,
  setTraffic,
  showModel,
  type RegisterRequest,
} from './store';

let dir: string;
let store: ProjectStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-registry-'));
  store = openProject(join(dir, 'p.pwproj'), { create: true });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(modelHash: string, extra: Partial<RegisterRequest> = {}): RegisterRequest {
  const bundleHash = store.putArtifactBytes(Buffer.from(JSON.stringify({ format: 'pipewright-served-model', m: modelHash })), 'model');
  return {
    name: 'cancer',
    modelHash,
    bundleHash,
    run: 1,
    node: 'register',
    pipeline: 'breast-cancer',
    pipelineVersion: 'abc',
    dataHashes: { 'load.table': 'd1' },
    metrics: { accuracy: 0.97, logLoss: Number.NaN },
    inputs: [{ name: 'radius', type: 'DOUBLE', nullable: false }],
    task: 'classification',
    classes: ['B', 'M'],
    ...extra,
  };
}

const err = (fn: () => unknown): RegistryError => {
  try {
    fn();
  } catch (e) {
    return e as RegistryError;
  }
  throw new Error('did not throw');
};

describe('model registry', () => {
  it('numbers versions, is idempotent by model hash, resolves NAME, NAME@ALIAS and NAME:VERSION', () => {
    const g0 = registryGeneration(store);
    const r1 = registerVersion(store, request('m1', { alias: 'champion' }), { via: 'run 1', by: 'ana' });
    expect(r1).toEqual({ version: 1, created: true, aliasMoved: { alias: 'champion', from: null } });
    expect(registryGeneration(store)).toBeGreaterThan(g0);
    expect(registerVersion(store, request('m1'), { via: 'run 2' })).toEqual({ version: 1, created: false });
    const r2 = registerVersion(store, request('m2'), { via: 'run 3' });
    expect(r2).toEqual({ version: 2, created: true });
    // NAME follows champion, not the latest version
    expect(resolveModelRef(store, 'cancer')).toMatchObject({ version: 1, alias: 'champion', pinned: false });
    expect(resolveModelRef(store, 'cancer:2')).toMatchObject({ version: 2, alias: null, pinned: true });
    expect(resolveModelRef(store, 'cancer@champion').version).toBe(1);
    const shown = showModel(store, 'cancer');
    expect(shown.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(shown.versions[1]).toMatchObject({ run: 1, node: 'register', metrics: { accuracy: 0.97 }, task: 'classification', classes: ['B', 'M'], aliases: ['champion'] });
    expect(shown.versions[1].metrics).not.toHaveProperty('logLoss');
    expect(shown.audit).toEqual([{ at: expect.any(String), alias: 'champion', from: null, to: 1, by: 'ana', via: 'run 1', reason: null }]);
    expect(listModels(store)).toMatchObject([{ name: 'cancer', versions: 2, latest: 2, aliases: { champion: 1 } }]);
  });

  it('a bare NAME without champion is its latest version; unknown names, versions and aliases are named', () => {
    registerVersion(store, request('m1'), { via: 'run 1' });
    registerVersion(store, request('m2'), { via: 'run 2' });
    expect(resolveModelRef(store, 'cancer')).toMatchObject({ version: 2, alias: null });
    expect(err(() => resolveModelRef(store, 'nope')).message).toMatch(/no registered model "nope" \(registered: cancer\)/);
    expect(err(() => resolveModelRef(store, 'cancer:7')).message).toMatch(/model "cancer" has no version 7 \(versions 1 to 2\)/);
    const e = err(() => resolveModelRef(store, 'cancer@staging'));
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/no alias "staging"/);
    for (const bad of ['Cancer', 'show', 'a@B', 'a:0', 'a:x', 'a@b:1', '']) expect(err(() => parseModelRef(bad)).code).toBe('invalid');
  });

  it('alias moves, deletes and approvals are in the audit trail; approval: required waits', () => {
    registerVersion(store, request('m1', { alias: 'champion' }), { via: 'run 1', by: 'ana' });
    const r2 = registerVersion(store, request('m2', { alias: 'champion', approval: 'required' }), { via: 'run 2', by: 'ana' });
    expect(r2.pending).toMatchObject({ alias: 'champion', version: 2, from: 1, via: 'run 2' });
    expect(resolveModelRef(store, 'cancer').version).toBe(1);
    expect(showModel(store, 'cancer').pending).toHaveLength(1);
    expect(err(() => approve(store, 'cancer', 1, { via: 'cli' })).message).toMatch(/version 1 has no pending alias move \(pending: champion → 2\)/);
    expect(approve(store, 'cancer', 2, { via: 'pipewright models approve', by: 'bob', reason: 'AUC up' })).toEqual([{ alias: 'champion', from: 1, to: 2 }]);
    expect(resolveModelRef(store, 'cancer').version).toBe(2);
    expect(showModel(store, 'cancer').pending).toEqual([]);
    setAlias(store, 'cancer', 'champion', 1, { via: 'pipewright models alias', by: 'bob', reason: 'rollback: drift' });
    setAlias(store, 'cancer', 'challenger', 2, { via: 'editor', by: 'bob' });
    deleteAlias(store, 'cancer', 'challenger', { via: 'pipewright models alias', by: 'bob', reason: 'done' });
    const audit = showModel(store, 'cancer').audit;
    expect(audit.map((a) => [a.alias, a.from, a.to, a.by, a.via, a.reason])).toEqual([
      ['challenger', 2, null, 'bob', 'pipewright models alias', 'done'],
      ['challenger', null, 2, 'bob', 'editor', null],
      ['champion', 2, 1, 'bob', 'pipewright models alias', 'rollback: drift'],
      ['champion', 1, 2, 'bob', 'pipewright models approve (approved)', 'AUC up'],
      ['champion', null, 1, 'ana', 'run 1', null],
    ]);
    expect(err(() => setAlias(store, 'cancer', 'champion', 9, { via: 'x' })).message).toMatch(/no version 9/);
    // The failed move left nothing behind.
    expect(showModel(store, 'cancer').audit).toHaveLength(5);
    expect(err(() => deleteAlias(store, 'cancer', 'challenger', { via: 'x' })).code).toBe('not_found');
  });

  it('traffic splits must name existing aliases and add up to 100; one alias at 100 ends the split', () => {
    registerVersion(store, request('m1', { alias: 'champion' }), { via: 'run 1' });
    registerVersion(store, request('m2', { alias: 'challenger' }), { via: 'run 2' });
    expect(setTraffic(store, 'cancer', { champion: 90, challenger: 10 }, 'challenger', { via: 'cli' })).toEqual({ traffic: { champion: 90, challenger: 10 }, shadow: 'challenger' });
    expect(err(() => setTraffic(store, 'cancer', { champion: 90, challenger: 20 }, undefined, { via: 'cli' })).message).toMatch(/add up to 110/);
    expect(err(() => setTraffic(store, 'cancer', { champion: 90, canary: 10 }, undefined, { via: 'cli' })).message).toMatch(/no alias "canary"/);
    expect(showModel(store, 'cancer')).toMatchObject({ traffic: { champion: 90, challenger: 10 }, shadow: 'challenger' });
    expect(setTraffic(store, 'cancer', { champion: 100 }, null, { via: 'cli' })).toEqual({ traffic: null, shadow: null });
    setTraffic(store, 'cancer', { champion: 50, challenger: 50 }, undefined, { via: 'cli' });
    deleteAlias(store, 'cancer', 'challenger', { via: 'cli' });
    expect(showModel(store, 'cancer').traffic).toBeNull();
  });

  it('gc keeps the model files of registered versions', () => {
    const req = request('m1');
    registerVersion(store, req, { via: 'run 1' });
    const orphan = store.putArtifactBytes(Buffer.from('{"x":1}'), 'model');
    applyGc(store);
    expect(store.hasArtifact(req.bundleHash)).toBe(true);
    expect(store.hasArtifact(orphan)).toBe(false);
  });
});
