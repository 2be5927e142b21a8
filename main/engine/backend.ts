/**
 * Which compute backend a run's compute nodes get, for their cache keys. It is assumed from the
 * last probe while the installed packages are unchanged (`backendFingerprint`), so a fully cached
 * run never loads TensorFlow.js; otherwise a worker probes once. A node that really runs reports
 * the backend it got, which corrects the assumption. What is found is told (`found`) to be
 * remembered for the next run; this module writes nothing.
 */
import { backendFingerprint } from './environment';

/** The project-file meta key that remembers the last backend found, with its fingerprint. */
export const META_BACKEND = 'compute.backend';

export interface BackendSource {
  /** the remembered `{ fingerprint, backend }` (JSON), or null */
  remembered(): string | null;
  /** loads the compute backend in a worker; null when none loads */
  probe(): Promise<{ backend: string | null }>;
  /** a backend was found (probed, or corrected by a node): remember it with the fingerprint */
  found(backend: string, fingerprint: string): void;
}

export class BackendChoice {
  private known: string | null = null;
  private assuming: Promise<string> | null = null;

  constructor(private readonly source: BackendSource) {}

  /** The backend assumed for cache keys: remembered, else probed once ('unavailable' when none loads). */
  assumed(): Promise<string> {
    return (this.assuming ??= this.find());
  }

  private async find(): Promise<string> {
    const fp = backendFingerprint();
    try {
      const saved = JSON.parse(this.source.remembered() ?? 'null') as { fingerprint: string; backend: string } | null;
      if (saved && saved.fingerprint === fp) return (this.known = saved.backend);
    } catch {
      // a damaged entry is probed again
    }
    const probe = await this.source.probe();
    this.known = probe.backend ?? 'unavailable';
    if (probe.backend) this.source.found(probe.backend, fp);
    return this.known;
  }

  /** A node that ran got `real` where `assumed` was keyed: the assumption was wrong, correct it. */
  got(real: string, assumed: string | null | undefined): void {
    if (real === assumed) return;
    this.known = real;
    this.source.found(real, backendFingerprint());
  }

  /** The run's backend: 'cpu' for a run without compute nodes, else the one found (probing if nothing was). */
  async forRun(usesCompute: boolean): Promise<string> {
    if (!usesCompute) return 'cpu';
    return this.known ?? (await this.assumed().catch(() => 'unavailable'));
  }
}
