/**
 * A minimal WebAssembly binary writer: just enough (i32/f32 scalars, 128-bit SIMD, structured
 * loops, one imported memory) to emit the training kernels in simd-kernels.ts at run time, so
 * the project ships no compiled binary and needs no C toolchain. Opcodes are from the
 * WebAssembly 2.0 core specification (SIMD: prefix 0xfd, then the opcode as unsigned LEB128).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

export function uleb(n: number, out: number[] = []): number[] {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number, out: number[] = []): number[] {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

/** One function body. Locals are numbered after the params; `local()` adds one. */
export class FnWriter {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(
    readonly exportName: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(i: number): this {
    return this.emit(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.emit(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.emit(0x22, ...uleb(i));
  }
  i32(c: number): this {
    return this.emit(0x41, ...sleb(c | 0));
  }
  f32(c: number): this {
    const b = new Uint8Array(new Float32Array([c]).buffer);
    return this.emit(0x43, ...b);
  }
  simd(op: number, ...imm: number[]): this {
    return this.emit(0xfd, ...uleb(op), ...imm);
  }

  // i32
  add(): this {
    return this.emit(0x6a);
  }
  sub(): this {
    return this.emit(0x6b);
  }
  mul(): this {
    return this.emit(0x6c);
  }
  ltS(): this {
    return this.emit(0x48);
  }
  and(): this {
    return this.emit(0x71);
  }
  /** local[i] += c */
  bump(i: number, c: number): this {
    return this.get(i).i32(c).add().set(i);
  }
  /** local[i] += local[j] */
  bumpBy(i: number, j: number): this {
    return this.get(i).get(j).add().set(i);
  }

  // f32 scalar memory and arithmetic
  f32Load(offset = 0): this {
    return this.emit(0x2a, 2, ...uleb(offset));
  }
  f32Store(offset = 0): this {
    return this.emit(0x38, 2, ...uleb(offset));
  }

  // v128
  load(offset = 0): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  store(offset = 0): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  /** v128.load32_splat: one f32 from memory into all four lanes */
  loadSplat(offset = 0): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  splat(): this {
    return this.simd(0x13);
  }
  zero(): this {
    return this.emit(0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0));
  }
  vadd(): this {
    return this.simd(0xe4);
  }
  vsub(): this {
    return this.simd(0xe5);
  }
  vmul(): this {
    return this.simd(0xe6);
  }
  vdiv(): this {
    return this.simd(0xe7);
  }
  vmax(): this {
    return this.simd(0xe9);
  }
  vsqrt(): this {
    return this.simd(0xe3);
  }
  vgt(): this {
    return this.simd(0x44);
  }
  vand(): this {
    return this.simd(0x4e);
  }

  /**
   * `for (counter = start; counter < end; counter += step) body` with start/end/step as i32
   * locals or constants (a number is a constant, `{ local }` a local). Checked before the first
   * pass, so an empty range runs nothing.
   */
  loop(counter: number, end: number, body: () => void, step: number | { local: number }): this {
    // block { if (counter >= end) break; loop { body; counter += step; if (counter < end) continue } }
    this.emit(0x02, 0x40);
    this.get(counter).get(end).emit(0x4e).emit(0x0d, 0); // i32.ge_s; br_if 0
    this.emit(0x03, 0x40);
    body();
    if (typeof step === 'number') this.bump(counter, step);
    else this.bumpBy(counter, step.local);
    this.get(counter).get(end).ltS().emit(0x0d, 0);
    this.emit(0x0b, 0x0b);
    return this;
  }

  /** if (top of stack != 0) then() else otherwise() */
  ifElse(then: () => void, otherwise?: () => void): this {
    this.emit(0x04, 0x40);
    then();
    if (otherwise) {
      this.emit(0x05);
      otherwise();
    }
    return this.emit(0x0b);
  }

  body(): number[] {
    // Locals as runs of one type.
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const bytes = [...uleb(groups.length)];
    for (const [n, t] of groups) bytes.push(...uleb(n), t);
    bytes.push(...this.code, 0x0b);
    return [...uleb(bytes.length), ...bytes];
  }
}

/** A module of exported functions over one imported shared memory `env.memory`. */
export function writeModule(fns: FnWriter[], memoryPages: { min: number; max: number }): Uint8Array {
  const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const types: number[] = [...uleb(fns.length)];
  for (const f of fns) types.push(0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results);
  // import "env" "memory": shared memory with a maximum (flags 0x03)
  const imports = [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(memoryPages.min), ...uleb(memoryPages.max)];
  const funcs = [...uleb(fns.length), ...fns.flatMap((_, i) => uleb(i))];
  const exports = [...uleb(fns.length), ...fns.flatMap((f, i) => [...name(f.exportName), 0x00, ...uleb(i)])];
  const code = [...uleb(fns.length), ...fns.flatMap((f) => f.body())];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
