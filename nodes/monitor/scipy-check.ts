/** Test helpers: scipy 1.10's answers (scipy-reference.py) and the contract's tolerances. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

const HERE = dirname(__filename);

export interface Ref {
  statistic?: number;
  pValue?: number;
}

/** Runs Debian's scipy 1.10 on the cases (nodes/monitor/scipy-reference.py). */
export function scipyAnswers(py: string, cases: unknown[]): Ref[] {
  const out = execFileSync(py, [join(HERE, 'scipy-reference.py')], { input: JSON.stringify(cases), encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
  return JSON.parse(out) as Ref[];
}

/** Statistics to 1e-9 (relative above 1), p-values to 1e-6 (contract section 8). */
export function expectClose(got: Ref, want: Ref, what: string): void {
  if (want.statistic !== undefined) {
    expect(got.statistic, `${what} statistic`).toBeDefined();
    const tol = 1e-9 * Math.max(1, Math.abs(want.statistic));
    expect(Math.abs((got.statistic as number) - want.statistic), `${what} statistic ${got.statistic} vs scipy ${want.statistic}`).toBeLessThanOrEqual(tol);
  }
  if (want.pValue !== undefined) {
    expect(Math.abs((got.pValue as number) - want.pValue), `${what} p-value ${got.pValue} vs scipy ${want.pValue}`).toBeLessThanOrEqual(1e-6);
  }
}

