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

/**
 * The change between two metric values, the one rule for deltas wherever they are shown: signed,
 * at the precision the values themselves are shown (formatNumber's rule, taken from the larger of
 * `compared` and the change) and with fixed decimals, so a column of changes lines up: "+0.012",
 * "-0.004", "+0.000" (a change below that precision), "+1.5" beside values of 100 and more, "+31"
 * between whole numbers, "+3.2e-5" between tiny values, "0" for none.
 */
export function formatDelta(d: number, ...compared: number[]): string {
  if (!Number.isFinite(d)) return String(d);
  if (d === 0) return '0';
  const sign = d > 0 ? '+' : '-';
  const a = Math.abs(d);
  const values = compared.filter(Number.isFinite);
  if (Number.isInteger(d) && values.every(Number.isInteger)) return sign + String(a);
  const ref = Math.max(a, ...values.map(Math.abs));
  if (ref < 1e-3 || ref >= 1e9) return sign + trimExp(a.toExponential(1));
  return sign + a.toFixed(ref >= 100 ? 1 : 3);
}
