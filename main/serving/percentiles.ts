/** p50 and p99 of latencies in ms (sorted in place, numerically); null when there are none. */
export function percentiles(latencies: Float64Array): { p50: number | null; p99: number | null } {
  if (!latencies.length) return { p50: null, p99: null };
  latencies.sort();
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { p50: q(0.5), p99: q(0.99) };
}
