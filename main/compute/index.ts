/**
 * Chooses the TensorFlow.js backend: tfjs-node-gpu, then tfjs-node (optional dependencies that
 * may not be installed), then wasm, then cpu. The choice is never silent: `loadCompute()` returns
 * the backend's name (the engine records it with every run) and `diagnoseCompute()` says why each
 * better candidate did not load, which is what `pipewright doctor` prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendName, Compute } from '../../nodes/types';
import { createParallelRunner, parallelism, workerEntryFor } from './parallel';
import { startStepHelpers } from './step-helpers';

type Tf = typeof import('@tensorflow/tfjs');

export const BACKEND_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs (built in)',
};

export interface CandidateReport {
  backend: BackendName;
  package: string;
  loaded: boolean;
  /** why it did not load, or a note on how it runs */
  reason: string;
  /** what to do about it */
  fix?: string;
  details?: Record<string, string | number | boolean>;
}

export interface ComputeDiagnosis {
  chosen: BackendName | null;
  forced: BackendName | null;
  candidates: CandidateReport[];
  gpu: { name: string | null; cudaLibraries: string[]; cudnnLibraries: string[]; note: string };
  runtime: { node: string; modules: string; electron: string | null; platform: string; arch: string };
}

export class BackendUnavailable extends Error {
  constructor(message: string, readonly fix?: string, readonly details?: Record<string, string | number | boolean>) {
    super(message);
  }
}

function forcedBackend(): BackendName | null {
  const v = process.env.PIPEWRIGHT_BACKEND?.trim();
  if (!v) return null;
  if ((BACKEND_ORDER as string[]).includes(v)) return v as BackendName;
  throw new Error(`PIPEWRIGHT_BACKEND=${v} is not a backend: use one of ${BACKEND_ORDER.join(', ')}`);
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message).split('\n')[0];
  return String(e);
}

/** Shared libraries the dynamic loader knows, e.g. from `ldconfig -p`. */
function sharedLibraries(pattern: RegExp): string[] {
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const names = new Set<string>();
    for (const line of out.split('\n')) {
      const m = /^\s*(\S+)\s/.exec(line);
      if (m && pattern.test(m[1])) names.add(m[1]);
    }
    return [...names].sort();
  } catch {
    return [];
  }
}

function gpuName(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    const names = out.split('\n').map((s) => s.trim()).filter(Boolean);
    return names.length ? names.join(', ') : null;
  } catch {
    return null;
  }
}

function resolvePackageDir(pkg: string): string | null {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
}

/** The ABI (NODE_MODULE_VERSION) a native addon was built for, read from its folder name. */
function addonAbi(pkgDir: string): string | null {
  // tfjs-node installs its binding under lib/napi-v<N>/; napi addons are ABI-stable across Node
  // versions but the TensorFlow shared library still has to load in Electron's process.
  try {
    const lib = join(pkgDir, 'lib');
    const dirs = readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d));
    return dirs.length ? dirs.join(',') : null;
  } catch {
    return null;
  }
}

function electronVersion(): string | null {
  return process.versions.electron ?? null;
}

const GPU_FIX =
  'tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8) on the loader path: ' +
  'install them (NVIDIA\'s cuda-runtime-11-2 and libcudnn8=8.1.*) and run `sudo ldconfig`, or point LD_LIBRARY_PATH at them';

/** Turns a failed import of tfjs-node(-gpu) into a reason and a fix (exported for tests). */
export function explainNativeFailure(backend: 'tensorflow-gpu' | 'tensorflow', e: unknown): BackendUnavailable {
  const pkg = PACKAGE[backend];
  const text = message(e);
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
  if ((code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && text.includes(pkg)) {
    return new BackendUnavailable(`${pkg} is not installed (it is an optional dependency)`, `npm install ${pkg}@4.22.0 (its install downloads libtensorflow, so it needs internet)${backend === 'tensorflow-gpu' ? `; ${GPU_FIX}` : ''}`);
  }
  const electron = electronVersion();
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF header|undefined symbol/i.test(text)) {
    const dir = resolvePackageDir(pkg);
    return new BackendUnavailable(
      `${pkg}'s native addon does not match this runtime (${electron ? `Electron ${electron}, ` : ''}ABI ${process.versions.modules}${dir ? `; addon built as ${addonAbi(dir) ?? 'unknown'}` : ''}): ${text}`,
      electron
        ? `rebuild it for Electron: npx @electron/rebuild -f -w ${pkg} (or npm rebuild ${pkg} --runtime=electron --target=${electron} --dist-url=https://electronjs.org/headers)`
        : `npm rebuild ${pkg}`,
      { runtimeAbi: process.versions.modules },
    );
  }
  if (/libcudnn|libcudart|libcublas|libcufft|libcurand|libcusolver|libcusparse|cuda/i.test(text)) {
    return new BackendUnavailable(`${pkg} loaded but its CUDA libraries did not: ${text}`, GPU_FIX);
  }
  return new BackendUnavailable(`${pkg} failed to load: ${text}`);
}

async function loadNative(tf: Tf, backend: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  const pkg = PACKAGE[backend];
  if (backend === 'tensorflow-gpu') {
    // Checked before importing: tfjs-node-gpu without cuDNN aborts or falls back to its CPU
    // kernels with only a log line, which is exactly the silent fallback we must not make.
    if (resolvePackageDir(pkg) === null) throw new BackendUnavailable(`${pkg} is not installed (it is an optional dependency)`, `npm install ${pkg}@4.22.0 (its install downloads libtensorflow, so it needs internet); ${GPU_FIX}`);
    const cudnn = sharedLibraries(/^libcudnn\.so\.8/);
    const cudart = sharedLibraries(/^libcudart\.so\.11/);
    if (!process.env.LD_LIBRARY_PATH && (cudnn.length === 0 || cudart.length === 0)) {
      const missing = [cudart.length ? null : 'libcudart.so.11.0 (CUDA 11.2)', cudnn.length ? null : 'libcudnn.so.8 (cuDNN 8.1)'].filter(Boolean);
      throw new BackendUnavailable(`the CUDA libraries it needs are missing: ${missing.join(', ')}`, GPU_FIX);
    }
  }
  try {
    await import(/* @vite-ignore */ pkg);
  } catch (e) {
    throw explainNativeFailure(backend, e);
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok || tf.getBackend() !== 'tensorflow') throw new BackendUnavailable(`${pkg} was imported but tf.setBackend('tensorflow') failed`);
  if (backend === 'tensorflow-gpu') {
    // Both packages register the same backend name; only a GPU device proves the GPU build.
    const gpu = gpuName();
    if (!gpu) throw new BackendUnavailable('tfjs-node-gpu loaded, but no NVIDIA GPU answers nvidia-smi', 'install the NVIDIA driver, or use @tensorflow/tfjs-node');
  }
}

let wasmSetUp = false;

async function loadWasm(tf: Tf): Promise<Record<string, string | number | boolean>> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = resolvePackageDir('@tensorflow/tfjs-backend-wasm');
  const dist = dir ? join(dir, 'dist') : null;
  if (!wasmSetUp) {
    if (dist && existsSync(join(dist, 'tfjs-backend-wasm-simd.wasm'))) wasm.setWasmPaths(`${dist}/`);
    wasmSetUp = true;
  }
  // setBackend resolves false (and leaves the previous backend active) when the .wasm binary
  // cannot be fetched or compiled; that must not pass for success.
  const ok = await tf.setBackend('wasm');
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new BackendUnavailable(`tf.setBackend('wasm') failed${dist ? ` (binaries looked up in ${dist})` : ''}`, 'reinstall @tensorflow/tfjs-backend-wasm');
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  let threadCount: number;
  try {
    threadCount = wasm.getThreadsCount();
  } catch {
    threadCount = 1;
  }
  return { simd, threads, threadCount };
}

async function tryLoad(tf: Tf, backend: BackendName): Promise<Record<string, string | number | boolean>> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      await loadNative(tf, backend);
      return {};
    case 'wasm':
      return loadWasm(tf);
    case 'cpu': {
      const ok = await tf.setBackend('cpu');
      if (!ok) throw new BackendUnavailable("tf.setBackend('cpu') failed");
      return {};
    }
  }
}

let loading: Promise<{ compute: Compute; diagnosis: Diagnosis }> | null = null;

type Diagnosis = Omit<ComputeDiagnosis, 'gpu'>;

async function load(): Promise<{ compute: Compute; diagnosis: Diagnosis }> {
  const tf = await import('@tensorflow/tfjs');
  const forced = forcedBackend();
  const candidates: CandidateReport[] = [];
  let chosen: BackendName | null = null;
  for (const backend of BACKEND_ORDER) {
    if (chosen) {
      candidates.push({ backend, package: PACKAGE[backend], loaded: false, reason: `not tried: ${chosen} loaded first` });
      continue;
    }
    if (forced && backend !== forced) {
      candidates.push({ backend, package: PACKAGE[backend], loaded: false, reason: `skipped: PIPEWRIGHT_BACKEND=${forced}` });
      continue;
    }
    try {
      const details = await tryLoad(tf, backend);
      chosen = backend;
      candidates.push({ backend, package: PACKAGE[backend], loaded: true, reason: note(backend, details), details });
    } catch (e) {
      const b = e instanceof BackendUnavailable ? e : new BackendUnavailable(message(e));
      candidates.push({ backend, package: PACKAGE[backend], loaded: false, reason: b.message, fix: b.fix, details: b.details });
    }
  }
  // The GPU report (ldconfig, nvidia-smi) is left to diagnoseCompute: runs do not pay for it.
  const diagnosis: Diagnosis = {
    chosen,
    forced,
    candidates,
    runtime: {
      node: process.version,
      modules: process.versions.modules,
      electron: electronVersion(),
      platform: process.platform,
      arch: process.arch,
    },
  };
  if (!chosen) {
    const why = candidates.map((c) => `${c.backend}: ${c.reason}`).join('; ');
    throw new Error(forced ? `PIPEWRIGHT_BACKEND=${forced} could not be loaded: ${why}` : `no TensorFlow.js backend loaded: ${why}`);
  }
  tf.enableProdMode();
  return { compute: { backend: chosen, tf, parallel: createParallelRunner(chosen), cores: parallelism(), startStepHelpers: workerEntryFor('step-worker') ? startStepHelpers : undefined }, diagnosis };
}

function note(backend: BackendName, details: Record<string, string | number | boolean>): string {
  // Training steps on wasm and cpu do not run in TensorFlow.js but in Pipewright's own kernels.
  const step = `; training steps run in Pipewright's WebAssembly SIMD kernels on up to ${parallelism()} thread${parallelism() > 1 ? 's' : ''}`;
  if (backend === 'wasm') {
    return `loaded: SIMD ${details.simd ? 'on' : 'off'}, threads ${details.threads ? `on (${details.threadCount})` : 'off (TensorFlow.js disables wasm threads under Node.js)'}${step}`;
  }
  if (backend === 'cpu') return `loaded: plain JavaScript kernels (slowest, for prediction)${step}`;
  return 'loaded';
}

function gpuReport(): ComputeDiagnosis['gpu'] {
  const name = gpuName();
  const cudaLibraries = sharedLibraries(/^libcudart\.so/);
  const cudnnLibraries = sharedLibraries(/^libcudnn\.so/);
  const hasCuda11 = cudaLibraries.some((l) => /^libcudart\.so\.11/.test(l));
  const hasCudnn8 = cudnnLibraries.some((l) => /^libcudnn\.so\.8/.test(l));
  const parts = [
    name ? `GPU: ${name}` : 'no NVIDIA GPU found (nvidia-smi absent or failing)',
    cudaLibraries.length ? `CUDA runtime: ${cudaLibraries.join(', ')}${hasCuda11 ? '' : ' — tfjs-node-gpu 4.x needs libcudart.so.11.0 (CUDA 11.2)'}` : 'CUDA runtime: missing (libcudart.so.11.0)',
    cudnnLibraries.length ? `cuDNN: ${cudnnLibraries.join(', ')}${hasCudnn8 ? '' : ' — tfjs-node-gpu 4.x needs libcudnn.so.8 (cuDNN 8.1)'}` : 'cuDNN: missing (libcudnn.so.8)',
  ];
  return { name, cudaLibraries, cudnnLibraries, note: parts.join('; ') };
}

/** The compute backend for this process, loaded once (the best one, or PIPEWRIGHT_BACKEND's). */
export async function loadCompute(): Promise<Compute> {
  loading ??= load();
  try {
    return (await loading).compute;
  } catch (e) {
    loading = null;
    throw e;
  }
}

/** Every candidate with loaded / why not, for `pipewright doctor`. */
export async function diagnoseCompute(): Promise<ComputeDiagnosis> {
  loading ??= load();
  try {
    return { ...(await loading).diagnosis, gpu: gpuReport() };
  } catch (e) {
    loading = null;
    const forced = forcedBackend();
    return {
      chosen: null,
      forced,
      candidates: [{ backend: forced ?? 'cpu', package: PACKAGE[forced ?? 'cpu'], loaded: false, reason: message(e) }],
      gpu: gpuReport(),
      runtime: { node: process.version, modules: process.versions.modules, electron: electronVersion(), platform: process.platform, arch: process.arch },
    };
  }
}

/** The version of an installed package, or null (doctor prints what is there). */
export function installedVersion(pkg: string): string | null {
  const dir = resolvePackageDir(pkg);
  if (!dir) return null;
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}
