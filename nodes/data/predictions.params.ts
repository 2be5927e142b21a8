import { z } from 'zod';
import { defineParams } from '../params';
import { DURATION_RE, durationSeconds, parseInstant } from '../features/time-text';

/** NAME, NAME@ALIAS or NAME:VERSION (contract section 2b). */
export const MODEL_REF = /^[a-z0-9][a-z0-9-]*(@[a-z][a-z0-9-]*|:[1-9][0-9]{0,8})?$/;
const TIME_HINT = 'an ISO 8601 time such as 2026-11-30 12:00:00 or 2026-11-30T12:00:00Z, or a duration back from now such as 24h, 90m, 7d';

/** A window bound in epoch ms: a duration counts back from `now`, a time is its UTC instant. */
export function instant(text: string, now: number): number | null {
  if (DURATION_RE.test(text)) {
    const s = durationSeconds(text);
    return s === null ? null : now - s * 1000;
  }
  return parseInstant(text);
}

function timeProblem(text: string): string | null {
  if (/^-[0-9]+(s|m|h|d|w)$/.test(text)) return `must be a duration without a sign (${text.slice(1)} already counts back from now)`;
  return instant(text, 0) === null ? `must be ${TIME_HINT} (got ${JSON.stringify(text)})` : null;
}

export default defineParams({
  type: 'data.predictions',
  version: 1,
  params: z.object({
    model: z.string().regex(MODEL_REF, 'must be a model reference: NAME, NAME@ALIAS or NAME:VERSION').describe('registered model: NAME, NAME@ALIAS or NAME:VERSION'),
    since: z.string().min(1).optional().describe('from this time on (inclusive): ISO 8601 time or a duration back from now such as 24h'),
    until: z.string().min(1).optional().describe('before this time (exclusive): ISO 8601 time or a duration back from now'),
    limit: z.number().int().min(1).optional().describe('only the newest N rows of the window'),
    labeled: z.boolean().default(false).describe('only rows whose true label was attached (/v1/feedback)'),
  }).strict(),
  check: (p) => {
    const out: { param: string; message: string }[] = [];
    for (const k of ['since', 'until'] as const) {
      const v = p[k];
      const problem = v === undefined ? null : timeProblem(v);
      if (problem) out.push({ param: k, message: problem });
    }
    if (!out.length && p.since !== undefined && p.until !== undefined) {
      const now = Date.now();
      const [a, b] = [instant(p.since, now), instant(p.until, now)];
      if (a !== null && b !== null && a >= b) out.push({ param: 'until', message: `must be later than since (${p.since})` });
    }
    return out;
  },
});
