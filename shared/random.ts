/**
 * The one seeded PRNG of Pipewright (mulberry32). The engine's `ctx.random(seed)`, the test
 * helpers and every node that needs randomness use it, so a seed means the same sequence on
 * every machine and in every process.
 */

/** A uniform generator in [0, 1) for a 32-bit seed; any finite number is folded to 32 bits. */
export function seededRandom(seed: number): () => number {
  let a = foldSeed(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Folds any number (negative, fractional, above 2^32) to an unsigned 32-bit seed, stably. */
export function foldSeed(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  const whole = Math.trunc(seed);
  // Keep the high bits of large seeds instead of letting `| 0` drop them.
  const high = Math.floor(whole / 4294967296);
  return ((whole >>> 0) ^ Math.imul(high | 0, 0x9e3779b1)) >>> 0;
}

/** A standard normal sample from a uniform generator (Box-Muller). */
export function normal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
