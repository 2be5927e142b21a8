/**
 * Which loaded model answers a request, swapped live (contract section 6). The server reads an
 * immutable `Routing` snapshot when a request is read; a registry change builds the next snapshot
 * after loading every model it routes to, then switches in one assignment. A model that nothing
 * routes to any more is disposed once its in-flight requests are done. So an alias move neither
 * fails nor delays a request, and each answer comes from the version its header names.
 */
import type { Prediction, ServingModel } from './types';

/** What the registry holds for one model name (a `ModelSource` reads it). */
export interface ModelState {
  versions: number[];
  aliases: Record<string, number>;
  /** a traffic split between aliases (percent, summing to 100); null or empty: none */
  traffic?: { alias: string; percent: number }[] | null;
  /** an alias that gets a copy of each request (answer logged, not returned) */
  shadow?: string | null;
}

/**
 * The registry side as the server needs it. `revision()` is the registry's change signal: it is
 * polled (cheaply) and `state()` is read again only when it differs.
 */
export interface ModelSource {
  revision(): string | number;
  state(): Record<string, ModelState>;
  load(name: string, version: number): Promise<ServingModel>;
  /** a note for logs: where the models come from */
  describe?: string;
}

/** How `/v1/models/NAME` (no version, no label) resolves for a served name (`serve --model REF`). */
export type DefaultRef = { kind: 'default' } | { kind: 'alias'; alias: string } | { kind: 'version'; version: number };

/** Rows one merged prediction may carry (see `Loaded.predict`). */
export const MAX_BATCH_ROWS = 512;

interface Queued {
  columns: Record<string, unknown[]>;
  rows: number;
  resolve(p: Prediction[]): void;
  reject(e: unknown): void;
}

/**
 * A loaded model with its in-flight count (disposed when retired and idle) and a dynamic
 * batcher: a request that arrives while a prediction of this model runs waits for it, and every
 * request waiting then goes into one merged prediction (a model's call costs nearly the same for
 * 1 row as for 64). Alone, a request is predicted at once: batching adds no latency at low load.
 */
export class Loaded {
  inflight = 0;
  retired = false;
  disposed = false;
  private busy = false;
  private queue: Queued[] = [];
  constructor(readonly model: ServingModel) {}

  predict(columns: Record<string, unknown[]>, rows: number): Promise<Prediction[]> {
    if (!this.busy && !this.queue.length) {
      // alone: predicted at once, no queue; requests arriving meanwhile queue behind it
      this.busy = true;
      let p: Promise<Prediction[]>;
      try {
        p = this.model.predictColumns(columns, rows);
      } catch (e) {
        p = Promise.reject(e);
      }
      const done = () => {
        this.busy = false;
        this.drain();
      };
      p.then(done, done);
      return p;
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ columns, rows, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    if (this.busy || !this.queue.length) return;
    const batch: Queued[] = [this.queue.shift()!];
    let total = batch[0].rows;
    while (this.queue.length && total + this.queue[0].rows <= MAX_BATCH_ROWS) {
      const q = this.queue.shift()!;
      batch.push(q);
      total += q.rows;
    }
    this.busy = true;
    void this.run(batch, total).finally(() => {
      this.busy = false;
      this.drain();
    });
  }

  private async run(batch: Queued[], total: number): Promise<void> {
    if (batch.length === 1) {
      const q = batch[0];
      try {
        q.resolve(await this.model.predictColumns(q.columns, q.rows));
      } catch (e) {
        q.reject(e);
      }
      return;
    }
    const merged = Object.create(null) as Record<string, unknown[]>;
    for (const input of this.model.inputs) {
      const all = new Array<unknown>(total);
      let at = 0;
      for (const q of batch) {
        const values = q.columns[input.name] ?? [];
        for (let r = 0; r < q.rows; r++) all[at++] = values[r];
      }
      merged[input.name] = all;
    }
    let predictions: Prediction[];
    try {
      predictions = await this.model.predictColumns(merged, total);
    } catch {
      // one request's rows failed the model's own checks: answer each alone, so the error
      // names that request's row and the others are served
      for (const q of batch) {
        try {
          q.resolve(await this.model.predictColumns(q.columns, q.rows));
        } catch (e) {
          q.reject(e);
        }
      }
      return;
    }
    let at = 0;
    for (const q of batch) {
      q.resolve(predictions.slice(at, at + q.rows));
      at += q.rows;
    }
  }

  acquire(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    if (this.retired && this.inflight === 0) this.dispose();
  }

  retire(): void {
    this.retired = true;
    if (this.inflight === 0) this.dispose();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.model.dispose();
    } catch {
      // a model that fails to free its memory must not take the server with it
    }
  }
}

export interface Routed {
  loaded: Loaded;
  /** the alias the request followed (null when pinned to a version or falling back to the latest) */
  alias: string | null;
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

interface NameRouting {
  state: ModelState;
  def: DefaultRef;
}

/** One immutable view of what is served. */
export class Routing {
  constructor(
    readonly names: ReadonlyMap<string, NameRouting>,
    readonly loaded: ReadonlyMap<string, Loaded>,
  ) {}

  model(name: string): NameRouting {
    const n = this.names.get(name);
    if (!n) throw new NotFound(`model '${name}' is not served here`);
    return n;
  }

  /** the version an alias points at; NotFound naming it */
  aliasVersion(name: string, alias: string): number {
    const n = this.model(name);
    const v = Object.hasOwn(n.state.aliases, alias) ? n.state.aliases[alias] : undefined;
    if (v === undefined) throw new NotFound(`model '${name}' has no alias '${alias}'`);
    return v;
  }

  hasVersion(name: string, version: number): boolean {
    return this.model(name).state.versions.includes(version);
  }

  /**
   * NAME alone: the alias or version `serve --model` gave, else a traffic split, else `champion`,
   * else the latest version. `random` picks the split's alias.
   */
  defaultTarget(name: string, random: () => number = Math.random): { version: number; alias: string | null } {
    const n = this.model(name);
    const { def, state } = n;
    if (def.kind === 'version') return { version: def.version, alias: null };
    if (def.kind === 'alias') return { version: this.aliasVersion(name, def.alias), alias: def.alias };
    const split = (state.traffic ?? []).filter((t) => t.percent > 0 && Object.hasOwn(state.aliases, t.alias));
    if (split.length) {
      const total = split.reduce((s, t) => s + t.percent, 0);
      let r = random() * total;
      for (const t of split) {
        r -= t.percent;
        if (r < 0) return { version: state.aliases[t.alias], alias: t.alias };
      }
      const last = split[split.length - 1];
      return { version: state.aliases[last.alias], alias: last.alias };
    }
    if (Object.hasOwn(state.aliases, 'champion')) return { version: state.aliases.champion, alias: 'champion' };
    if (!state.versions.length) throw new NotFound(`model '${name}' has no versions yet`);
    return { version: Math.max(...state.versions), alias: null };
  }

  /** the shadow of NAME's default route, if any and set */
  shadowVersion(name: string): { version: number; alias: string } | null {
    const n = this.names.get(name);
    const alias = n?.state.shadow;
    if (!n || !alias || !Object.hasOwn(n.state.aliases, alias)) return null;
    return { version: n.state.aliases[alias], alias };
  }

  /** the (name, version) pairs this snapshot routes to without a pin: loaded before it is used */
  targets(): string[] {
    const out = new Set<string>();
    for (const [name, n] of this.names) {
      const s = n.state;
      if (n.def.kind === 'version') {
        if (s.versions.includes(n.def.version)) out.add(key(name, n.def.version));
        continue;
      }
      for (const v of Object.values(s.aliases)) out.add(key(name, v));
      if (s.versions.length) out.add(key(name, Math.max(...s.versions)));
    }
    return [...out];
  }
}

export const key = (name: string, version: number): string => `${name}:${version}`;

export interface ModelTableOptions {
  /** serve only these names, each with how NAME alone resolves; absent: every registered model */
  only?: Map<string, DefaultRef>;
  /** how often the registry's change signal is read (default 250 ms; the contract asks for ≤ 1 s) */
  pollMs?: number;
  /** told about a model that could not be loaded (the server keeps serving the previous snapshot) */
  onProblem?: (message: string) => void;
  /** told after each switch to a new snapshot */
  onSwitch?: (routing: Routing) => void;
}

/** The live table: the current snapshot, the poller and the loads in progress. */
export class ModelTable {
  private current: Routing;
  private revision: string | number | null = null;
  private readonly loading = new Map<string, Promise<Loaded>>();
  /** versions loaded for a pinned request (kept while the registry has them) */
  private readonly pinned = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private closed = false;
  private lastProblem: string | null = null;

  private constructor(
    private readonly source: ModelSource,
    private readonly options: ModelTableOptions,
  ) {
    this.current = new Routing(new Map(), new Map());
  }

  /** Reads the registry once and loads what it routes to, then polls for changes. */
  static async open(source: ModelSource, options: ModelTableOptions = {}): Promise<ModelTable> {
    const table = new ModelTable(source, options);
    await table.refresh(true);
    table.timer = setInterval(() => void table.poll(), options.pollMs ?? 250);
    table.timer.unref();
    return table;
  }

  get routing(): Routing {
    return this.current;
  }

  /** true when every model the current snapshot routes to is loaded */
  ready(): boolean {
    const r = this.current;
    return r.targets().every((k) => r.loaded.has(k));
  }

  /** A model for a pinned version that no alias routes to: loaded on first use, kept after. */
  async version(name: string, version: number): Promise<Loaded> {
    const r = this.current;
    if (!r.hasVersion(name, version)) throw new NotFound(`model '${name}' has no version ${version}`);
    const k = key(name, version);
    this.pinned.add(k);
    const have = r.loaded.get(k);
    if (have && !have.retired) return have;
    return this.load(k, name, version);
  }

  private load(k: string, name: string, version: number): Promise<Loaded> {
    let p = this.loading.get(k);
    if (!p) {
      p = this.source.load(name, version).then((m) => new Loaded(m));
      this.loading.set(k, p);
      const forget = () => this.loading.delete(k);
      p.then(forget, forget);
      // a pinned load joins the current snapshot so the next request finds it
      p.then((l) => {
        if (this.current.loaded.get(k) !== l && !this.closed) {
          const loaded = new Map(this.current.loaded);
          loaded.set(k, l);
          this.current = new Routing(this.current.names, loaded);
        }
      }, () => undefined);
    }
    return p;
  }

  private poll(): Promise<void> {
    if (this.refreshing || this.closed) return this.refreshing ?? Promise.resolve();
    return this.refresh(false);
  }

  /** Reads the registry when its change signal moved; builds and switches to the next snapshot. */
  refresh(force: boolean): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const p: Promise<void> = this.rebuild(force).finally(() => {
      if (this.refreshing === p) this.refreshing = null;
    });
    this.refreshing = p;
    return p;
  }

  private async rebuild(force: boolean): Promise<void> {
    try {
      const rev = this.source.revision();
      if (!force && rev === this.revision) return;
      const state = this.source.state();
      const names = new Map<string, NameRouting>();
      for (const [name, s] of Object.entries(state)) {
        if (this.options.only && !this.options.only.has(name)) continue;
        names.set(name, { state: s, def: this.options.only?.get(name) ?? { kind: 'default' } });
      }
      const next = new Routing(names, new Map());
      const wanted = next.targets();
      const loaded = new Map<string, Loaded>();
      // load everything the next snapshot routes to before it is used
      const results = await Promise.allSettled(
        wanted.map(async (k) => {
          const have = this.current.loaded.get(k);
          if (have && !have.retired) return [k, have] as const;
          const i = k.lastIndexOf(':');
          return [k, await this.load(k, k.slice(0, i), Number(k.slice(i + 1)))] as const;
        }),
      );
      const failed: string[] = [];
      for (const r of results) {
        if (r.status === 'fulfilled') loaded.set(r.value[0], r.value[1]);
        else failed.push((r.reason as Error)?.message ?? String(r.reason));
      }
      if (failed.length && !force) {
        // keep answering from the snapshot that works; the next poll tries again
        const message = `the registry changed but a model it routes to did not load (still serving the previous routing): ${failed.join('; ')}`;
        if (message !== this.lastProblem) this.options.onProblem?.(message);
        this.lastProblem = message;
        return;
      }
      this.lastProblem = null;
      for (const f of failed) this.options.onProblem?.(`could not load a model: ${f}`);
      // pinned versions loaded earlier stay while the registry still has them
      for (const [k, l] of this.current.loaded) {
        if (loaded.has(k) || !this.pinned.has(k)) continue;
        const i = k.lastIndexOf(':');
        const name = k.slice(0, i);
        if (names.get(name)?.state.versions.includes(Number(k.slice(i + 1)))) loaded.set(k, l);
      }
      if (this.closed) return;
      const previous = this.current;
      this.current = new Routing(names, loaded);
      this.revision = rev;
      for (const [k, l] of previous.loaded) if (this.current.loaded.get(k) !== l) l.retire();
      this.options.onSwitch?.(this.current);
    } catch (e) {
      this.options.onProblem?.(`could not read the registry: ${(e as Error).message}`);
    }
  }

  /** Stops polling; every model is disposed once its requests are done. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const l of this.current.loaded.values()) l.retire();
  }
}

/** A source that serves one model file (`serve --model-file`): one name, one version, nothing changes. */
export function fixedSource(model: ServingModel): ModelSource {
  let used = false;
  return {
    describe: `${model.name}:${model.version}`,
    revision: () => 0,
    state: () => ({ [model.name]: { versions: [model.version], aliases: {} } }),
    load: async () => {
      if (used) throw new Error(`${model.name}:${model.version} was disposed`);
      used = true;
      return model;
    },
  };
}
