/**
 * Scratch folders of runs and workers, named after the owning process so that folders left by
 * a process that died (kill -9, power loss) are found and removed by the next one.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../pid';

const PATTERN = /^pw-(run|worker|run-node)-(\d+)-/;

export function scratchDir(kind: 'run' | 'worker' | 'run-node'): string {
  return mkdtempSync(join(tmpdir(), `pw-${kind}-${process.pid}-`));
}

let swept = false;

/** Removes, in the background, scratch folders whose process is gone (once per process). */
export function sweepStaleScratch(): void {
  if (swept) return;
  swept = true;
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const n of names) {
    const m = PATTERN.exec(n);
    if (m && !pidAlive(Number(m[2]))) void rm(join(tmpdir(), n), { recursive: true, force: true }).catch(() => {});
  }
}
