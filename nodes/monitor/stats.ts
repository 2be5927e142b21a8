/**
 * The statistics of monitor.drift (contract section 8), on sorted Float64Arrays and count
 * vectors: no row loops over objects, no allocation per value. Each function gives the number
 * scipy 1.10 gives on the same data (statistics to 1e-9, p-values to 1e-6): the KS p-value
 * follows scipy's choice of method (exact lattice-path counts up to 10,000 values, else the
 * Kolmogorov distribution of `kstwo` with its own choice among Durbin's matrix, Pomeranz,
 * Pelz–Good and Smirnov's exact one-sided sum).
 */

// ---- sorting -------------------------------------------------------------------------------

/**
 * Sorts doubles ascending in place (no NaN expected): an LSD radix sort on the IEEE bits,
 * 16 bits a pass, a pass skipped when every value shares its digit. Several times faster than
 * Float64Array#sort on a million values, which decides the speed of a drift report.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 256) return a.sort();
  const u = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  // Order-preserving map to unsigned: flip every bit of negatives, the sign bit of the rest.
  for (let i = 0; i < n; i++) {
    const hi = u[2 * i + 1];
    if (hi & 0x80000000) {
      u[2 * i + 1] = ~hi;
      u[2 * i] = ~u[2 * i];
    } else u[2 * i + 1] = hi | 0x80000000;
  }
  let src: Uint32Array = u;
  let dst: Uint32Array = new Uint32Array(n * 2);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[2 * i + word] >>> shift) & 0xffff]++;
    let sum = 0;
    let single = false;
    for (let k = 0; k < 65536; k++) {
      const c = count[k];
      if (c === n) {
        single = true;
        break;
      }
      count[k] = sum;
      sum += c;
    }
    if (single) continue;
    for (let i = 0; i < n; i++) {
      const p = count[(src[2 * i + word] >>> shift) & 0xffff]++;
      dst[2 * p] = src[2 * i];
      dst[2 * p + 1] = src[2 * i + 1];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== u) u.set(src);
  for (let i = 0; i < n; i++) {
    const hi = u[2 * i + 1];
    if (hi & 0x80000000) u[2 * i + 1] = hi & 0x7fffffff;
    else {
      u[2 * i + 1] = ~hi;
      u[2 * i] = ~u[2 * i];
    }
  }
  return a;
}

/** The finite values of `a` (nulls arrive as NaN), sorted (a new array). */
export function sortedFinite(a: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] === 0) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] === 0) out[j++] = a[i];
  return sortFloat64(out);
}

// ---- sums ----------------------------------------------------------------------------------

/** Neumaier's compensated sum: a million terms add up as numpy's pairwise sum does, to ~1e-16. */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/** Mean and standard deviation (ddof 0, numpy's `std`) of a sample. */
export function meanStd(a: Float64Array): { mean: number; std: number } {
  const s = new Sum();
  for (let i = 0; i < a.length; i++) s.add(a[i]);
  const mean = s.value / a.length;
  const q = new Sum();
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - mean;
    q.add(d * d);
  }
  return { mean, std: Math.sqrt(q.value / a.length) };
}

// ---- special functions ---------------------------------------------------------------------

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0: Stirling's series above 10, shifted up to it below. */
export function lgamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift -= Math.log(x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188)))));
  return shift + (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + series;
}

/**
 * The regularised upper incomplete gamma Q(a, x): the power series of P below a + 1, Lentz's
 * continued fraction above (Numerical Recipes §6.2), both to machine precision.
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const logPrefix = a * Math.log(x) - x - lgamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 100000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** erfc(x) for x ≥ 0, as Q(1/2, x²). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return gammaQ(0.5, x * x);
}

/** The survival function of the chi-square distribution with k degrees of freedom. */
export function chi2Sf(x: number, k: number): number {
  return gammaQ(k / 2, x / 2);
}

// ---- Kolmogorov–Smirnov ---------------------------------------------------------------------

export interface KsResult {
  statistic: number;
  pValue: number;
  /** how the p-value was computed, as scipy names it */
  method: 'exact' | 'asymp';
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Two-sample KS on sorted samples, two-sided: scipy.stats.ks_2samp(a, b, method='auto').
 * D is the largest gap between the two empirical CDFs evaluated after every value (ties
 * included); the p-value is exact when max(n, m) ≤ 10,000, else kstwo.sf(D, round(nm/(n+m))).
 */
export function ks2samp(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ks_2samp needs two non-empty samples');
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  let d = Math.max(Math.min(Math.max(-minS, 0), 1), maxS);
  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp' = Math.max(n1, n2) <= 10000 ? 'exact' : 'asymp';
  let p = NaN;
  if (mode === 'exact') {
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    if (h === 0) p = 1;
    else {
      p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
      if (!(p >= 0 && p <= 1)) mode = 'asymp';
    }
  }
  if (mode === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    p = kstwoSf(d, roundHalfEven((m * n) / (m + n)));
  }
  return { statistic: d, pValue: Math.min(Math.max(p, 0), 1), method: mode };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * P(D ≥ h/n) for two samples of equal size n: 2 Σ (−1)^(k−1) C(2n, n−kh) / C(2n, n), each
 * ratio built as a product of h factors and nested Horner-style, which avoids the cancellation
 * of summing the alternating terms.
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D ≥ h/lcm) for sizes m ≠ n: the share of monotone lattice paths from (0, 0) to (m, n)
 * that leave the band |x/m − y/n| < h/lcm, computed column by column as that share directly
 * (Hodges' inside method with Viehmann's recursion for 1 − p), on a sliding window of rows.
 */
function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let lo = 0;
  let hi = Math.min(Math.ceil(h / mg), n + 1);
  let len = hi - lo;
  const col = new Float64Array(Math.min(2 * hi + 2, n + 1)).fill(1);
  col.fill(0, lo, hi);
  for (let i = 1; i <= m; i++) {
    const lastLo = lo;
    const lastLen = len;
    lo = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    hi = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (hi <= lo) return 1;
    let v = lo === 0 ? 0 : 1;
    for (let jj = 0; jj < hi - lo; jj++) {
      const j = jj + lo;
      v = (col[jj + lo - lastLo] * i + v * j) / (i + j);
      col[jj] = v;
    }
    len = hi - lo;
    if (lastLen > len) col.fill(1, len, lastLen);
  }
  return col[hi - lo - 1];
}

const E128 = 2 ** 128;
const EM128 = 2 ** -128;

/** kstwo.sf(x, n): the two-sided one-sample Kolmogorov distribution's survival function. */
export function kstwoSf(x: number, n: number): number {
  // rv_continuous clips to the support [1/(2n), 1] first.
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  return kolmogn(n, x, false);
}

function pick(cdfProb: number, sfProb: number, cdf: boolean): number {
  return Math.min(Math.max(cdf ? cdfProb : sfProb, 0), 1);
}

/** Simard & L'Ecuyer's choice of method for P(D_n ≤ x) (or its complement). */
function kolmogn(n: number, x: number, cdf: boolean): number {
  if (x >= 1) return pick(1, 0, cdf);
  if (x <= 0) return pick(0, 1, cdf);
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return pick(0, 1, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= (i / n) * (2 * t - 1);
    } else prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return pick(prob, 1 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * Math.pow(1 - x, n);
    return pick(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob, cdf);
  }
  const nxx = t * x;
  if (n <= 140) {
    if (nxx <= 0.754693) {
      const prob = durbinMatrix(n, x);
      return pick(prob, 1 - prob, cdf);
    }
    if (nxx <= 4) {
      const prob = pomeranz(n, x);
      return pick(prob, 1 - prob, cdf);
    }
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob, cdf);
  }
  if (!cdf) {
    if (nxx >= 370) return 0;
    if (nxx >= 2.2) return Math.min(Math.max(2 * smirnovSf(n, x), 0), 1);
  }
  let cdfProb: number;
  if (nxx >= 18) cdfProb = 1;
  else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) cdfProb = durbinMatrix(n, x);
  else cdfProb = pelzGood(n, x);
  return pick(cdfProb, 1 - cdfProb, cdf);
}

const STIRLING = [-2.955065359477124e-2, 6.41025641025641e-3, -1.917526917526917e-3, 8.417508417508417e-4,
  -5.952380952380952e-4, 7.936507936507937e-4, -2.777777777777778e-3, 8.333333333333333e-2];

/** ln(n!/n^n) by Stirling's series. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/** Durbin's matrix method as Marsaglia, Tsang and Wang give it: P(D_n ≤ d) = n!/n^n (H^n)_kk. */
function durbinMatrix(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let power: Float64Array = identity(m);
  let base: Float64Array = H;
  let expnt = 0;
  let baseExpnt = 0;
  let nn = n;
  while (nn > 0) {
    if (nn % 2) {
      power = matmul(power, base, m);
      expnt += baseExpnt;
    }
    base = matmul(base, base, m);
    baseExpnt *= 2;
    if (Math.abs(base[(k - 1) * m + (k - 1)]) > E128) {
      for (let i = 0; i < base.length; i++) base[i] /= E128;
      baseExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  return expnt !== 0 ? p * Math.pow(2, expnt) : p;
}

function identity(m: number): Float64Array {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) a[i * m + i] = 1;
  return a;
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const x = a[i * m + k];
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += x * b[k * m + j];
    }
  }
  return out;
}

/** Pomeranz's recursion for P(D_n ≤ x). */
function pomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1] * (g / n)) / m;
    twogpower[m] = (twogpower[m - 1] * ((2 * g) / n)) / m;
    onem2gpower[m] = (onem2gpower[m - 1] * ((1 - 2 * g) / n)) / m;
  }
  const bounds = (i: number): [number, number] => {
    let j1: number;
    let j2: number;
    if (i === 0) {
      j1 = -ll - ceilf - 1;
      j2 = ll + ceilf - 1;
    } else {
      const half = Math.floor((i + 1) / 2);
      if ((i + 1) % 2 === 0) {
        if (half === n + 1) {
          j1 = n - ll - ceilf - 1;
          j2 = n + ll + ceilf - 1;
        } else {
          j1 = half - 1 - ll - roundf - 1;
          j2 = half + ll - 1 + ceilf - 1;
        }
      } else {
        j1 = half - 1 - ll - 1;
        j2 = half + ll + roundf - 1;
      }
    }
    return [Math.max(j1 + 2, 0), Math.min(j2, n)];
  };
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let expnt = 0;
  let [j1] = bounds(0);
  let j2: number;
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = bounds(i);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // The slice of the full convolution of V0[k1-V0s, +ln2) with pwrs[0, ln2) that is kept.
      const start = j1 - k1;
      const count = j2 - j1 + 1;
      let max = 0;
      for (let c = 0; c < count; c++) {
        const idx = start + c;
        let s = 0;
        for (let q = Math.max(0, idx - ln2 + 1); q <= Math.min(idx, ln2 - 1); q++) s += V0[k1 - V0s + q] * pwrs[idx - q];
        V1[c] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] *= E128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= m;
  }
  return expnt !== 0 ? ans * Math.pow(2, expnt) : ans;
}

/** The Pelz–Good asymptotic series for P(D_n ≤ x). */
function pelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2;
  const PI4 = Math.PI ** 4;
  const PI6 = Math.PI ** 6;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let c = 0; c < 4; c++) K[c] = K[c] * qp + coeffs[c];
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let c = 0; c < 4; c++) K[c] = (((K[c] * q) * SQRT2PI) / div[c]);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = Math.pow(q, k2);
    k2extra += k2 * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K[2] += (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] += (k3extra * PI2 * SQRT2PI) / (216 * z6);
  for (let c = 0; c < 4; c++) K[c] /= Math.pow(n, c / 2);
  return K[0] + K[1] + K[2] + K[3];
}

/**
 * Smirnov's one-sided P(D⁺_n ≥ x), exact: Birnbaum and Tingey's sum
 * x Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v), term by term in logs.
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const top = Math.floor(n * (1 - x));
  const lnN1 = lgamma(n + 1);
  let p = 0;
  for (let v = 0; v <= top; v++) {
    const evn = x + v / n;
    const rest = 1 - evn;
    let t = lnN1 - lgamma(v + 1) - lgamma(n - v + 1) + (v - 1) * Math.log(evn);
    if (n - v > 0) {
      if (rest <= 0) continue;
      t += (n - v) * Math.log(rest);
    }
    if (t > -745) p += Math.exp(t);
  }
  return Math.min(Math.max(p * x, 0), 1);
}

// ---- distances -------------------------------------------------------------------------------

/**
 * scipy.stats.wasserstein_distance(a, b) on sorted samples: ∫ |F_a − F_b|, the CDFs stepping
 * at every value of the merged sample.
 */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  const s = new Sum();
  let prev = NaN;
  let prevDiff = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    if (prev === prev) s.add(Math.abs(prevDiff) * (v - prev));
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    prevDiff = i / n1 - j / n2;
    prev = v;
  }
  return s.value;
}

/** scipy.spatial.distance.jensenshannon(p, q) with the natural log; p and q are counts. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2;
    if (pi > 0) left += pi * Math.log(pi / m);
    if (qi > 0) right += qi * Math.log(qi / m);
  }
  return Math.sqrt(Math.max(left + right, 0) / 2);
}

/** numpy.quantile's default (linear) on a sorted sample, with numpy's two-sided lerp. */
export function quantileSorted(a: Float64Array, q: number): number {
  const h = (a.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, a.length - 1);
  const t = h - lo;
  const x = a[lo];
  const y = a[hi];
  const diff = y - x;
  return t >= 0.5 ? y - diff * (1 - t) : x + diff * t;
}

/** How many values of a sorted array are < v (side 'left') or ≤ v (side 'right'). */
export function searchSorted(a: Float64Array, v: number, side: 'left' | 'right'): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (side === 'left' ? a[mid] < v : a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const PSI_FLOOR = 0.0001;

/** Σ (c − r) ln(c / r) over bins, each share floored at 0.0001. Counts in, PSI out. */
export function psiFromCounts(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < ref.length; i++) {
    nr += ref[i];
    nc += cur[i];
  }
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.max(ref[i] / nr, PSI_FLOOR);
    const c = Math.max(cur[i] / nc, PSI_FLOOR);
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/**
 * PSI of a numeric column: 10 bins cut at the reference's deciles (outer bins open, equal edges
 * merged), a value on an edge counted in the bin above it (numpy.digitize).
 */
export function psiNumeric(ref: Float64Array, cur: Float64Array): number {
  const edges: number[] = [];
  for (let k = 1; k < 10; k++) {
    const e = quantileSorted(ref, k / 10);
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  const bin = (a: Float64Array): number[] => {
    const out: number[] = [];
    let prev = 0;
    for (const e of edges) {
      const at = searchSorted(a, e, 'left');
      out.push(at - prev);
      prev = at;
    }
    out.push(a.length - prev);
    return out;
  };
  return psiFromCounts(bin(ref), bin(cur));
}

/** The two-proportion z-test: |z| and its two-sided p-value, erfc(|z|/√2). */
export function zTest(x1: number, n1: number, x2: number, n2: number): { statistic: number; pValue: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const statistic = Math.abs(z);
  return { statistic, pValue: erfc(statistic / Math.SQRT2) };
}

/**
 * scipy.stats.chisquare(current, reference shares × current total) over the same categories.
 * Null when a category of the current table is absent from the reference (no finite statistic).
 */
export function chiSquare(ref: ArrayLike<number>, cur: ArrayLike<number>): { statistic: number; pValue: number } | null {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < ref.length; i++) {
    nr += ref[i];
    nc += cur[i];
  }
  if (ref.length <= 1) return { statistic: 0, pValue: 1 };
  let stat = 0;
  for (let i = 0; i < ref.length; i++) {
    const expected = (ref[i] / nr) * nc;
    if (expected === 0) {
      if (cur[i] > 0) return null;
      continue;
    }
    stat += ((cur[i] - expected) ** 2) / expected;
  }
  return { statistic: stat, pValue: chi2Sf(stat, ref.length - 1) };
}
