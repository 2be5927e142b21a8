/**
 * Runs the triggers of pipeline files (contract section 8): `pipewright watch` and the desktop
 * app. Each pass looks at every trigger, writes what fired to the durable queue (queue.ts) —
 * schedules due since their last firing (or the file's modification), new or changed files,
 * runs of the project whose metric crossed a bound — then takes due firings one at a time
 * under a lease and runs their pipelines, each run recording what started it.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Cron } from 'croner';
import { createChecker } from '../../nodes/checker';
import { registry as coreRegistry } from '../../nodes/registry';
import { formatIssue, loadPipeline, triggerKind, type Issue, type Pipeline, type Trigger } from '../../shared/pipeline';
import type { RunEvent } from '../../shared/run';
import { startRun, type StartedRun } from '../engine/engine';
import { planPipeline } from '../engine/planner';
import type { WorkerPool } from '../engine/pool';
import type { ServerRegistry } from '../serving/deploy';
import type { ProjectStore } from '../store/project-store';
import { claimNext, enqueue, linkRun, loadState, ownerId, pausedKeys, renewLease, saveState, settle, triggersPaused, type Firing, type NewFiring } from './queue';

export interface WatchedTrigger {
  /** stable identity: the file, the trigger's kind and its spec (editing the spec makes a new one) */
  key: string;
  file: string;
  index: number;
  trigger: Trigger;
  kind: Firing['kind'];
  pipelineName: string;
  /** the pipeline file a firing runs */
  runs: string;
}

export class TriggerFileError extends Error {
  constructor(readonly file: string, readonly issues: Issue[]) {
    super(issues.map((i) => formatIssue(i, file)).join('\n'));
    this.name = 'TriggerFileError';
  }
}

/** The triggers of a pipeline file, validated (an invalid file throws TriggerFileError). */
export function loadTriggers(file: string): WatchedTrigger[] {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new TriggerFileError(abs, [{ place: 'file', message: (e as Error).message }]);
  }
  const loaded = loadPipeline(text, createChecker(coreRegistry), { fileName: basename(abs) });
  if (!loaded.pipeline) throw new TriggerFileError(abs, loaded.errors);
  const p: Pipeline = loaded.pipeline;
  return (p.triggers ?? []).map((trigger, index) => {
    const kind = triggerKind(trigger) as Firing['kind'];
    const spec = kind === 'schedule' ? trigger.schedule : kind === 'files' ? trigger.files : JSON.stringify(trigger.metric);
    return {
      key: `${abs}#${kind}:${spec}${trigger.pipeline ? ` -> ${trigger.pipeline}` : ''}`,
      file: abs,
      index,
      trigger,
      kind,
      pipelineName: p.metadata.name,
      runs: trigger.pipeline ? resolve(dirname(abs), trigger.pipeline) : abs,
    };
  });
}

function firing(t: WatchedTrigger, dedupe: string, detail: Record<string, unknown>): NewFiring {
  return { triggerKey: t.key, kind: t.kind, sourceFile: t.file, pipelineFile: t.runs, detail, dedupe };
}

/** The next time a schedule fires after the later of its last firing and the file's modification. */
export function nextScheduled(store: ProjectStore, t: WatchedTrigger): Date | null {
  const last = loadState<{ last: number }>(store, t.key).state?.last ?? 0;
  let mtime = 0;
  try {
    mtime = statSync(t.file).mtimeMs;
  } catch {
    // a file that went away keeps its last firing as the base
  }
  return new Cron(t.trigger.schedule as string, { paused: true }).nextRun(new Date(Math.max(last, mtime)));
}

/** Writes what each trigger fired since it was last looked at; returns the keys that fired. */
export function evaluateTriggers(store: ProjectStore, triggers: WatchedTrigger[], now = Date.now()): string[] {
  // Paused as a whole: nothing fires, and no trigger's state moves (a schedule's missed slots fire once on resume).
  if (triggersPaused(store)) return [];
  const paused = pausedKeys(store);
  const fired: string[] = [];
  for (const t of triggers) {
    if (paused.has(t.key)) continue;
    if (t.kind === 'schedule') {
      const next = nextScheduled(store, t);
      // Missed slots fire once: the state moves to now, past all of them.
      if (next && next.getTime() <= now && enqueue(store, firing(t, `schedule:${t.key}:${next.getTime()}`, { scheduledFor: next.toISOString() }), { last: now })) fired.push(t.key);
    } else if (t.kind === 'files') {
      const seen = loadState<{ seen: Record<string, string> }>(store, t.key).state?.seen ?? {};
      const current = matchingFiles(dirname(t.file), t.trigger.files as string);
      const changed = Object.keys(current).filter((f) => seen[f] !== current[f]).sort();
      if (changed.length) {
        const digest = createHash('sha256').update(changed.map((f) => `${f}\0${current[f]}`).join('\n')).digest('hex');
        if (enqueue(store, firing(t, `files:${t.key}:${digest}`, { files: changed.slice(0, 100), count: changed.length }), { seen: current })) fired.push(t.key);
      } else if (Object.keys(seen).length !== Object.keys(current).length) {
        saveState(store, t.key, { seen: current });
      }
    } else if (evaluateMetric(store, t)) fired.push(t.key);
  }
  return fired;
}

/** Finished runs of the pipeline since the last look whose node metric crossed the bound. */
function evaluateMetric(store: ProjectStore, t: WatchedTrigger): boolean {
  const m = t.trigger.metric!;
  const state = loadState<{ lastRun: number }>(store, t.key).state;
  const runs = store.db
    .prepare('SELECT r.id, r.status FROM runs r JOIN pipelines p ON p.id = r.pipeline_id WHERE p.name = ? AND r.id > ? ORDER BY r.id')
    .all(t.pipelineName, state?.lastRun ?? 0) as { id: number; status: string }[];
  if (!state) {
    // First look: what ran before anyone watched is history, not a firing.
    saveState(store, t.key, { lastRun: runs.length ? runs[runs.length - 1].id : 0 });
    return false;
  }
  let lastRun = state.lastRun;
  let fired = false;
  const value = store.db.prepare(
    `SELECT m.value FROM metrics m JOIN node_executions e ON e.id = m.execution_id
     WHERE e.run_id = ? AND e.node_id = ? AND m.key = ? AND m.step IS NULL ORDER BY m.rowid DESC LIMIT 1`,
  );
  for (const r of runs) {
    if (r.status === 'running') break;
    lastRun = r.id;
    const v = (value.get(r.id, m.node, m.name) as { value: number | null } | undefined)?.value;
    const crossed = typeof v === 'number' && (m.above !== undefined ? v > m.above : v < (m.below as number));
    if (crossed && enqueue(store, firing(t, `metric:${t.key}:${r.id}`, { run: r.id, node: m.node, name: m.name, value: v }), { lastRun })) fired = true;
  }
  if (lastRun !== state.lastRun) saveState(store, t.key, { lastRun });
  return fired;
}

const GLOB_CHARS = /[*?[]/;

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const MAX_FILES = 100_000;

/**
 * Regular files under `dir` matching the glob (relative, `/`-separated; `**` any depth), each
 * with a signature of size and modification time. Symbolic links are not followed, so a link
 * cannot lead the walk outside the folder.
 */
export function matchingFiles(dir: string, glob: string): Record<string, string> {
  const norm = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  const parts = norm.split('/');
  const fixed: string[] = [];
  for (const p of parts) {
    if (GLOB_CHARS.test(p)) break;
    fixed.push(p);
  }
  const re = globRegex(norm);
  const out: Record<string, string> = {};
  const root = resolve(dir);
  let count = 0;
  const walk = (abs: string, depth: number): void => {
    if (depth > 32 || count > MAX_FILES) return;
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return;
    }
    const rel = relative(root, abs).split(sep).join('/');
    if (st.isFile()) {
      count++;
      if (re.test(rel)) out[rel] = `${st.size}:${st.mtimeMs}`;
    } else if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(abs);
      } catch {
        return;
      }
      for (const n of names.sort()) walk(join(abs, n), depth + 1);
    }
  };
  const start = resolve(root, ...fixed.slice(0, fixed.length === parts.length ? -1 : undefined));
  if (start === root || start.startsWith(root + sep)) walk(start, 0);
  return out;
}

/** What a watcher says while the project's triggers are paused (queue.ts `triggersPaused`). */
export const PAUSED_NOTE = "the project's triggers are paused (the switch on the editor's Triggers page)";

export interface WatchOptions {
  store: ProjectStore;
  files: string[];
  owner?: string;
  leaseMs?: number;
  backoffMs?: number;
  pollMs?: number;
  /** stderr lines */
  log?: (line: string) => void;
  onEvent?: (e: RunEvent) => void;
  /** a firing's run has begun (the app keeps it, so its Cancel reaches the run) */
  onStarted?: (run: StartedRun) => void;
  signal?: AbortSignal;
  /** the app's shared worker pool and model servers (the CLI's runs make their own) */
  pool?: WorkerPool;
  servers?: ServerRegistry;
}

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export interface FiringResult {
  firing: Firing;
  status: string;
  runId: number | null;
}

/** A watcher over some pipeline files: evaluate, then run due firings one at a time. */
export class Watcher {
  readonly owner: string;
  readonly leaseMs: number;
  readonly backoffMs: number;
  readonly pollMs: number;
  triggers: WatchedTrigger[] = [];
  private readonly files: string[];

  constructor(private readonly opts: WatchOptions) {
    this.owner = opts.owner ?? ownerId();
    this.leaseMs = opts.leaseMs ?? envMs('PIPEWRIGHT_WATCH_LEASE_MS', 60_000);
    this.backoffMs = opts.backoffMs ?? envMs('PIPEWRIGHT_WATCH_BACKOFF_MS', 5_000);
    this.pollMs = opts.pollMs ?? envMs('PIPEWRIGHT_WATCH_POLL_MS', 1_000);
    this.files = opts.files.map((f) => resolve(f));
  }

  /** (Re)reads the files' triggers; throws TriggerFileError for an invalid file. */
  load(): WatchedTrigger[] {
    this.triggers = this.files.flatMap((f) => loadTriggers(f));
    return this.triggers;
  }

  evaluate(only?: (t: WatchedTrigger) => boolean): string[] {
    return evaluateTriggers(this.opts.store, only ? this.triggers.filter(only) : this.triggers);
  }

  /** Takes and runs due firings of these files until none is due; returns what each ended as. */
  async drain(): Promise<FiringResult[]> {
    const results: FiringResult[] = [];
    for (;;) {
      if (this.opts.signal?.aborted) return results;
      const f = claimNext(this.opts.store, { owner: this.owner, leaseMs: this.leaseMs, backoffMs: this.backoffMs, sources: this.files });
      if (!f) return results;
      results.push(await this.runFiring(f));
    }
  }

  /** Runs one leased firing's pipeline; the firing is settled with the run's status. */
  async runFiring(f: Firing): Promise<FiringResult> {
    const { store } = this.opts;
    const log = this.opts.log ?? (() => {});
    const describe = `${f.kind} trigger of ${basename(f.sourceFile)} (firing ${f.id}, attempt ${f.attempts})`;
    let text: string;
    let pipeline: Pipeline;
    try {
      text = readFileSync(f.pipelineFile, 'utf8');
      const loaded = loadPipeline(text, createChecker(coreRegistry), { fileName: basename(f.pipelineFile) });
      if (!loaded.pipeline) throw new TriggerFileError(f.pipelineFile, loaded.errors);
      pipeline = loaded.pipeline;
    } catch (e) {
      settle(store, f.id, this.owner, 'invalid', (e as Error).message);
      log(`${describe}: ${f.pipelineFile} cannot run: ${(e as Error).message}`);
      return { firing: f, status: 'invalid', runId: null };
    }
    let runId: number | null = null;
    const renew = setInterval(() => {
      try {
        if (!renewLease(store, f.id, this.owner, this.leaseMs)) log(`${describe}: lease lost`);
      } catch (e) {
        log(`${describe}: could not renew the lease: ${(e as Error).message}`);
      }
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      const plan = await planPipeline(pipeline, { text });
      log(`${describe}: running ${basename(f.pipelineFile)}`);
      const started = await startRun({
        store,
        plan,
        baseDir: dirname(f.pipelineFile),
        signal: this.opts.signal,
        onEvent: this.opts.onEvent,
        pool: this.opts.pool,
        servers: this.opts.servers,
        onRunCreated: (id) => {
          runId = id;
          linkRun(store, f, id);
        },
      });
      this.opts.onStarted?.(started);
      const summary = await started.done;
      settle(store, f.id, this.owner, summary.run.status);
      log(`${describe}: run ${summary.run.id} ${summary.run.status}`);
      return { firing: f, status: summary.run.status, runId };
    } catch (e) {
      settle(store, f.id, this.owner, 'failed', (e as Error).message);
      log(`${describe}: ${(e as Error).message}`);
      return { firing: f, status: 'failed', runId };
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * `--once`: fires each due trigger at most once (a metric trigger also after the runs this
   * call made), runs every due firing, and returns their results.
   */
  async once(): Promise<FiringResult[]> {
    const done = new Set<string>();
    const results: FiringResult[] = [];
    for (;;) {
      for (const k of this.evaluate((t) => !done.has(t.key))) done.add(k);
      const ran = await this.drain();
      results.push(...ran);
      if (ran.length === 0) return results;
    }
  }

  /** Watches until the signal aborts. */
  async watch(): Promise<void> {
    const signal = this.opts.signal;
    const log = this.opts.log ?? (() => {});
    let wasPaused = false;
    while (!signal?.aborted) {
      try {
        this.load();
      } catch (e) {
        log(`keeping the triggers read before: ${(e as Error).message}`);
      }
      const paused = triggersPaused(this.opts.store);
      if (paused !== wasPaused) log(paused ? `${PAUSED_NOTE}; waiting until they are resumed` : "the project's triggers were resumed");
      wasPaused = paused;
      this.evaluate();
      await this.drain();
      await new Promise<void>((res) => {
        const done = (): void => {
          clearTimeout(t);
          signal?.removeEventListener('abort', done);
          res();
        };
        const t = setTimeout(done, this.pollMs);
        // removed again on every pass: a watcher that runs for days adds no listener per pass
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
