import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type ComputeModule = typeof import('./index');

/** A fresh module each time: the backend is chosen once per process (module state). */
async function fresh(backend?: string): Promise<ComputeModule> {
  vi.resetModules();
  if (backend === undefined) delete process.env.PIPEWRIGHT_BACKEND;
  else process.env.PIPEWRIGHT_BACKEND = backend;
  return import('./index');
}

const saved = process.env.PIPEWRIGHT_BACKEND;
beforeEach(() => vi.resetModules());
afterEach(() => {
  if (saved === undefined) delete process.env.PIPEWRIGHT_BACKEND;
  else process.env.PIPEWRIGHT_BACKEND = saved;
});

describe('backend selection', () => {
  it('without tfjs-node installed, chooses wasm with SIMD and says why each better backend did not load', async () => {
    const m = await fresh();
    const c = await m.loadCompute();
    const d = await m.diagnoseCompute();
    expect(d.candidates.map((x) => x.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    expect(c.backend).toBe(d.chosen);
    expect(c.tf.getBackend()).toBe(c.backend === 'tensorflow-gpu' ? 'tensorflow' : c.backend);
    for (const cand of d.candidates.slice(0, d.candidates.findIndex((x) => x.loaded))) {
      expect(cand.loaded).toBe(false);
      expect(cand.reason.length).toBeGreaterThan(10);
      expect(cand.fix).toMatch(/npm install|CUDA|rebuild/);
    }
    if (m.installedVersion('@tensorflow/tfjs-node') === null) {
      expect(d.candidates[1].reason).toMatch(/not installed/);
      expect(c.backend).toBe('wasm');
      expect(d.candidates[2].details?.simd).toBe(true);
    }
  });

  it('PIPEWRIGHT_BACKEND=cpu forces the cpu backend, and records it', async () => {
    const m = await fresh('cpu');
    const c = await m.loadCompute();
    expect(c.backend).toBe('cpu');
    expect(c.tf.getBackend()).toBe('cpu');
    const d = await m.diagnoseCompute();
    expect(d.forced).toBe('cpu');
    expect(d.candidates.filter((x) => x.loaded).map((x) => x.backend)).toEqual(['cpu']);
  });

  it('a forced backend that cannot load fails loudly instead of falling back', async () => {
    const m = await fresh('tensorflow');
    if (m.installedVersion('@tensorflow/tfjs-node') !== null) return;
    await expect(m.loadCompute()).rejects.toThrow(/PIPEWRIGHT_BACKEND=tensorflow could not be loaded.*not installed/);
  });

  it('an unknown PIPEWRIGHT_BACKEND is an error naming the choices', async () => {
    const m = await fresh('gpu');
    await expect(m.loadCompute()).rejects.toThrow(/tensorflow-gpu, tensorflow, wasm, cpu/);
  });

  it('the GPU report names the CUDA libraries tfjs-node-gpu needs', async () => {
    const m = await fresh('cpu');
    const d = await m.diagnoseCompute();
    expect(d.gpu.note).toMatch(/cuDNN/);
    if (!d.gpu.cudnnLibraries.some((l) => l.startsWith('libcudnn.so.8'))) expect(d.gpu.note).toMatch(/libcudnn\.so\.8/);
    expect(d.runtime.modules).toBe(process.versions.modules);
  });
});

describe('pipewright doctor', () => {
  it('prints the chosen backend and the reasons, as text and as JSON, exit 0', async () => {
    await fresh();
    const { main } = await import('../cli/main');
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, isTTY: false, cwd: process.cwd() };
    expect(await main(['doctor'], io)).toBe(0);
    expect(out).toMatch(/compute backend: (wasm|tensorflow|tensorflow-gpu|cpu)/);
    expect(out).toMatch(/tfjs-node-gpu/);
    expect(out).toMatch(/cudnn/i);
    out = '';
    expect(await main(['doctor', '--json'], io)).toBe(0);
    const doc = JSON.parse(out) as { chosen: string; candidates: unknown[]; packages: Record<string, string | null> };
    expect(doc.candidates).toHaveLength(4);
    expect(doc.packages['@tensorflow/tfjs']).toMatch(/^4\./);
    expect(await main(['doctor', '--bogus'], io)).toBe(2);
  });
});

describe('explaining native load failures (GPU and Electron paths this machine cannot exercise)', () => {
  it('a missing package says how to install it, with the CUDA needs for the GPU build', async () => {
    const m = await fresh('cpu');
    const e = Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node-gpu'"), { code: 'MODULE_NOT_FOUND' });
    const r = m.explainNativeFailure('tensorflow-gpu', e);
    expect(r.message).toMatch(/not installed/);
    expect(r.fix).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*CUDA 11\.2.*cuDNN 8\.1/);
  });

  it('a missing cuDNN names the library and the fix', async () => {
    const m = await fresh('cpu');
    const r = m.explainNativeFailure('tensorflow-gpu', new Error('libcudnn.so.8: cannot open shared object file: No such file or directory'));
    expect(r.message).toMatch(/libcudnn\.so\.8/);
    expect(r.fix).toMatch(/libcudnn8/);
  });

  it('an ABI mismatch says how to rebuild', async () => {
    const m = await fresh('cpu');
    const e = new Error("The module 'tfjs_binding.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 108. This version of Node.js requires NODE_MODULE_VERSION 115.");
    const r = m.explainNativeFailure('tensorflow', e);
    expect(r.message).toMatch(/does not match this runtime.*ABI 115/);
    expect(r.fix).toMatch(process.versions.electron ? /@electron\/rebuild/ : /npm rebuild @tensorflow\/tfjs-node/);
  });
});
