/**
 * The time rules of contract 4b as text: a duration is `^[0-9]+(s|m|h|d|w)$`; an instant without a
 * zone is UTC. Pure (no engine, no Node): the params of features.view and features.materialize
 * check with them in the editor too.
 */
export const DURATION_RE = /^[0-9]+(s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in a duration such as `30d`, `12h`, `90m`; null when it does not parse. */
export function durationSeconds(text: string): number | null {
  if (!DURATION_RE.test(text)) return null;
  const n = Number(text.slice(0, -1));
  const s = n * UNIT_SECONDS[text.slice(-1)];
  return Number.isSafeInteger(s * 1_000_000) ? s : null;
}

/** ISO 8601 with a space or `T`; without a zone it is UTC. Returns epoch milliseconds or null. */
export function parseInstant(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const ms = Number(`0${frac || '.0'}`) * 1000;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(ms));
  const check = new Date(t);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return t;
}
