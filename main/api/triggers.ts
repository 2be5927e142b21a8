/**
 * The app runs triggers while a project is open (contract section 8, issue 13): the watcher of
 * `pipewright watch`, in-process, over the project's pipeline files, for as long as a window
 * (an attached connection) has that project open. The firings go through the same durable
 * queue with its lease, so a headless `pipewright watch` on the same project and the app never
 * both complete one firing. The Triggers page's switch pauses the project's triggers in the
 * project file (queue.ts `triggersPaused`), for this app, a restarted one and `pipewright watch`
 * alike. Also the Triggers page's methods (triggers.*).
 *
 * The project's pipeline files: `*.pipeline.yaml` in the project's folder whose pipeline is in
 * the project (a saved version or a run) or whose default project (`x.pwproj` beside
 * `x.pipeline.yaml`) is this one, plus the file the app was launched with when it is.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RpcError, type Connection, type Handlers } from '../../shared/api/rpc';
import { parsePipelineText } from '../../shared/pipeline';
import type { FiringInfo, TriggerInfo, TriggersOverview } from '../../shared/triggers';
import type { StartedRun } from '../engine/engine';
import type { WorkerPool } from '../engine/pool';
import type { ServerRegistry } from '../serving/deploy';
import type { ProjectStore } from '../store';
import { listFirings, loadState, pausedKeys, setPaused, setTriggersPaused, triggersPaused } from '../watch/queue';
import { loadTriggers, nextScheduled, TriggerFileError, Watcher, type WatchedTrigger } from '../watch/watcher';
import { projectPathFor } from './workspace';

const PIPELINE_FILE = /\.pipeline\.ya?ml$/i;
/** files larger than this are no pipeline files (the editor refuses them too) */
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const DEFAULT_FIRINGS = 200;

export interface AppTriggersDeps {
  project(path: string): ProjectStore;
  pool(): WorkerPool;
  servers: ServerRegistry;
  /** a trigger's run has begun (in project file `project`): the app keeps it with the editor's runs, so Cancel reaches it */
  started(project: string, run: StartedRun): void;
  /** tells every window: a trigger fired, or one of its runs began or ended */
  changed(event: { project: string; runId: string | null }): void;
  /** the pipeline file the app was launched with */
  openPath?: string | null;
  pollMs?: number;
  log?: (line: string) => void;
}

interface FileEntry {
  signature: string;
  name: string | null;
  triggers: WatchedTrigger[];
  error: string | null;
}

/** One project's in-process watcher. */
class ProjectWatch {
  readonly holders = new Set<Connection>();
  private readonly files = new Map<string, FileEntry>();
  private watcher: Watcher | null = null;
  private watcherFiles = '';
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** aborted only when the app closes: a window switching projects lets a started run finish */
  private readonly abort = new AbortController();

  private readonly pollMs: number;

  constructor(readonly store: ProjectStore, private readonly deps: AppTriggersDeps) {
    const env = Number(process.env.PIPEWRIGHT_WATCH_POLL_MS);
    this.pollMs = deps.pollMs ?? (Number.isFinite(env) && env > 0 ? env : 1000);
  }

  /** taking firings now (a stopped watch may still be finishing a run) */
  get running(): boolean {
    return this.loop !== null && !this.stopping;
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run().finally(() => (this.loop = null));
  }

  /** Stops taking firings; a run under way finishes (its firing is settled by it). */
  stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    return this.loop ?? Promise.resolve();
  }

  /** Cancels a run under way too (the app is closing; the firing is settled as cancelled). */
  async close(): Promise<void> {
    this.abort.abort();
    await this.stop();
  }

  poke(): void {
    this.wake?.();
  }

  /** The project's pipeline files and their triggers, re-read only when a file changed. */
  refresh(): { triggers: WatchedTrigger[]; problems: { file: string; message: string }[] } {
    const folder = dirname(this.store.path);
    const candidates = new Set<string>();
    try {
      for (const n of readdirSync(folder)) if (PIPELINE_FILE.test(n)) candidates.add(join(folder, n));
    } catch {
      // a folder that went away has no files
    }
    if (this.deps.openPath && projectPathFor(resolve(this.deps.openPath)) === this.store.path) candidates.add(resolve(this.deps.openPath));
    for (const f of this.files.keys()) if (!candidates.has(f)) this.files.delete(f);
    const saved = new Set(this.store.listPipelines().map((p) => p.name));
    const triggers: WatchedTrigger[] = [];
    const problems: { file: string; message: string }[] = [];
    for (const file of [...candidates].sort()) {
      const entry = this.read(file);
      if (!entry) continue;
      const mine = projectPathFor(file) === this.store.path || (entry.name !== null && saved.has(entry.name));
      if (!mine) continue;
      if (entry.error) problems.push({ file, message: entry.error });
      else triggers.push(...entry.triggers);
    }
    return { triggers, problems };
  }

  private read(file: string): FileEntry | null {
    let signature: string;
    try {
      const st = statSync(file);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
      signature = `${st.size}:${st.mtimeMs}`;
    } catch {
      this.files.delete(file);
      return null;
    }
    const known = this.files.get(file);
    if (known?.signature === signature) return known;
    let entry: FileEntry;
    let name: string | null = null;
    try {
      const text = readFileSync(file, 'utf8');
      const parsed = parsePipelineText(text);
      name = (parsed.pipeline ?? parsed.partial)?.metadata.name ?? null;
      // Files without triggers are not validated further: only a trigger needs a file that runs.
      if (!/^triggers\s*:/m.test(text)) entry = { signature, name, triggers: [], error: null };
      else entry = { signature, name, triggers: loadTriggers(file), error: null };
    } catch (e) {
      const message = e instanceof TriggerFileError ? e.message : `${file}: ${(e as Error).message}`;
      entry = { signature, name, triggers: [], error: message };
    }
    this.files.set(file, entry);
    return entry;
  }

  private watcherFor(triggers: WatchedTrigger[]): Watcher {
    const files = [...new Set(triggers.map((t) => t.file))].sort();
    const key = files.join('\n');
    if (!this.watcher || key !== this.watcherFiles) {
      const project = this.store.path;
      this.watcher = new Watcher({
        store: this.store,
        files,
        pollMs: this.pollMs,
        signal: this.abort.signal,
        pool: this.deps.pool(),
        servers: this.deps.servers,
        onStarted: (run) => this.deps.started(project, run),
        log: (line) => this.deps.log?.(`${basename(project)}: ${line}`),
        onEvent: (e) => {
          if (e.type === 'run.started' || e.type === 'run.finished') this.deps.changed({ project, runId: e.runId });
        },
      });
      this.watcherFiles = key;
    }
    this.watcher.triggers = triggers;
    return this.watcher;
  }

  private async run(): Promise<void> {
    const project = this.store.path;
    let lastError = '';
    while (!this.stopping && this.store.isOpen) {
      try {
        // The project's switch, read each pass: another app or a restart may have moved it.
        if (!triggersPaused(this.store)) {
          const { triggers } = this.refresh();
          if (triggers.length) {
            const watcher = this.watcherFor(triggers);
            if (watcher.evaluate().length) this.deps.changed({ project, runId: null });
            await watcher.drain();
          }
        }
        lastError = '';
      } catch (e) {
        // Said once per kind of failure (a locked file, a vanished folder), not every second.
        const message = (e as Error).message;
        if (message !== lastError) this.deps.log?.(`${basename(project)}: triggers: ${message}`);
        lastError = message;
      }
      if (this.stopping) break;
      await new Promise<void>((done) => {
        const t = setTimeout(() => {
          this.wake = null;
          done();
        }, this.pollMs);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          done();
        };
      });
    }
  }
}

/** paused: the project's switch (for every watcher); else on while a window has the project open */
function appState(w: ProjectWatch): TriggersOverview['app'] {
  if (triggersPaused(w.store)) return 'paused';
  return w.running ? 'on' : 'off';
}

function specOf(t: WatchedTrigger): string {
  if (t.kind === 'schedule') return t.trigger.schedule as string;
  if (t.kind === 'files') return t.trigger.files as string;
  const m = t.trigger.metric!;
  return m.above !== undefined ? `${m.node}.${m.name} > ${m.above}` : `${m.node}.${m.name} < ${m.below}`;
}

export interface AppTriggers {
  handlers: Pick<Handlers, 'triggers.list' | 'triggers.pause' | 'triggers.app'>;
  /** `conn` now has `store` open (project.open): its triggers run while some window has it open */
  follow(conn: Connection, store: ProjectStore): void;
  /** a window went away */
  unfollow(conn: Connection): void;
  dispose(): Promise<void>;
}

export function appTriggers(deps: AppTriggersDeps): AppTriggers {
  const watches = new Map<string, ProjectWatch>();
  const openBy = new Map<Connection, string>();

  function release(conn: Connection): void {
    const path = openBy.get(conn);
    if (path === undefined) return;
    openBy.delete(conn);
    const w = watches.get(path);
    if (!w) return;
    w.holders.delete(conn);
    if (w.holders.size === 0) void w.stop();
  }

  /** The project's watch (made on first use, not started: only an open window starts it). */
  function watchOf(path: string): ProjectWatch {
    const store = deps.project(path);
    let w = watches.get(store.path);
    if (!w || w.store !== store) {
      w = new ProjectWatch(store, deps);
      watches.set(store.path, w);
    }
    return w;
  }

  function overview(w: ProjectWatch, limit: number): TriggersOverview {
    const { store } = w;
    const { triggers, problems } = w.refresh();
    const paused = pausedKeys(store);
    const firings = listFirings(store, { limit });
    const lastFired = new Map<string, string>();
    const last = store.db.prepare('SELECT trigger_key AS k, max(fired_at) AS at FROM trigger_firings GROUP BY trigger_key').all() as { k: string; at: string }[];
    for (const r of last) lastFired.set(r.k, r.at);
    const infos: TriggerInfo[] = triggers.map((t) => {
      const isPaused = paused.has(t.key);
      let next: string | null = null;
      if (t.kind === 'schedule' && !isPaused) {
        try {
          next = nextScheduled(store, t)?.toISOString() ?? null;
        } catch {
          next = null;
        }
      }
      return { key: t.key, file: t.file, pipeline: t.pipelineName, kind: t.kind, spec: specOf(t), runs: t.runs, paused: isPaused, next, lastFiredAt: lastFired.get(t.key) ?? null };
    });
    const firingInfos: FiringInfo[] = firings.map((f) => ({
      id: f.id,
      triggerKey: f.triggerKey,
      kind: f.kind,
      pipelineFile: f.pipelineFile,
      firedAt: f.firedAt,
      status: f.status,
      attempts: f.attempts,
      runId: f.runId === null ? null : String(f.runId),
      outcome: f.outcome,
      error: f.error,
      detail: f.detail,
    }));
    return { project: store.path, folder: dirname(store.path), app: appState(w), triggers: infos, firings: firingInfos, problems };
  }

  return {
    handlers: {
      'triggers.list': ({ project, limit }) => overview(watchOf(project), limit ?? DEFAULT_FIRINGS),
      'triggers.pause': ({ project, key, paused }) => {
        const w = watchOf(project);
        const known = w.refresh().triggers.some((t) => t.key === key) || loadState(w.store, key).state !== null;
        if (!known) throw new RpcError(`no trigger ${key} in the pipeline files of ${w.store.path}`, 'not_found');
        setPaused(w.store, key, paused);
        deps.changed({ project: w.store.path, runId: null });
        w.poke();
        return { paused };
      },
      'triggers.app': ({ project, on }) => {
        const w = watchOf(project);
        setTriggersPaused(w.store, !on);
        w.poke();
        deps.changed({ project: w.store.path, runId: null });
        return { app: appState(w) };
      },
    },
    follow(conn, store) {
      if (openBy.get(conn) === store.path) return;
      release(conn);
      const w = watchOf(store.path);
      w.holders.add(conn);
      openBy.set(conn, store.path);
      w.start();
    },
    unfollow: release,
    async dispose() {
      await Promise.all([...watches.values()].map((w) => w.close()));
      watches.clear();
      openBy.clear();
    },
  };
}
