/**
 * The arithmetic of a training step as WebAssembly SIMD (f32x4) kernels over one shared memory,
 * written out by wasm-writer.ts. Every matrix is row-major Float32 with its column count padded
 * to a multiple of 4 (cpu-step.ts lays them out so), pointers are byte offsets into the memory
 * and counts are in floats. The module is compiled once per process and can be instantiated in
 * any number of worker threads over the same shared memory.
 *
 * Why hand-written: a step of the reference MLP is ~4 M multiply-adds in matrices of 20..64
 * columns, where TensorFlow.js spends more time per op (dispatch, copies, a transpose costing
 * 10x a matmul on wasm) than in arithmetic. These kernels are register-tiled (4 rows × 8
 * columns of accumulators) and need no copies or transposes between the forward and backward
 * passes.
 */
import { F32, FnWriter, I32, writeModule, type ValType } from './wasm-writer';

export interface Kernels {
  /** C[M×N] = A[M×K]·B[K×N]; `panel` is 4·K floats of scratch */
  mm(a: number, b: number, c: number, m: number, k: number, n: number, panel: number): void;
  /** C = A·B + bias (bias: N floats) */
  mmBias(a: number, b: number, c: number, bias: number, m: number, k: number, n: number, panel: number): void;
  /** C = max(0, A·B + bias) */
  mmBiasRelu(a: number, b: number, c: number, bias: number, m: number, k: number, n: number, panel: number): void;
  /** C[M×N] = Aᵀ·B with A[R×M], B[R×N]: the weight gradient, a sum over R rows */
  mmTN(a: number, b: number, c: number, r: number, m: number, n: number): void;
  /** out[N] = column sums of D[R×N]: the bias gradient */
  colSum(d: number, out: number, r: number, n: number): void;
  /** d[i] = h[i] > 0 ? d[i] : 0 (ReLU's gradient through its output h) */
  reluMask(d: number, h: number, len: number): void;
  /** d[i] *= s[i] */
  mulInto(d: number, s: number, len: number): void;
  /** d[i] += s[i] */
  addInto(d: number, s: number, len: number): void;
  /**
   * Adam on one parameter array: g' = g·scale + decay·w; m = b1·m + c1·g'; v = b2·v + c2·g'²;
   * w -= lrT·m / (√v + eps), with c1 = 1 - b1 and c2 = 1 - b2 given by the caller.
   */
  adam(w: number, g: number, m: number, v: number, len: number, scale: number, decay: number, b1: number, c1: number, b2: number, c2: number, lrT: number, eps: number): void;
}

interface Tile {
  rows: 1 | 4;
  vecs: 1 | 2;
}

/**
 * The multiply kernels share one tile generator; `bias`/`relu` change only the init and store.
 * Each block of 4 rows of A is first copied k-major into `panel` (4·K floats of scratch), so the
 * inner loop reads its four A values at fixed offsets: without it, four row pointers and four B
 * row pointers per k made the kernel ~1.7x slower than mmTN.
 */
function matmul(exportName: string, bias: boolean, relu: boolean): FnWriter {
  const params: ValType[] = bias ? [I32, I32, I32, I32, I32, I32, I32, I32] : [I32, I32, I32, I32, I32, I32, I32];
  const f = new FnWriter(exportName, params);
  const A = 0, B = 1, C = 2;
  const BIAS = bias ? 3 : -1;
  const M = bias ? 4 : 3, K = M + 1, N = M + 2, PANEL = M + 3;
  const i = f.local(I32), j = f.local(I32), m4 = f.local(I32), n8 = f.local(I32);
  const ldb = f.local(I32), lda = f.local(I32);
  const pp = f.local(I32), pb = f.local(I32), end = f.local(I32), pc = f.local(I32);
  const src = f.local(I32), dst = f.local(I32);
  const acc = Array.from({ length: 8 }, () => f.local(0x7b));
  const bv = [f.local(0x7b), f.local(0x7b)];
  const av = f.local(0x7b);

  f.get(M).i32(~3).and().set(m4);
  f.get(N).i32(~7).and().set(n8);
  f.get(N).i32(4).mul().set(ldb);
  f.get(K).i32(4).mul().set(lda);

  const tile = ({ rows, vecs }: Tile): void => {
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vecs; v++) {
        if (bias) f.get(BIAS).get(j).i32(4).mul().add().load(16 * v);
        else f.zero();
        f.set(acc[r * 2 + v]);
      }
    }
    // rows = 4: the packed panel (16 bytes per k); rows = 1: A's row itself (4 bytes per k)
    if (rows === 4) f.get(PANEL).set(pp);
    else f.get(i).get(lda).mul().get(A).add().set(pp);
    f.get(pp).get(K).i32(rows * 4).mul().add().set(end);
    f.get(B).get(j).i32(4).mul().add().set(pb);
    f.loop(pp, end, () => {
      for (let v = 0; v < vecs; v++) f.get(pb).load(16 * v).set(bv[v]);
      for (let r = 0; r < rows; r++) {
        f.get(pp).loadSplat(4 * r).set(av);
        for (let v = 0; v < vecs; v++) f.get(acc[r * 2 + v]).get(av).get(bv[v]).vmul().vadd().set(acc[r * 2 + v]);
      }
      f.bumpBy(pb, ldb);
    }, rows * 4);
    for (let r = 0; r < rows; r++) {
      f.get(i).i32(r).add().get(ldb).mul().get(C).add().get(j).i32(4).mul().add().set(pc);
      for (let v = 0; v < vecs; v++) {
        f.get(pc).get(acc[r * 2 + v]);
        if (relu) f.zero().vmax();
        f.store(16 * v);
      }
    }
  };

  /** panel[k·4 + r] = A[i + r][k] */
  const pack = (): void => {
    f.get(PANEL).set(dst);
    f.get(i).get(lda).mul().get(A).add().set(src);
    f.get(src).get(lda).add().set(end);
    f.loop(src, end, () => {
      for (let r = 0; r < 4; r++) f.get(dst).get(src).get(lda).i32(r).mul().add().f32Load().f32Store(4 * r);
      f.bump(dst, 16);
    }, 4);
  };

  const columns = (rows: 1 | 4): void => {
    if (rows === 4) pack();
    f.i32(0).set(j);
    f.loop(j, n8, () => tile({ rows, vecs: 2 }), 8);
    f.loop(j, N, () => tile({ rows, vecs: 1 }), 4);
  };
  f.i32(0).set(i);
  f.loop(i, m4, () => columns(4), 4);
  f.loop(i, M, () => columns(1), 1);
  return f;
}

/** C[M×N] = Aᵀ·B, A[R×M], B[R×N]; M and N multiples of 4. */
function matmulTN(): FnWriter {
  const f = new FnWriter('mmTN', [I32, I32, I32, I32, I32, I32]);
  const A = 0, B = 1, C = 2, R = 3, M = 4, N = 5;
  const i = f.local(I32), j = f.local(I32), n8 = f.local(I32), r = f.local(I32);
  const lda = f.local(I32), ldb = f.local(I32), pa = f.local(I32), pb = f.local(I32), pc = f.local(I32);
  const acc = Array.from({ length: 8 }, () => f.local(0x7b));
  const bv = [f.local(0x7b), f.local(0x7b)];
  const a = f.local(0x7b);
  f.get(N).i32(~7).and().set(n8);
  f.get(M).i32(4).mul().set(lda);
  f.get(N).i32(4).mul().set(ldb);
  const tile = (vecs: 1 | 2): void => {
    for (let q = 0; q < 4 * 2; q++) f.zero().set(acc[q]);
    f.get(A).get(i).i32(4).mul().add().set(pa);
    f.get(B).get(j).i32(4).mul().add().set(pb);
    f.i32(0).set(r);
    f.loop(r, R, () => {
      for (let v = 0; v < vecs; v++) f.get(pb).load(16 * v).set(bv[v]);
      for (let q = 0; q < 4; q++) {
        f.get(pa).loadSplat(4 * q).set(a);
        for (let v = 0; v < vecs; v++) f.get(acc[q * 2 + v]).get(a).get(bv[v]).vmul().vadd().set(acc[q * 2 + v]);
      }
      f.bumpBy(pa, lda);
      f.bumpBy(pb, ldb);
    }, 1);
    for (let q = 0; q < 4; q++) {
      f.get(i).i32(q).add().get(ldb).mul().get(C).add().get(j).i32(4).mul().add().set(pc);
      for (let v = 0; v < vecs; v++) f.get(pc).get(acc[q * 2 + v]).store(16 * v);
    }
  };
  f.i32(0).set(i);
  f.loop(i, M, () => {
    f.i32(0).set(j);
    f.loop(j, n8, () => tile(2), 8);
    f.loop(j, N, () => tile(1), 4);
  }, 4);
  return f;
}

function colSum(): FnWriter {
  const f = new FnWriter('colSum', [I32, I32, I32, I32]);
  const D = 0, OUT = 1, R = 2, N = 3;
  const j = f.local(I32), r = f.local(I32), p = f.local(I32), ld = f.local(I32);
  const s = f.local(0x7b);
  f.get(N).i32(4).mul().set(ld);
  f.i32(0).set(j);
  f.loop(j, N, () => {
    f.zero().set(s);
    f.get(D).get(j).i32(4).mul().add().set(p);
    f.i32(0).set(r);
    f.loop(r, R, () => {
      f.get(s).get(p).load().vadd().set(s);
      f.bumpBy(p, ld);
    }, 1);
    f.get(OUT).get(j).i32(4).mul().add().get(s).store();
  }, 4);
  return f;
}

/** d[i] = op(d[i], s[i]) over len floats, 4 at a time. */
function elementwise(exportName: string, op: (f: FnWriter) => void): FnWriter {
  const f = new FnWriter(exportName, [I32, I32, I32]);
  const D = 0, S = 1, LEN = 2;
  const end = f.local(I32);
  f.get(D).get(LEN).i32(4).mul().add().set(end);
  f.loop(D, end, () => {
    f.get(D).get(D).load().get(S).load();
    op(f);
    f.store();
    f.bump(S, 16);
  }, 16);
  return f;
}

function adam(): FnWriter {
  const f = new FnWriter('adam', [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32]);
  const W = 0, G = 1, Mm = 2, Vv = 3, LEN = 4;
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12]; // scale decay b1 c1 b2 c2 lrT eps
  const sv = scalars.map(() => f.local(0x7b));
  const [scale, decay, b1, c1, b2, c2, lrT, eps] = sv;
  const end = f.local(I32);
  const g = f.local(0x7b), m = f.local(0x7b), v = f.local(0x7b);
  scalars.forEach((p, idx) => f.get(p).splat().set(sv[idx]));
  f.get(W).get(LEN).i32(4).mul().add().set(end);
  f.loop(W, end, () => {
    f.get(G).load().get(scale).vmul().get(W).load().get(decay).vmul().vadd().set(g);
    f.get(Mm).get(Mm).load().get(b1).vmul().get(g).get(c1).vmul().vadd().tee(m).store();
    f.get(Vv).get(Vv).load().get(b2).vmul().get(g).get(g).vmul().get(c2).vmul().vadd().tee(v).store();
    f.get(W).get(W).load().get(lrT).get(m).vmul().get(v).vsqrt().get(eps).vadd().vdiv().vsub().store();
    f.bump(G, 16).bump(Mm, 16).bump(Vv, 16);
  }, 16);
  return f;
}

let compiled: WebAssembly.Module | null = null;

/** The kernels' module (compiled once per thread that asks; a worker is sent it instead). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    writeModule(
      [
        matmul('mm', false, false),
        matmul('mmBias', true, false),
        matmul('mmBiasRelu', true, true),
        matmulTN(),
        colSum(),
        elementwise('reluMask', (f) => f.zero().vgt().vand()),
        elementwise('mulInto', (f) => f.vmul()),
        elementwise('addInto', (f) => f.vadd()),
        adam(),
      ],
      { min: 1, max: 65536 },
    ) as BufferSource,
  );
  return compiled;
}

export function instantiateKernels(memory: WebAssembly.Memory, module: WebAssembly.Module = kernelModule()): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as Kernels;
}
