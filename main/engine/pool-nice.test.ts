import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from './pool';

/** the nice values of this process's threads, from /proc (field 19 of each task's stat) */
function threadNices(): number[] {
  const out: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // the command name may hold spaces: the fields that follow come after its closing parenthesis
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push(Number(fields[16]));
    } catch {
      /* the thread ended while we read */
    }
  }
  return out;
}

const pools: WorkerPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

describe.runIf(existsSync('/proc/self/task'))('worker priority', () => {
  it("an app pool's worker threads run at the nice value asked for; the CLI's at normal priority", async () => {
    const before = threadNices().filter((n) => n === 13).length;
    const app = new WorkerPool(1, { nice: 13 });
    pools.push(app);
    const probe = await app.probeBackend();
    expect(probe.backend).not.toBeNull();
    // the worker thread, and the threads it started (the compute backend's), are at 13
    expect(threadNices().filter((n) => n === 13).length).toBeGreaterThan(before);

    const cli = new WorkerPool(1);
    pools.push(cli);
    const niceThreads = threadNices().filter((n) => n === 13).length;
    await cli.probeBackend();
    expect(threadNices().filter((n) => n === 13).length).toBe(niceThreads);
  }, 60_000);
});
