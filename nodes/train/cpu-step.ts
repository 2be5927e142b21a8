/**
 * The training step on the CPU: forward and backward pass and Adam in the SIMD kernels of
 * simd-kernels.ts, over one shared WebAssembly memory, data-parallel across threads.
 *
 * A batch is cut into chunks whose size depends only on the batch size (never on the number of
 * threads). Each chunk's gradient is computed into its own slot and the slots are summed in
 * chunk order, so the result is bit-for-bit the same on 1 thread or 8: threads only decide who
 * computes which chunks. The thread that owns the training (the "main" thread) wakes the helpers
 * (Atomics on a control word); every thread claims chunks until none is left, gathering its
 * chunks' rows itself, so a helper the OS does not schedule in time costs a share, not a stall.
 * The main thread then sums the gradients and runs one Adam update that every thread sees in
 * the shared memory.
 *
 * Layout: every matrix is row-major with its columns padded to a multiple of 4 floats; padding
 * is zero in the weights and stays zero through training (its gradients are zero).
 */
import type { Activation, NetworkSpec, OutputKind, Weights } from './network';
import { instantiateKernels, kernelModule, type Kernels } from './simd-kernels';

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
/** 64 KiB */
const PAGE = 65536;
/** Chunks per full batch at most: the most threads a step can use. */
export const MAX_CHUNKS = 8;
const MIN_CHUNK_ROWS = 32;

const pad4 = (n: number): number => (n + 3) & ~3;

export interface ThreadScratch {
  /** per hidden layer: activation outputs (chunkRows × width) */
  acts: number[];
  /** per hidden layer: after dropout (only with dropout; else the same as acts) */
  ins: number[];
  deltaA: number;
  deltaB: number;
  panel: number;
}

/** Where everything lives in the shared memory (byte offsets); plain data, sent to helpers. */
export interface StepLayout {
  spec: NetworkSpec;
  batch: number;
  chunkRows: number;
  threads: number;
  sizes: number[];
  widths: number[];
  /** one region for every parameter, per layer W (in × out) then b (out) */
  params: number;
  paramFloats: number;
  /** offset of W_l and b_l inside a params-shaped region, in bytes */
  wOff: number[];
  bOff: number[];
  /** per layer l ≥ 1: W_l transposed (out × in), for the backward pass */
  wT: number[];
  adamM: number;
  adamV: number;
  /** per chunk: a params-shaped gradient region */
  grads: number[];
  bx: number;
  by: number;
  pred: number;
  /** per hidden layer: batch × width dropout multipliers (none without dropout) */
  masks: number[];
  scratch: ThreadScratch[];
  bytes: number;
}

/** Rows per chunk for a batch size: a multiple of 4, at least 32, at most MAX_CHUNKS chunks. */
export function chunkRowsFor(batch: number): number {
  return Math.max(MIN_CHUNK_ROWS, pad4(Math.ceil(batch / MAX_CHUNKS)));
}

export function chunksFor(batch: number): number {
  return Math.ceil(batch / chunkRowsFor(batch));
}

export function planLayout(spec: NetworkSpec, batch: number, threads: number, dropout: boolean): StepLayout {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  const widths = sizes.map(pad4);
  const L = sizes.length - 1;
  let at = 0;
  const take = (floats: number): number => {
    const p = at;
    at += pad4(floats) * 4;
    return p;
  };
  const wOff: number[] = [];
  const bOff: number[] = [];
  let paramFloats = 0;
  for (let l = 0; l < L; l++) {
    wOff.push(paramFloats * 4);
    paramFloats += widths[l] * widths[l + 1];
    bOff.push(paramFloats * 4);
    paramFloats += widths[l + 1];
  }
  const chunkRows = chunkRowsFor(batch);
  const chunks = Math.ceil(batch / chunkRows);
  const maxWidth = Math.max(...widths);
  const params = take(paramFloats);
  const wT = [-1];
  for (let l = 1; l < L; l++) wT.push(take(widths[l] * widths[l + 1]));
  const adamM = take(paramFloats);
  const adamV = take(paramFloats);
  const grads = Array.from({ length: chunks }, () => take(paramFloats));
  const bx = take(batch * widths[0]);
  const by = take(batch * widths[L]);
  const pred = take(batch * widths[L]);
  const masks = dropout ? spec.hidden.map((_, l) => take(batch * widths[l + 1])) : [];
  const scratch: ThreadScratch[] = [];
  for (let t = 0; t < threads; t++) {
    const acts = spec.hidden.map((_, l) => take(chunkRows * widths[l + 1]));
    const ins = dropout ? spec.hidden.map((_, l) => take(chunkRows * widths[l + 1])) : acts;
    scratch.push({ acts, ins, deltaA: take(chunkRows * maxWidth), deltaB: take(chunkRows * maxWidth), panel: take(4 * maxWidth) });
  }
  return { spec, batch, chunkRows, threads, sizes, widths, params, paramFloats, wOff, bOff, wT, adamM, adamV, grads, bx, by, pred, masks, scratch, bytes: at };
}

export function createStepMemory(layout: StepLayout): WebAssembly.Memory {
  const pages = Math.max(1, Math.ceil(layout.bytes / PAGE));
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

function activate(f: Float32Array, at: number, rows: number, width: number, units: number, act: Activation): void {
  if (act === 'relu' || act === 'linear') return;
  for (let r = 0; r < rows; r++) {
    const o = at + r * width;
    for (let c = o; c < o + units; c++) {
      const z = f[c];
      switch (act) {
        case 'tanh':
          f[c] = Math.tanh(z);
          break;
        case 'sigmoid':
          f[c] = 1 / (1 + Math.exp(-z));
          break;
        case 'elu':
          f[c] = z > 0 ? z : Math.expm1(z);
          break;
        case 'selu':
          f[c] = z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * Math.expm1(z);
          break;
      }
    }
  }
}

/** d *= dAct/dz, from the activation's output h (relu is the kernel's reluMask). */
function activationGrad(f: Float32Array, d: number, h: number, rows: number, width: number, units: number, act: Activation): void {
  for (let r = 0; r < rows; r++) {
    const od = d + r * width;
    const oh = h + r * width;
    for (let c = 0; c < units; c++) {
      const y = f[oh + c];
      let g: number;
      switch (act) {
        case 'tanh':
          g = 1 - y * y;
          break;
        case 'sigmoid':
          g = y * (1 - y);
          break;
        case 'elu':
          g = y > 0 ? 1 : y + 1;
          break;
        case 'selu':
          g = y > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA;
          break;
        default:
          g = 1;
      }
      f[od + c] *= g;
    }
  }
}

/** p = output activation of z, in place, on the real columns of each row. */
function outputActivation(f: Float32Array, at: number, rows: number, width: number, k: number, output: OutputKind): void {
  if (output === 'linear') return;
  for (let r = 0; r < rows; r++) {
    const o = at + r * width;
    if (output === 'sigmoid') {
      f[o] = 1 / (1 + Math.exp(-f[o]));
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, f[o + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(f[o + c] - max);
      f[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) f[o + c] /= sum;
  }
}

/**
 * The training rows as every thread reads them: on SharedArrayBuffers when helpers take part,
 * so each thread gathers its own chunks' rows. `order` is the epoch's row order; `losses` the
 * per-chunk sums of the loss.
 */
export interface StepData {
  x: Float32Array;
  y: Float32Array;
  f: number;
  order: Uint32Array;
  losses: Float64Array;
}

const EPS = 1e-7;

/**
 * Computes the gradients of the chunks one thread owns. Used by the main thread and by every
 * helper, each over its own scratch region.
 */
export class ChunkRunner {
  private readonly f: Float32Array;
  /** keeps the prefetching loads of gather() from being optimised away */
  touched = 0;

  constructor(
    private readonly k: Kernels,
    memory: WebAssembly.Memory,
    private readonly layout: StepLayout,
    private readonly thread: number,
    private readonly data: StepData,
  ) {
    this.f = new Float32Array(memory.buffer);
  }

  /** Every chunk of a step over order[start, start + rows), on this thread alone. */
  runAll(start: number, rows: number): void {
    const chunks = Math.ceil(rows / this.layout.chunkRows);
    for (let c = 0; c < chunks; c++) this.runChunk(c, start, rows);
  }

  /**
   * Claims chunks of the step tagged `tag` until none is left (work sharing: a thread that is
   * late, or not scheduled at all on a busy machine, just claims fewer). Each finished chunk
   * counts in FINISHED.
   */
  claim(ctl: Int32Array, tag: number, start: number, rows: number, onError: (message: string) => void): void {
    const chunks = Math.ceil(rows / this.layout.chunkRows);
    for (;;) {
      const v = Atomics.load(ctl, CLAIM);
      if ((v & ~0xff) !== tag || (v & 0xff) >= chunks) return;
      if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
      try {
        this.runChunk(v & 0xff, start, rows);
      } catch (e) {
        Atomics.store(ctl, FAILED, 1);
        onError(e instanceof Error ? e.message : String(e));
      }
      Atomics.add(ctl, FINISHED, 1);
      Atomics.notify(ctl, FINISHED);
    }
  }

  private runChunk(c: number, start: number, rows: number): void {
    const r0 = c * this.layout.chunkRows;
    const R = Math.min(this.layout.chunkRows, rows - r0);
    this.gather(start + r0, r0, R);
    this.chunk(c, r0, R);
  }

  /** Inputs and targets (one-hot for softmax) of batch rows r0.. from order[at..]. */
  private gather(at: number, r0: number, R: number): void {
    const { f, layout, data } = this;
    const { x, y, order } = data;
    const nf = data.f;
    const w = layout.widths[0];
    const wk = layout.widths[layout.widths.length - 1];
    const bx = layout.bx / 4 + r0 * w;
    const by = layout.by / 4 + r0 * wk;
    const softmax = layout.spec.output === 'softmax';
    if (softmax) f.fill(0, by, by + R * wk);
    // The rows are scattered over the whole table: a first pass of independent loads lets the
    // CPU fetch many rows' cache lines at once (the copy loop alone waits for one row at a time).
    let touch = 0;
    for (let r = 0; r < R; r++) {
      const s = order[at + r] * nf;
      touch += x[s] + x[s + nf - 1];
    }
    this.touched = touch;
    for (let r = 0; r < R; r++) {
      const i = order[at + r];
      const s = i * nf;
      const o = bx + r * w;
      for (let c = 0; c < nf; c++) f[o + c] = x[s + c];
      if (softmax) f[by + r * wk + y[i]] = 1;
      else f[by + r * wk] = y[i];
    }
  }

  /** Σ loss over the chunk's rows, as lossOf (network.ts) computes it. */
  private chunkLoss(p: number, yAt: number, R: number, wk: number, k: number): number {
    const { f } = this;
    const output = this.layout.spec.output;
    let loss = 0;
    for (let r = 0; r < R; r++) {
      const o = p + r * wk;
      const t = yAt + r * wk;
      if (output === 'sigmoid') {
        const q = Math.min(1 - EPS, Math.max(EPS, f[o]));
        loss -= f[t] === 1 ? Math.log(q) : Math.log(1 - q);
      } else if (output === 'softmax') {
        for (let c = 0; c < k; c++) if (f[t + c] === 1) loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, f[o + c])));
      } else {
        const d = f[o] - f[t];
        loss += d * d;
      }
    }
    return loss;
  }

  private chunk(c: number, r0: number, R: number): void {
    const { k, f, layout } = this;
    const { spec, widths, sizes, params, wOff, bOff, wT, masks } = layout;
    const s = layout.scratch[this.thread];
    const L = widths.length - 1;
    const act = spec.activation;
    const ins: number[] = [layout.bx + r0 * widths[0] * 4];
    for (let l = 0; l < L - 1; l++) {
      const h = s.acts[l];
      const W = params + wOff[l];
      const b = params + bOff[l];
      if (act === 'relu') k.mmBiasRelu(ins[l], W, h, b, R, widths[l], widths[l + 1], s.panel);
      else {
        k.mmBias(ins[l], W, h, b, R, widths[l], widths[l + 1], s.panel);
        activate(f, h / 4, R, widths[l + 1], sizes[l + 1], act);
      }
      if (masks.length) {
        const n = R * widths[l + 1];
        f.copyWithin(s.ins[l] / 4, h / 4, h / 4 + n);
        k.mulInto(s.ins[l], masks[l] + r0 * widths[l + 1] * 4, n);
        ins.push(s.ins[l]);
      } else ins.push(h);
    }
    const wk = widths[L];
    const out = layout.pred + r0 * wk * 4;
    k.mmBias(ins[L - 1], params + wOff[L - 1], out, params + bOff[L - 1], R, widths[L - 1], wk, s.panel);
    outputActivation(f, out / 4, R, wk, sizes[L], spec.output);
    // delta = p - y on the real columns; padding stays zero
    let delta = s.deltaA;
    let spare = s.deltaB;
    {
      const d = delta / 4;
      const p = out / 4;
      const y = (layout.by + r0 * wk * 4) / 4;
      const kk = sizes[L];
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < wk; j++) f[d + r * wk + j] = j < kk ? f[p + r * wk + j] - f[y + r * wk + j] : 0;
      }
      this.data.losses[c] = this.chunkLoss(p, y, R, wk, kk);
    }
    const g = layout.grads[c];
    for (let l = L - 1; l >= 0; l--) {
      k.mmTN(ins[l], delta, g + wOff[l], R, widths[l], widths[l + 1]);
      k.colSum(delta, g + bOff[l], R, widths[l + 1]);
      if (l === 0) break;
      k.mm(delta, wT[l], spare, R, widths[l + 1], widths[l], s.panel);
      const n = R * widths[l];
      if (masks.length) k.mulInto(spare, masks[l - 1] + r0 * widths[l] * 4, n);
      if (act === 'relu') k.reluMask(spare, s.acts[l - 1], n);
      else if (act !== 'linear') activationGrad(f, spare / 4, s.acts[l - 1] / 4, R, widths[l], sizes[l], act);
      [delta, spare] = [spare, delta];
    }
  }
}

/** What a helper thread is sent: the kernels' module, the memory, the control words, the layout. */
export interface StepHelperInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  layout: StepLayout;
  data: StepData;
}

// control words (Int32)
const GEN = 0;
const CMD = 1;
const ROWS = 2;
const START = 3;
/** the step's tag (its generation << 8) | the next chunk to claim */
const CLAIM = 4;
const FINISHED = 5;
const FAILED = 6;
const CMD_STEP = 1;
const CMD_QUIT = 2;
const tagOf = (gen: number): number => (gen & 0x7fffff) << 8;

/** A helper thread's side: instantiate, then serve steps until told to quit (blocks its thread). */
export class StepServer {
  private readonly runner: ChunkRunner;
  private readonly ctl: Int32Array;

  constructor(init: StepHelperInit, thread: number) {
    this.runner = new ChunkRunner(instantiateKernels(init.memory, init.module), init.memory, init.layout, thread, init.data);
    this.ctl = new Int32Array(init.control);
  }

  serve(onError: (message: string) => void): void {
    const { ctl } = this;
    let seen = 0;
    for (;;) {
      Atomics.wait(ctl, GEN, seen);
      const gen = Atomics.load(ctl, GEN);
      if (gen === seen) continue;
      seen = gen;
      if (Atomics.load(ctl, CMD) === CMD_QUIT) return;
      // START and ROWS were written before GEN; a claim checks the tag, so a helper that reads
      // them and only then gets to claim, after the step ended, claims nothing
      this.runner.claim(ctl, tagOf(gen), Atomics.load(ctl, START), Atomics.load(ctl, ROWS), onError);
    }
  }
}

/** Helper threads as the host starts them (main/compute/step-helpers.ts). */
export interface StepHelpers {
  /** the first error a helper reported or its exit, once the event loop has seen it */
  failure(): string | null;
  close(): Promise<void>;
}

export type StartStepHelpers = (count: number, init: StepHelperInit) => Promise<StepHelpers>;

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The same floats on a SharedArrayBuffer (no copy when they already are). */
function shared<T extends Float32Array | Uint32Array>(a: T, make: (buf: SharedArrayBuffer) => T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * The main thread's side of the CPU trainer: owns the parameters and Adam state in the shared
 * memory, sets each epoch's row order, runs steps.
 */
export class CpuTrainer {
  readonly layout: StepLayout;
  private readonly memory: WebAssembly.Memory;
  private readonly k: Kernels;
  private readonly f: Float32Array;
  private readonly ctl: Int32Array;
  private readonly runner: ChunkRunner;
  private readonly data: StepData;
  private helpers: StepHelpers | null = null;
  private t = 0;

  private constructor(
    spec: NetworkSpec,
    batch: number,
    data: { x: Float32Array; y: Float32Array; f: number; n: number },
    readonly threads: number,
    dropout: boolean,
    private readonly lr: number,
    private readonly l2: number,
  ) {
    this.layout = planLayout(spec, batch, threads, dropout);
    this.memory = createStepMemory(this.layout);
    this.k = instantiateKernels(this.memory);
    this.f = new Float32Array(this.memory.buffer);
    this.ctl = new Int32Array(new SharedArrayBuffer(8 * 4));
    Atomics.store(this.ctl, CLAIM, -256);
    const many = threads > 1;
    this.data = {
      x: many ? shared(data.x, (b) => new Float32Array(b)) : data.x,
      y: many ? shared(data.y, (b) => new Float32Array(b)) : data.y,
      f: data.f,
      order: many ? new Uint32Array(new SharedArrayBuffer(data.n * 4)) : new Uint32Array(0),
      losses: new Float64Array(many ? new SharedArrayBuffer(MAX_CHUNKS * 8) : new ArrayBuffer(MAX_CHUNKS * 8)),
    };
    this.runner = new ChunkRunner(this.k, this.memory, this.layout, 0, this.data);
  }

  /**
   * threads > 1 needs `start`; helpers are started here and stopped by close(). The rows are
   * shared with the helpers, copied onto a SharedArrayBuffer unless they already are one.
   */
  static async create(
    spec: NetworkSpec,
    batch: number,
    data: { x: Float32Array; y: Float32Array; f: number; n: number },
    opts: { threads: number; dropout: boolean; learningRate: number; l2: number; start?: StartStepHelpers },
  ): Promise<CpuTrainer> {
    const threads = opts.start ? Math.max(1, Math.min(opts.threads, chunksFor(batch))) : 1;
    const trainer = new CpuTrainer(spec, batch, data, threads, opts.dropout, opts.learningRate, opts.l2);
    if (threads > 1 && opts.start) {
      trainer.helpers = await opts.start(threads - 1, {
        module: kernelModule(),
        memory: trainer.memory,
        control: trainer.ctl.buffer as SharedArrayBuffer,
        layout: trainer.layout,
        data: trainer.data,
      });
    }
    return trainer;
  }

  /** The row order of the next epoch (indices into the rows). */
  setOrder(order: Uint32Array): void {
    if (this.threads > 1) this.data.order.set(order);
    else this.data.order = order;
  }

  setWeights(weights: Weights): void {
    const { f, layout } = this;
    const { sizes, widths, params, wOff, bOff } = layout;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = weights[2 * l];
      const at = (params + wOff[l]) / 4;
      for (let i = 0; i < sizes[l]; i++) f.set(w.subarray(i * sizes[l + 1], (i + 1) * sizes[l + 1]), at + i * widths[l + 1]);
      f.set(weights[2 * l + 1], (params + bOff[l]) / 4);
    }
    this.transposeWeights();
  }

  /** Unpadded copies of params-shaped floats at `base` (the parameters, or a gradient slot). */
  private unpad(base: number): Weights {
    const { f, layout } = this;
    const { sizes, widths, wOff, bOff } = layout;
    const out: Weights = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = new Float32Array(sizes[l] * sizes[l + 1]);
      const at = (base + wOff[l]) / 4;
      for (let i = 0; i < sizes[l]; i++) w.set(f.subarray(at + i * widths[l + 1], at + i * widths[l + 1] + sizes[l + 1]), i * sizes[l + 1]);
      out.push(w, f.slice((base + bOff[l]) / 4, (base + bOff[l]) / 4 + sizes[l + 1]));
    }
    return out;
  }

  /** The parameters, unpadded, in the model's layout. */
  weights(): Weights {
    return this.unpad(this.layout.params);
  }

  /** Gradients of the last step, summed over its rows, unpadded (for tests). */
  gradients(): Weights {
    return this.unpad(this.layout.grads[0]);
  }

  /** Predictions of the last step, rows × outputs (for tests). */
  predictions(rows: number): Float32Array {
    const { f, layout } = this;
    const wk = layout.widths[layout.widths.length - 1];
    const k = layout.spec.outputs;
    const out = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) out[r * k + c] = f[layout.pred / 4 + r * wk + c];
    return out;
  }

  private transposeWeights(): void {
    const { f, layout } = this;
    const { widths, params, wOff, wT } = layout;
    for (let l = 1; l < widths.length - 1; l++) {
      const src = (params + wOff[l]) / 4;
      const dst = wT[l] / 4;
      const rows = widths[l];
      const cols = widths[l + 1];
      for (let i = 0; i < rows; i++) {
        const o = src + i * cols;
        for (let j = 0; j < cols; j++) f[dst + j * rows + i] = f[o + j];
      }
    }
  }

  /** Dropout multipliers for hidden layer `l`, row-major rows × units (from the caller's RNG). */
  maskView(l: number, rows: number): { view: Float32Array; width: number } {
    const w = this.layout.widths[l + 1];
    return { view: this.f.subarray(this.layout.masks[l] / 4, this.layout.masks[l] / 4 + rows * w), width: w };
  }

  /**
   * Forward and backward over order[start, start + rows): every chunk's gradient, summed in chunk
   * order. Returns Σ loss over the rows.
   */
  async computeGradients(start: number, rows: number, yieldToEvents: () => Promise<void> = defaultYield): Promise<number> {
    const { ctl, helpers } = this;
    if (!helpers) this.runner.runAll(start, rows);
    else {
      const gen = Atomics.load(ctl, GEN) + 1;
      const chunks = Math.ceil(rows / this.layout.chunkRows);
      Atomics.store(ctl, START, start);
      Atomics.store(ctl, ROWS, rows);
      Atomics.store(ctl, CMD, CMD_STEP);
      Atomics.store(ctl, FINISHED, 0);
      Atomics.store(ctl, CLAIM, tagOf(gen));
      Atomics.store(ctl, GEN, gen);
      Atomics.notify(ctl, GEN);
      let failure: string | null = null;
      this.runner.claim(ctl, tagOf(gen), start, rows, (m) => void (failure ??= m));
      for (let done = Atomics.load(ctl, FINISHED); done < chunks; done = Atomics.load(ctl, FINISHED)) {
        // A helper that died cannot say so while this thread blocks: let the events in now and then.
        if (Atomics.wait(ctl, FINISHED, done, 200) === 'timed-out') {
          await yieldToEvents();
          failure ??= helpers.failure();
          if (failure) break;
        }
      }
      if (failure || Atomics.load(ctl, FAILED)) {
        await yieldToEvents();
        throw new Error(`a training thread failed: ${failure ?? helpers.failure() ?? 'unknown error'}`);
      }
    }
    const chunks = Math.ceil(rows / this.layout.chunkRows);
    const { grads, paramFloats } = this.layout;
    let loss = this.data.losses[0];
    for (let c = 1; c < chunks; c++) {
      this.k.addInto(grads[0], grads[c], paramFloats);
      loss += this.data.losses[c];
    }
    return loss;
  }

  /** One Adam update from the summed gradients; `scale` turns sums into means. */
  applyAdam(scale: number): void {
    const { k, layout } = this;
    const { sizes, widths, params, wOff, bOff, adamM, adamV } = layout;
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.t++;
    const lrT = (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const g = layout.grads[0];
    // Only weight matrices are penalised, as Keras' kernel regularizer does.
    const decay = this.l2 > 0 ? 2 * this.l2 : 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      k.adam(params + wOff[l], g + wOff[l], adamM + wOff[l], adamV + wOff[l], widths[l] * widths[l + 1], scale, decay, beta1, 1 - beta1, beta2, 1 - beta2, lrT, 1e-7);
      k.adam(params + bOff[l], g + bOff[l], adamM + bOff[l], adamV + bOff[l], widths[l + 1], scale, 0, beta1, 1 - beta1, beta2, 1 - beta2, lrT, 1e-7);
    }
    this.transposeWeights();
  }

  async close(): Promise<void> {
    const { ctl, helpers } = this;
    this.helpers = null;
    if (!helpers) return;
    Atomics.store(ctl, CMD, CMD_QUIT);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    await helpers.close();
  }
}
