/**
 * A run's files: its scratch folder, the artifact files its nodes read and wrote (by hash), and
 * the DuckDB engine its inline nodes share. An artifact reused from the project file is extracted
 * only when a node that runs needs its file; a produced file is moved into the run's folder so it
 * outlives the worker that wrote it (the recorder stores it from there).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact, ArtifactFile } from '../../shared/artifacts';
import { artifactOf } from '../../shared/artifacts';
import type { PortKind } from '../../shared/catalog';
import type { DataEngine } from '../../nodes/types';
import { scratchDir, sweepStaleScratch } from './scratch';

export interface ArtifactReads {
  /** writes a stored artifact's bytes to `destFile`; returns the file */
  extractArtifact(hash: string, destFile: string): string;
}

type ClosableEngine = DataEngine & { close(): Promise<void> };

function extOf(kind: PortKind): string {
  return kind === 'table' ? '.parquet' : '.json';
}

export class RunFiles {
  readonly dir: string;
  /** artifact hash -> its file on this machine */
  private readonly files = new Map<string, string>();
  private inline: Promise<ClosableEngine> | null = null;

  constructor(private readonly store: ArtifactReads) {
    sweepStaleScratch();
    this.dir = scratchDir('run');
  }

  /** The file of an artifact, extracted from the project file the first time a node needs it. */
  fileOf(a: Artifact): string {
    let file = this.files.get(a.hash);
    if (!file) {
      file = this.store.extractArtifact(a.hash, join(this.dir, 'in', `${a.hash}${extOf(a.kind)}`));
      this.files.set(a.hash, file);
    }
    return file;
  }

  /** Inputs as the node reads them: each artifact with its file. */
  filesOf(inputs: Record<string, Artifact>): Record<string, ArtifactFile> {
    const out: Record<string, ArtifactFile> = {};
    for (const [port, a] of Object.entries(inputs)) out[port] = { ...artifactOf(a), path: this.fileOf(a) };
    return out;
  }

  /** Moves a produced file into the run's folder; the artifact without its path. */
  keep(o: ArtifactFile): Artifact {
    const dir = this.outDir;
    const dest = join(dir, `${o.hash}${extOf(o.kind)}`);
    if (o.path !== dest && !existsSync(dest)) {
      mkdirSync(dir, { recursive: true });
      try {
        renameSync(o.path, dest);
      } catch {
        copyFileSync(o.path, dest);
      }
    }
    this.files.set(o.hash, dest);
    return artifactOf(o);
  }

  /** The file a node of this run wrote for an artifact (kept until the run ends). */
  producedFile(hash: string): string {
    const file = this.files.get(hash);
    if (!file) throw new Error(`no file for artifact ${hash} in this run`);
    return file;
  }

  /** Where JSON outputs are written. */
  get outDir(): string {
    return join(this.dir, 'out');
  }

  /** A node execution's own scratch folder (made when the node asks for it). */
  tmpFor(nodeId: string): string {
    return join(this.dir, 'x', nodeId);
  }

  /** The DuckDB engine inline (trivial) nodes that touch `ctx.data` share, made once. */
  inlineData(): Promise<DataEngine> {
    return (this.inline ??= import('../data/duck-engine').then((m) => m.createDataEngine({ tmpDir: join(this.dir, 'duck') })));
  }

  /** Closes the inline engine; the folder is removed in the background (thousands of folders are slow). */
  async close(): Promise<void> {
    try {
      if (this.inline) await (await this.inline).close().catch(() => {});
    } finally {
      void rm(this.dir, { recursive: true, force: true }).catch(() => {});
    }
  }
}
