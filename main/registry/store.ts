/**
 * The model registry's SQL (contract section 5), on a ProjectStore's database. Tables are made by
 * migration 0004. Every write runs in one `store.transaction` and bumps
 * `registry_state.generation`, the one row a server polls (`registryGeneration`) to learn that
 * a version, an alias, a traffic split or a shadow changed.
 */
import { userInfo } from 'node:os';
import type { ProjectStore } from '../store/project-store';
import type { ServingInput, ServingTask } from '../serving/types';
import type { ModelDetails, ModelSummary, PendingMove, VersionInfo, VersionSource } from '../../shared/registry';

export const MODEL_NAME = /^[a-z0-9][a-z0-9-]*$/;
export const ALIAS_NAME = /^[a-z][a-z0-9-]*$/;
/** words of the `models` command: never model names */
export const RESERVED_NAMES = new Set(['show', 'alias', 'approve', 'traffic', 'export', 'register']);

/** A registry request that cannot be carried out: `notFound` names what is missing (exit 2, HTTP 404). */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'invalid',
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ModelRef {
  name: string;
  alias?: string;
  version?: number;
}

/** `NAME`, `NAME@ALIAS` or `NAME:VERSION` (section 2b). */
export function parseModelRef(ref: string): ModelRef {
  const m = /^([^@:]+)(?:@([^@:]+)|:([^@:]+))?$/.exec(ref);
  if (!m) throw new RegistryError(`model reference "${ref}": write NAME, NAME@ALIAS or NAME:VERSION`, 'invalid');
  const [, name, alias, version] = m;
  checkModelName(name);
  if (alias !== undefined) {
    checkAlias(alias);
    return { name, alias };
  }
  if (version !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(version)) throw new RegistryError(`model reference "${ref}": version "${version}" is not a version number (1, 2, …)`, 'invalid');
    return { name, version: Number(version) };
  }
  return { name };
}

export function checkModelName(name: string): void {
  if (!MODEL_NAME.test(name) || name.length > 100) throw new RegistryError(`model name "${name}": use lower-case letters, digits and - (starting with a letter or digit)`, 'invalid');
  if (RESERVED_NAMES.has(name)) throw new RegistryError(`model name "${name}" is reserved (a word of the models command)`, 'invalid');
}

export function checkAlias(alias: string): void {
  if (!ALIAS_NAME.test(alias) || alias.length > 100) throw new RegistryError(`alias "${alias}": use lower-case letters, digits and - (starting with a letter)`, 'invalid');
}

/** Who did it: the OS user, as the audit trail records it. */
export function osUser(): string {
  try {
    return userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

export type { AuditEntry, ModelDetails, ModelSummary, PendingMove, VersionInfo, VersionSource } from '../../shared/registry';

/** Who and what changes the registry (audit fields). */
export interface Actor {
  /** the run or command that did it: `run 12`, `pipewright models alias`, `editor` */
  via: string;
  /** OS user (default: this process's) */
  by?: string;
  reason?: string | null;
}

interface ModelRow {
  id: number;
  name: string;
  created_at: string;
  traffic: string | null;
  shadow_alias: string | null;
}

interface VersionRow {
  id: number;
  version: number;
  model_hash: string;
  bundle_hash: string;
  run_id: number | null;
  node_id: string | null;
  pipeline: string | null;
  pipeline_version_hash: string | null;
  data_hashes: string;
  metrics: string;
  inputs: string;
  task: ServingTask;
  classes: string | null;
  created_at: string;
}

const now = (): string => new Date().toISOString();

function bump(store: ProjectStore): void {
  store.db.prepare('UPDATE registry_state SET generation = generation + 1 WHERE id = 1').run();
}

/** Goes up on every registry write: a server compares it to the last value it saw (one indexed row). */
export function registryGeneration(store: ProjectStore): number {
  if (!hasRegistry(store)) return 0;
  const row = store.db.prepare('SELECT generation FROM registry_state WHERE id = 1').get() as { generation: number } | undefined;
  return row?.generation ?? 0;
}

/** False for a project file opened read-only before migration 0004 ran on it: an empty registry. */
function hasRegistry(store: ProjectStore): boolean {
  return store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registered_models'").get() !== undefined;
}

function modelRow(store: ProjectStore, name: string): ModelRow | null {
  if (!hasRegistry(store)) return null;
  return (store.db.prepare('SELECT id, name, created_at, traffic, shadow_alias FROM registered_models WHERE name = ?').get(name) as ModelRow | undefined) ?? null;
}

function requireModel(store: ProjectStore, name: string): ModelRow {
  const m = modelRow(store, name);
  if (!m) {
    const names = listModelNames(store);
    throw new RegistryError(`no registered model "${name}"${names.length ? ` (registered: ${names.join(', ')})` : ' (the registry is empty)'}`, 'not_found');
  }
  return m;
}

function versionRow(store: ProjectStore, modelId: number, version: number): VersionRow | null {
  return (store.db.prepare('SELECT * FROM model_versions WHERE model_id = ? AND version = ?').get(modelId, version) as VersionRow | undefined) ?? null;
}

function requireVersion(store: ProjectStore, m: ModelRow, version: number): VersionRow {
  const v = versionRow(store, m.id, version);
  if (!v) {
    const latest = (store.db.prepare('SELECT max(version) AS v FROM model_versions WHERE model_id = ?').get(m.id) as { v: number | null }).v;
    throw new RegistryError(`model "${m.name}" has no version ${version}${latest ? ` (versions 1 to ${latest})` : ''}`, 'not_found');
  }
  return v;
}

function aliasesOf(store: ProjectStore, modelId: number): Record<string, number> {
  const rows = store.db
    .prepare('SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias')
    .all(modelId) as { alias: string; version: number }[];
  return Object.fromEntries(rows.map((r) => [r.alias, r.version]));
}

export function listModelNames(store: ProjectStore): string[] {
  if (!hasRegistry(store)) return [];
  return (store.db.prepare('SELECT name FROM registered_models ORDER BY name').all() as { name: string }[]).map((r) => r.name);
}

/** Where a version came from (contract section 5); the model file carries it too. */
export interface Provenance {
  run: number | null;
  node: string | null;
  pipeline: string | null;
  pipelineVersion: string | null;
  dataHashes: Record<string, string>;
  metrics: Record<string, number>;
}

export interface RegisterRequest extends Provenance {
  name: string;
  /** hash of the trainer's model artifact (the idempotency key) */
  modelHash: string;
  /** hash of the stored servable model file (an artifact already in the store) */
  bundleHash: string;
  inputs: ServingInput[];
  task: ServingTask;
  classes?: (string | number | boolean)[];
  /** an alias to point at the version (moved at once, or left pending with `approval`) */
  alias?: string;
  approval?: 'none' | 'required';
  /** registered from a file (`models register`), not produced by a run here */
  source?: VersionSource;
}

export interface RegisterResult {
  version: number;
  /** false: the same model artifact was registered under this name already */
  created: boolean;
  /** the alias moved to this version now */
  aliasMoved?: { alias: string; from: number | null };
  /** the alias move that waits for `models approve` */
  pending?: PendingMove;
}

/** Adds a version (or finds the one with the same model artifact), then sets or requests its alias. */
export function registerVersion(store: ProjectStore, req: RegisterRequest, actor: Actor): RegisterResult {
  checkModelName(req.name);
  if (req.alias !== undefined) checkAlias(req.alias);
  return store.transaction(() => {
    const db = store.db;
    let m = modelRow(store, req.name);
    if (!m) {
      db.prepare('INSERT INTO registered_models (name, created_at) VALUES (?, ?)').run(req.name, now());
      m = modelRow(store, req.name)!;
    }
    const existing = db.prepare('SELECT * FROM model_versions WHERE model_id = ? AND model_hash = ?').get(m.id, req.modelHash) as VersionRow | undefined;
    let version: number;
    let created = false;
    if (existing) version = existing.version;
    else {
      version = ((db.prepare('SELECT max(version) AS v FROM model_versions WHERE model_id = ?').get(m.id) as { v: number | null }).v ?? 0) + 1;
      db.prepare(
        `INSERT INTO model_versions (model_id, version, model_hash, bundle_hash, run_id, node_id, pipeline, pipeline_version_hash, data_hashes, metrics, inputs, task, classes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        m.id,
        version,
        req.modelHash,
        req.bundleHash,
        req.run,
        req.node,
        req.pipeline,
        req.pipelineVersion,
        JSON.stringify(req.dataHashes),
        JSON.stringify(finiteOnly(req.metrics)),
        JSON.stringify(req.inputs),
        req.task,
        req.classes ? JSON.stringify(req.classes) : null,
        now(),
      );
      created = true;
      if (req.source) db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(sourceKey(req.name, version), JSON.stringify(req.source));
    }
    const result: RegisterResult = { version, created };
    if (req.alias !== undefined) {
      const current = aliasesOf(store, m.id)[req.alias] ?? null;
      if (current !== version) {
        if (req.approval === 'required') result.pending = requestMove(store, m, req.alias, version, actor);
        else {
          moveAlias(store, m, req.alias, version, actor);
          result.aliasMoved = { alias: req.alias, from: current };
        }
      }
    }
    bump(store);
    return result;
  });
}

/**
 * Where a version registered from a file came from: a `project_meta` row per version
 * (`registry.source:NAME:VERSION`), so no migration: an older Pipewright still opens the file.
 */
const SOURCE_PREFIX = 'registry.source:';
const sourceKey = (name: string, version: number): string => `${SOURCE_PREFIX}${name}:${version}`;

/** The sources of a model's versions registered from files, by version (the rows are input: unreadable ones are skipped). */
function sourcesOf(store: ProjectStore, name: string): Map<number, VersionSource> {
  const prefix = `${SOURCE_PREFIX}${name}:`;
  const rows = store.db.prepare('SELECT key, value FROM project_meta WHERE substr(key, 1, ?) = ? LIMIT 100000').all(prefix.length, prefix) as { key: string; value: string }[];
  const out = new Map<number, VersionSource>();
  for (const r of rows) {
    const version = Number(r.key.slice(prefix.length));
    try {
      const v = JSON.parse(r.value) as Partial<VersionSource>;
      if (Number.isSafeInteger(version) && v.kind === 'file' && typeof v.path === 'string' && typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256)) out.set(version, { kind: 'file', path: v.path, sha256: v.sha256 });
    } catch {
      // not ours to read: skipped
    }
  }
  return out;
}

/** Where version `version` of `name` came from, when it was registered from a file. */
export function versionSource(store: ProjectStore, name: string, version: number): VersionSource | null {
  return sourcesOf(store, name).get(version) ?? null;
}

/** The version of `name` whose model artifact has this hash, with its model file's hash; null when none. */
export function modelHashVersion(store: ProjectStore, name: string, modelHash: string): { version: number; bundleHash: string } | null {
  const m = modelRow(store, name);
  if (!m) return null;
  const v = store.db.prepare('SELECT version, bundle_hash FROM model_versions WHERE model_id = ? AND model_hash = ?').get(m.id, modelHash) as { version: number; bundle_hash: string } | undefined;
  return v ? { version: v.version, bundleHash: v.bundle_hash } : null;
}

function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}

function requestMove(store: ProjectStore, m: ModelRow, alias: string, version: number, actor: Actor): PendingMove {
  const db = store.db;
  const v = requireVersion(store, m, version);
  const open = db.prepare("SELECT id FROM model_pending WHERE model_id = ? AND alias = ? AND version_id = ? AND status = 'pending'").get(m.id, alias, v.id) as { id: number } | undefined;
  if (!open) {
    db.prepare('INSERT INTO model_pending (model_id, alias, version_id, requested_at, requested_by, via) VALUES (?, ?, ?, ?, ?, ?)').run(m.id, alias, v.id, now(), actor.by ?? osUser(), actor.via);
  }
  return pendingOf(store, m.id).find((p) => p.alias === alias && p.version === version)!;
}

/** Points an alias at a version and records it; pending requests for the same alias to an older version are superseded. */
function moveAlias(store: ProjectStore, m: ModelRow, alias: string, version: number | null, actor: Actor): void {
  const db = store.db;
  const from = aliasesOf(store, m.id)[alias] ?? null;
  if (version === null) db.prepare('DELETE FROM model_aliases WHERE model_id = ? AND alias = ?').run(m.id, alias);
  else {
    const v = requireVersion(store, m, version);
    db.prepare('INSERT INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id').run(m.id, alias, v.id);
  }
  db.prepare('INSERT INTO model_audit (model_id, at, alias, from_version, to_version, by_user, via, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    m.id,
    now(),
    alias,
    from,
    version,
    actor.by ?? osUser(),
    actor.via,
    actor.reason ?? null,
  );
}

/** Sets or moves an alias (`models alias`, the editor's promote and rollback). */
export function setAlias(store: ProjectStore, name: string, alias: string, version: number, actor: Actor): { from: number | null; to: number } {
  checkAlias(alias);
  return store.transaction(() => {
    const m = requireModel(store, name);
    requireVersion(store, m, version);
    const from = aliasesOf(store, m.id)[alias] ?? null;
    moveAlias(store, m, alias, version, actor);
    bump(store);
    return { from, to: version };
  });
}

/** Removes an alias (`models alias NAME ALIAS --delete`); a traffic split or shadow naming it ends. */
export function deleteAlias(store: ProjectStore, name: string, alias: string, actor: Actor): { from: number } {
  checkAlias(alias);
  return store.transaction(() => {
    const m = requireModel(store, name);
    const from = aliasesOf(store, m.id)[alias];
    if (from === undefined) throw new RegistryError(`model "${name}" has no alias "${alias}"`, 'not_found');
    moveAlias(store, m, alias, null, actor);
    const traffic = m.traffic ? (JSON.parse(m.traffic) as Record<string, number>) : null;
    if (traffic && alias in traffic) store.db.prepare('UPDATE registered_models SET traffic = NULL WHERE id = ?').run(m.id);
    if (m.shadow_alias === alias) store.db.prepare('UPDATE registered_models SET shadow_alias = NULL WHERE id = ?').run(m.id);
    bump(store);
    return { from };
  });
}

/** Carries out the pending alias moves to `version` (`models approve`); the audit names the approver. */
export function approve(store: ProjectStore, name: string, version: number, actor: Actor): { alias: string; from: number | null; to: number }[] {
  return store.transaction(() => {
    const m = requireModel(store, name);
    const v = requireVersion(store, m, version);
    const open = store.db
      .prepare("SELECT id, alias FROM model_pending WHERE model_id = ? AND version_id = ? AND status = 'pending' ORDER BY id")
      .all(m.id, v.id) as { id: number; alias: string }[];
    if (open.length === 0) {
      const others = pendingOf(store, m.id).map((p) => `${p.alias} → ${p.version}`);
      throw new RegistryError(`model "${name}" version ${version} has no pending alias move${others.length ? ` (pending: ${others.join(', ')})` : ''}`, 'not_found');
    }
    const done: { alias: string; from: number | null; to: number }[] = [];
    const by = actor.by ?? osUser();
    for (const p of open) {
      const from = aliasesOf(store, m.id)[p.alias] ?? null;
      moveAlias(store, m, p.alias, version, { ...actor, by, via: `${actor.via} (approved)` });
      store.db.prepare("UPDATE model_pending SET status = 'approved', decided_at = ?, decided_by = ?, reason = ? WHERE id = ?").run(now(), by, actor.reason ?? null, p.id);
      // Another request for the same alias is moot now.
      store.db.prepare("UPDATE model_pending SET status = 'superseded', decided_at = ?, decided_by = ? WHERE model_id = ? AND alias = ? AND status = 'pending'").run(now(), by, m.id, p.alias);
      done.push({ alias: p.alias, from, to: version });
    }
    bump(store);
    return done;
  });
}

/**
 * Sets the traffic split of a model (aliases → whole percentages summing to 100; one alias at
 * 100 ends the split) and, when given, its shadow alias (null: none). Every alias must exist.
 */
export function setTraffic(store: ProjectStore, name: string, split: Record<string, number> | null, shadow: string | null | undefined, actor: Actor): { traffic: Record<string, number> | null; shadow: string | null } {
  return store.transaction(() => {
    const m = requireModel(store, name);
    const aliases = aliasesOf(store, m.id);
    const missing = (a: string): RegistryError =>
      new RegistryError(`model "${name}" has no alias "${a}"${Object.keys(aliases).length ? ` (aliases: ${Object.keys(aliases).join(', ')})` : ''}`, 'not_found');
    let traffic = m.traffic ? (JSON.parse(m.traffic) as Record<string, number>) : null;
    if (split) {
      let sum = 0;
      for (const [a, pct] of Object.entries(split)) {
        checkAlias(a);
        if (!(a in aliases)) throw missing(a);
        if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new RegistryError(`${a}=${pct}: a share is a whole percentage from 0 to 100`, 'invalid');
        sum += pct;
      }
      if (sum !== 100) throw new RegistryError(`the shares add up to ${sum}, not 100`, 'invalid');
      const live = Object.entries(split).filter(([, p]) => p > 0);
      traffic = live.length <= 1 ? null : Object.fromEntries(live);
    }
    let shadowAlias = m.shadow_alias;
    if (shadow !== undefined) {
      if (shadow !== null) {
        checkAlias(shadow);
        if (!(shadow in aliases)) throw missing(shadow);
      }
      shadowAlias = shadow;
    }
    store.db.prepare('UPDATE registered_models SET traffic = ?, shadow_alias = ? WHERE id = ?').run(traffic ? JSON.stringify(traffic) : null, shadowAlias, m.id);
    const desc = `traffic ${traffic ? Object.entries(traffic).map(([a, p]) => `${a}=${p}`).join(' ') : 'unsplit'}, shadow ${shadowAlias ?? 'none'}`;
    store.db.prepare('INSERT INTO model_audit (model_id, at, alias, from_version, to_version, by_user, via, reason) VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)').run(
      m.id,
      now(),
      '(traffic)',
      actor.by ?? osUser(),
      actor.via,
      actor.reason ? `${desc}: ${actor.reason}` : desc,
    );
    bump(store);
    return { traffic, shadow: shadowAlias };
  });
}

function pendingOf(store: ProjectStore, modelId: number): PendingMove[] {
  const rows = store.db
    .prepare(
      `SELECT p.id, p.alias, v.version, p.requested_at, p.requested_by, p.via, (SELECT cv.version FROM model_aliases a JOIN model_versions cv ON cv.id = a.version_id WHERE a.model_id = p.model_id AND a.alias = p.alias) AS cur
       FROM model_pending p JOIN model_versions v ON v.id = p.version_id WHERE p.model_id = ? AND p.status = 'pending' ORDER BY p.id`,
    )
    .all(modelId) as { id: number; alias: string; version: number; requested_at: string; requested_by: string; via: string; cur: number | null }[];
  return rows.map((r) => ({ id: r.id, alias: r.alias, version: r.version, from: r.cur, requestedAt: r.requested_at, requestedBy: r.requested_by, via: r.via }));
}

function versionInfo(r: VersionRow, aliases: Record<string, number>, source?: VersionSource): VersionInfo {
  const v: VersionInfo = {
    version: r.version,
    run: r.run_id,
    node: r.node_id,
    pipeline: r.pipeline,
    pipelineVersion: r.pipeline_version_hash,
    createdAt: r.created_at,
    modelHash: r.model_hash,
    bundleHash: r.bundle_hash,
    dataHashes: JSON.parse(r.data_hashes) as Record<string, string>,
    metrics: JSON.parse(r.metrics) as Record<string, number>,
    inputs: JSON.parse(r.inputs) as ServingInput[],
    task: r.task,
    aliases: Object.entries(aliases)
      .filter(([, n]) => n === r.version)
      .map(([a]) => a),
  };
  if (r.classes) v.classes = JSON.parse(r.classes) as (string | number | boolean)[];
  if (source) v.source = source;
  return v;
}

/** Every registered model with its version count, latest version and aliases (`pipewright models`). */
export function listModels(store: ProjectStore): ModelSummary[] {
  if (!hasRegistry(store)) return [];
  const rows = store.db
    .prepare(
      `SELECT m.id, m.name, m.created_at, m.traffic, m.shadow_alias, count(v.id) AS n, coalesce(max(v.version), 0) AS latest,
              (SELECT count(*) FROM model_pending p WHERE p.model_id = m.id AND p.status = 'pending') AS pending
       FROM registered_models m LEFT JOIN model_versions v ON v.model_id = m.id GROUP BY m.id ORDER BY m.name`,
    )
    .all() as (ModelRow & { n: number; latest: number; pending: number })[];
  return rows.map((r) => ({
    name: r.name,
    versions: r.n,
    latest: r.latest,
    createdAt: r.created_at,
    aliases: aliasesOf(store, r.id),
    pending: r.pending,
    traffic: r.traffic ? (JSON.parse(r.traffic) as Record<string, number>) : null,
    shadow: r.shadow_alias,
  }));
}

/** One model: versions (newest first), aliases, audit trail (newest first) and pending moves (`models show`). */
export function showModel(store: ProjectStore, name: string): ModelDetails {
  const m = requireModel(store, name);
  const aliases = aliasesOf(store, m.id);
  const sources = sourcesOf(store, m.name);
  const versions = (store.db.prepare('SELECT * FROM model_versions WHERE model_id = ? ORDER BY version DESC').all(m.id) as VersionRow[]).map((r) => versionInfo(r, aliases, sources.get(r.version)));
  const audit = (
    store.db.prepare('SELECT at, alias, from_version, to_version, by_user, via, reason FROM model_audit WHERE model_id = ? ORDER BY id DESC').all(m.id) as {
      at: string;
      alias: string;
      from_version: number | null;
      to_version: number | null;
      by_user: string;
      via: string;
      reason: string | null;
    }[]
  ).map((a) => ({ at: a.at, alias: a.alias, from: a.from_version, to: a.to_version, by: a.by_user, via: a.via, reason: a.reason }));
  return {
    name: m.name,
    versions,
    aliases,
    audit,
    pending: pendingOf(store, m.id),
    traffic: m.traffic ? (JSON.parse(m.traffic) as Record<string, number>) : null,
    shadow: m.shadow_alias,
  };
}

export interface ResolvedRef {
  name: string;
  version: number;
  /** the alias followed (null for a pinned NAME:VERSION or a bare NAME with no champion) */
  alias: string | null;
  /** NAME:VERSION: does not follow aliases */
  pinned: boolean;
  bundleHash: string;
}

/**
 * Resolves a reference to a version now: `NAME` is its `champion` alias, else its latest
 * version; `NAME@ALIAS` the alias; `NAME:VERSION` that version. Unknown name, alias or version:
 * a RegistryError (not_found) naming it.
 */
export function resolveModelRef(store: ProjectStore, ref: string | ModelRef): ResolvedRef {
  const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
  const m = requireModel(store, r.name);
  if (r.version !== undefined) {
    const v = requireVersion(store, m, r.version);
    return { name: m.name, version: v.version, alias: null, pinned: true, bundleHash: v.bundle_hash };
  }
  const aliases = aliasesOf(store, m.id);
  if (r.alias !== undefined) {
    const n = aliases[r.alias];
    if (n === undefined) throw new RegistryError(`model "${m.name}" has no alias "${r.alias}"${Object.keys(aliases).length ? ` (aliases: ${Object.keys(aliases).join(', ')})` : ''}`, 'not_found');
    return { name: m.name, version: n, alias: r.alias, pinned: false, bundleHash: requireVersion(store, m, n).bundle_hash };
  }
  if (aliases.champion !== undefined) return { name: m.name, version: aliases.champion, alias: 'champion', pinned: false, bundleHash: requireVersion(store, m, aliases.champion).bundle_hash };
  const latest = store.db.prepare('SELECT version, bundle_hash FROM model_versions WHERE model_id = ? ORDER BY version DESC LIMIT 1').get(m.id) as { version: number; bundle_hash: string } | undefined;
  if (!latest) throw new RegistryError(`model "${m.name}" has no versions`, 'not_found');
  return { name: m.name, version: latest.version, alias: null, pinned: false, bundleHash: latest.bundle_hash };
}

/** The hash of a version's servable model file. */
export function versionBundleHash(store: ProjectStore, name: string, version: number): string {
  return requireVersion(store, requireModel(store, name), version).bundle_hash;
}
