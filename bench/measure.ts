/** One timed call: its wall time and the CPU time this process spent meanwhile (all threads), in ms. */
export type Sample = { ms: number; cpuMs: number };

function sample(c0: NodeJS.CpuUsage, t0: number): Sample {
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

export function measure(fn: () => unknown): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  return sample(c0, t0);
}

export async function measureAsync(fn: () => Promise<unknown> | unknown): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  return sample(c0, t0);
}
