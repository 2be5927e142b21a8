/**
 * `pipewright export-model REF --project P --to kserve --image IMAGE [-o OUT] [--storage-uri URI]
 * [--min-replicas N] [--max-replicas N] [--name NAME] [--namespace NS]` (contract sections 2b, 6):
 * a KServe InferenceService for the version REF names now (main/export/kserve.ts).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { kserveYaml, modelFileName } from '../../export/kserve';
import { resolveModelRef, RegistryError } from '../../registry/store';
import { openProject } from '../../store/project-store';
import type { ProjectStore } from '../../store/types';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';

const USAGE =
  'usage: pipewright export-model REF --project P --to kserve --image IMAGE [-o OUT] [--storage-uri URI] [--min-replicas N] [--max-replicas N] [--name NAME] [--namespace NS]';

const count = (v: string | undefined, flag: string, dflt: number, min: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d{1,4}$/.test(v) || Number(v) < min) throw new UsageError(`${flag} ${v}: give a whole number ≥ ${min}\n${USAGE}`);
  return Number(v);
};

/** An option the manifest cannot be written with; `flag` names it as the CLI spells it. */
export class KserveOptionError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KserveTextOptions {
  image: string;
  storageUri?: string;
  minReplicas?: number;
  maxReplicas?: number;
  name?: string;
  namespace?: string;
}

/**
 * The InferenceService for the version `refText` (NAME, NAME@ALIAS, NAME:VERSION) names now: what
 * the command prints, and what the editor's Export menu downloads. Throws KserveOptionError for a
 * bad option and RegistryError for a reference the project does not hold.
 */
export function kserveText(store: ProjectStore, refText: string, o: KserveTextOptions): { text: string; ref: { name: string; version: number } } {
  if (!o.image.trim()) throw new KserveOptionError('--image', '(empty): give the runner image (built from the Dockerfile)');
  if (/\s/.test(o.image)) throw new KserveOptionError('--image', `${o.image}: an image reference has no spaces`);
  const min = o.minReplicas ?? 1;
  const max = o.maxReplicas ?? Math.max(3, min);
  if (max < min) throw new KserveOptionError('--max-replicas', `${max} is below --min-replicas ${min}`);
  const uri = o.storageUri;
  if (uri !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(uri)) throw new KserveOptionError('--storage-uri', `${uri}: give a URI such as s3://bucket/models/ or pvc://claim/path`);
  if (o.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.namespace)) throw new KserveOptionError('--namespace', `${o.namespace}: not a Kubernetes namespace name`);
  const ref = resolveModelRef(store, refText);
  const text = kserveYaml({ name: ref.name, version: ref.version, image: o.image, storageUri: uri, minReplicas: min, maxReplicas: max, serviceName: o.name, namespace: o.namespace });
  return { text, ref: { name: ref.name, version: ref.version } };
}

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      project: { type: 'string' },
      to: { type: 'string' },
      image: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'storage-uri': { type: 'string' },
      'min-replicas': { type: 'string' },
      'max-replicas': { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`give one model reference (NAME, NAME@ALIAS or NAME:VERSION)\n${USAGE}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (values.to !== 'kserve') throw new UsageError(`--to ${values.to ?? '(missing)'}: the one target is kserve\n${USAGE}`);
  if (!values.image) throw new UsageError(`give the runner image with --image (built from the Dockerfile)\n${USAGE}`);
  const min = count(values['min-replicas'], '--min-replicas', 1, 0);
  const max = count(values['max-replicas'], '--max-replicas', Math.max(3, min), 1);
  const project = resolve(io.cwd, values.project);
  if (!existsSync(project)) throw new UsageError(`--project ${project}: no such project file`);
  const store = openProject(project, { readonly: true });
  let out: ReturnType<typeof kserveText>;
  try {
    out = kserveText(store, positionals[0], { image: values.image, storageUri: values['storage-uri'], minReplicas: min, maxReplicas: max, name: values.name, namespace: values.namespace });
  } catch (e) {
    if (e instanceof KserveOptionError) throw new UsageError(`${e.flag} ${e.message}\n${USAGE}`);
    if (e instanceof RegistryError) throw new UsageError(`${positionals[0]}: ${e.message}`);
    throw e;
  } finally {
    store.close();
  }
  const { text, ref } = out;
  if (values.out) {
    writeFileSync(resolve(io.cwd, values.out), text);
    io.stderr(`pipewright export-model: wrote ${values.out} for ${ref.name}:${ref.version}; its container reads /mnt/models/${modelFileName(ref.name, ref.version)}\n`);
  } else io.stdout(text);
  return 0;
};
export default command;
