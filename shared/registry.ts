/**
 * The model registry as the CLI's --json, the local API and the editor's Models page see it
 * (contract section 5). Kept in main/registry/store.ts.
 */
export interface VersionInfo {
  version: number;
  run: number | null;
  node: string | null;
  pipeline: string | null;
  pipelineVersion: string | null;
  createdAt: string;
  modelHash: string;
  bundleHash: string;
  dataHashes: Record<string, string>;
  metrics: Record<string, number>;
  inputs: { name: string; type: string; nullable: boolean }[];
  task: 'classification' | 'regression';
  classes?: (string | number | boolean)[];
  aliases: string[];
  /** registered from a file (`pipewright models register`), not produced by a run here */
  source?: VersionSource;
}

/** The file a version was registered from: its absolute path then, and the sha256 of its bytes. */
export interface VersionSource {
  kind: 'file';
  path: string;
  sha256: string;
}

export interface AuditEntry {
  at: string;
  alias: string;
  from: number | null;
  to: number | null;
  by: string;
  via: string;
  reason: string | null;
}

export interface PendingMove {
  id: number;
  alias: string;
  /** the version the alias would move to */
  version: number;
  /** the version it points at now (null: unset) */
  from: number | null;
  requestedAt: string;
  requestedBy: string;
  via: string;
}

export interface ModelDetails {
  name: string;
  versions: VersionInfo[];
  aliases: Record<string, number>;
  audit: AuditEntry[];
  pending: PendingMove[];
  traffic: Record<string, number> | null;
  shadow: string | null;
}

export interface ModelSummary {
  name: string;
  versions: number;
  latest: number;
  createdAt: string;
  aliases: Record<string, number>;
  pending: number;
  traffic: Record<string, number> | null;
  shadow: string | null;
}

