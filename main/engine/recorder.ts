/**
 * Batches the engine's writes to the project file: with synchronous=FULL every commit is an
 * fsync, so writes are gathered and committed together every few milliseconds (and at the end
 * of a run). A crash loses at most the last batch, never the file's consistency.
 */
import type { ProjectStore } from '../store/project-store';

const FLUSH_DELAY_MS = 50;
const FLUSH_AT = 5_000;

export class Recorder {
  private ops: (() => void)[] = [];
  private points: { exec: { id: number }; key: string; value: number; step: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly errors: string[] = [];

  constructor(private readonly store: ProjectStore, private readonly onError: (message: string) => void = () => {}) {}

  enqueue(op: () => void): void {
    if (this.closed) {
      this.run([op], []);
      return;
    }
    this.ops.push(op);
    this.schedule();
  }

  /** A series point; `exec.id` is read when the batch is written (after the execution's row). */
  metric(exec: { id: number }, key: string, value: number, step: number): void {
    this.points.push({ exec, key, value, step });
    this.schedule();
  }

  private schedule(): void {
    if (this.ops.length + this.points.length >= FLUSH_AT) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, FLUSH_DELAY_MS);
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ops.length === 0 && this.points.length === 0) return;
    const ops = this.ops;
    const points = this.points;
    this.ops = [];
    this.points = [];
    this.run(ops, points);
  }

  private run(ops: (() => void)[], points: { exec: { id: number }; key: string; value: number; step: number }[]): void {
    try {
      this.store.transaction(() => {
        for (const op of ops) {
          try {
            op();
          } catch (e) {
            this.fail(e);
          }
        }
        if (points.length) {
          const byExec = new Map<number, { key: string; value: number; step: number }[]>();
          for (const p of points) {
            const list = byExec.get(p.exec.id) ?? [];
            list.push(p);
            byExec.set(p.exec.id, list);
          }
          for (const [id, list] of byExec) if (id > 0) this.store.recordMetrics(id, list);
        }
      });
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const m = `could not record in the project file: ${(e as Error).message ?? String(e)}`;
    this.errors.push(m);
    this.onError(m);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
