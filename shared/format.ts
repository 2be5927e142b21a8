/**
 * Numbers as people read them, in panels and in log lines: at most 3 decimals ("0.965"), one for
 * values of 100 and more ("106.5"), integers as they are, and tiny or huge values in exponent
 * form ("3.2e-5", never "0.0000"). The recorded values keep full precision; only text is rounded.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e9) return trimExp(x.toExponential(1));
  if (a >= 100) return trim(x.toFixed(1));
  return trim(x.toFixed(3));
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function trimExp(s: string): string {
  const [m, e] = s.split('e');
  return `${trim(m)}e${e.replace('+', '')}`;
}

/** A value that may be a number (a param, a JSON cell): numbers formatted, the rest as text. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}
