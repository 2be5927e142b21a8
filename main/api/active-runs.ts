/**
 * The runs this app has under way, whoever started them: the editor (run.start) or a trigger
 * the app fires (triggers.ts). Cancel finds both here, by project and run id; gc refuses while a
 * project has one; closing the app cancels them all.
 */
import { resolve } from 'node:path';
import type { StartedRun } from '../engine/engine';

export class ActiveRuns {
  private readonly runs = new Map<string, { run: StartedRun; project: string }>();

  /** Keeps `run` of the project file `project` until it has ended. */
  add(project: string, run: StartedRun): void {
    const key = `${project}\0${run.runId}`;
    this.runs.set(key, { run, project });
    void run.done.catch(() => undefined).finally(() => this.runs.get(key)?.run === run && this.runs.delete(key));
  }

  /** Cancels run `runId` (of `project`, or of any project when not given); false when none such is under way. */
  cancel(runId: string, project?: string): boolean {
    const file = project === undefined ? undefined : resolve(project);
    let cancelled = false;
    for (const { run, project: p } of this.runs.values()) {
      if (run.runId !== runId || (file !== undefined && p !== file)) continue;
      run.cancel();
      cancelled = true;
    }
    return cancelled;
  }

  ofProject(project: string): StartedRun[] {
    return [...this.runs.values()].filter((a) => a.project === project).map((a) => a.run);
  }

  /** Cancels every run and waits until each has ended. */
  async cancelAll(): Promise<void> {
    const all = [...this.runs.values()].map(({ run }) => {
      run.cancel();
      return run.done.catch(() => undefined);
    });
    await Promise.all(all);
    this.runs.clear();
  }
}
