/**
 * `pipewright models register FILE --project P --name NAME [--alias A] [--reason TEXT]
 * [--metrics FILE.json] [--json]`: a model trained elsewhere — the `model` file an Argo
 * `run-node` step wrote (with its `.sha256` beside it, which must match), or a file from
 * `models export` — as the next version of NAME, its lineage the file's path and sha256. The file
 * is checked and tried before the project is opened: a refused file is exit 2 naming it and what
 * is wrong, and nothing is written (main/registry/register-file.ts).
 */
import { resolve } from 'node:path';
import { prepareModelFile, registerPrepared, type PreparedModelFile, type RegisterFileResult } from '../../registry/register-file';
import { checkAlias, checkModelName, RegistryError } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { registryFailure, withRegistry } from './models-common';

const USAGE = 'usage: pipewright models register FILE --project P --name NAME [--alias A] [--reason TEXT] [--metrics FILE.json] [--json]';

function text(r: RegisterFileResult): string {
  const lines = [
    r.created ? `${r.name}: version ${r.version} registered from ${r.source.path}` : `${r.name}: the same model is version ${r.version} already (nothing new stored)`,
    `  sha256 ${r.source.sha256}`,
    r.kind === 'trainer'
      ? `  a trainer's model: it takes the ${r.inputs.length} columns the trainer read (${r.inputs.slice(0, 4).map((i) => i.name).join(', ')}${r.inputs.length > 4 ? ', …' : ''}), as the step before it gave them`
      : `  a model file with its row-wise steps: it takes ${r.inputs.length} raw columns`,
  ];
  if (r.aliasMoved) lines.push(`  ${r.aliasMoved.alias}: ${r.aliasMoved.from ?? 'none'} → ${r.version}`);
  return `${lines.join('\n')}\n`;
}

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, name: { type: 'string' }, alias: { type: 'string' }, reason: { type: 'string' }, metrics: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`${positionals.length ? 'give one model file' : 'give the model file'}\n${USAGE}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (!values.name) throw new UsageError(`give the model's name with --name\n${USAGE}`);
  try {
    checkModelName(values.name);
    if (values.alias !== undefined) checkAlias(values.alias);
  } catch (e) {
    if (e instanceof RegistryError) throw new UsageError(`${e.message}\n${USAGE}`);
    throw e;
  }
  const json = values.json ?? false;
  const file = resolve(io.cwd, positionals[0]);
  const metrics = values.metrics === undefined ? undefined : resolve(io.cwd, values.metrics);
  let prepared: PreparedModelFile;
  try {
    prepared = await prepareModelFile(file, metrics);
  } catch (e) {
    return registryFailure(io, 'models register', json, 'file', e);
  }
  if (prepared.kind === 'trainer' && !prepared.checkedSidecar) io.stderr(`pipewright models register: no ${file}.sha256 beside it: its bytes are recorded as they are now\n`);
  const actor = { via: 'pipewright models register', reason: values.reason ?? null };
  return withRegistry(io, 'models register', { project: values.project, json, place: 'model', create: true }, (store) => registerPrepared(store, prepared, { name: values.name!, alias: values.alias }, actor), text, (r) => ({
    name: r.name,
    version: r.version,
    created: r.created,
    ...(r.aliasMoved ? { aliasMoved: r.aliasMoved } : {}),
    kind: r.kind,
    source: r.source,
    inputs: r.inputs,
  }));
};
export default command;
