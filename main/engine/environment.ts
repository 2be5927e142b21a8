/** What a run records about where it ran: app and node versions, OS, CPU, GPU, Node.js. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { APP_VERSION } from '../../shared/version';
import type { NodeRegistry } from '../../nodes/registry';
import { installedVersion } from '../compute/index';
import { canonicalJson, sha256Hex } from './canonical';

/** The GPU's name from the NVIDIA driver's /proc entry (no subprocess); null when none. */
export function gpuName(): string | null {
  const dir = '/proc/driver/nvidia/gpus';
  try {
    if (!existsSync(dir)) return null;
    for (const d of readdirSync(dir)) {
      const info = readFileSync(join(dir, d, 'information'), 'utf8');
      const m = /^Model:\s*(.+)$/m.exec(info);
      if (m) return m[1].trim();
    }
  } catch {
    return null;
  }
  return null;
}

export function runEnvironment(types: string[], registry: NodeRegistry, backend: string | null): Record<string, unknown> {
  const nodeVersions: Record<string, number> = {};
  for (const t of [...new Set(types)].sort()) {
    const d = registry.get(t);
    if (d) nodeVersions[t] = d.version;
  }
  const m = machine();
  return { appVersion: APP_VERSION, nodeVersions, backend, os: { ...m.os }, cpu: { ...m.cpu }, gpu: m.gpu, nodejs: process.version };
}

let described: { os: Record<string, string>; cpu: { model: string; cores: number; memoryBytes: number }; gpu: string | null } | null = null;

/** The machine, read once per process (`os.cpus()` reads /proc/cpuinfo: a run records it twice). */
function machine(): NonNullable<typeof described> {
  if (!described) {
    const cpu = cpus();
    described = {
      os: { platform: platform(), release: release(), arch: arch() },
      cpu: { model: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem() },
      gpu: gpuName(),
    };
  }
  return described;
}

/**
 * What decides which compute backend loads, cheaply: the installed TensorFlow.js packages, the
 * runtime and PIPEWRIGHT_BACKEND. While it is unchanged, the backend found last time is assumed
 * (a fully cached run then never loads TensorFlow.js); a node that really runs reports the
 * backend it got, which corrects the assumption.
 */
export function backendFingerprint(): string {
  return sha256Hex(
    canonicalJson({
      node: process.versions.node,
      modules: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      forced: process.env.PIPEWRIGHT_BACKEND ?? null,
      gpu: gpuName(),
      packages: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs'].map((p) => installedVersion(p)),
    }),
  );
}
