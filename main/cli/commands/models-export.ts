/**
 * `pipewright models export NAME[@ALIAS|:VERSION] --project P -o FILE`: writes one self-contained
 * model file (the model, its row-wise chain, its inputs, its provenance) that `predict
 * --model-file` and `serve --model-file` read without the project.
 */
import { replaceFile } from '../../replace-file';
import { resolve } from 'node:path';
import { canonicalJson } from '../../engine/canonical';
import { parseModelFile } from '../../registry/model-file';
import { resolveModelRef } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { withRegistry } from './models-common';

const USAGE = 'usage: pipewright models export NAME[@ALIAS|:VERSION] --project P -o FILE [--json]';

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string', short: 'o' } }, USAGE);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (!values.out) throw new UsageError(`give the file to write with -o FILE\n${USAGE}`);
  if (positionals.length !== 1) throw new UsageError(`${positionals.length ? 'too many arguments' : 'give the model reference'}\n${USAGE}`);
  const out = resolve(io.cwd, values.out);
  return withRegistry(
    io,
    'models export',
    { project: values.project, json: values.json ?? false, readonly: true, place: 'model' },
    (store) => {
      const ref = resolveModelRef(store, positionals[0]);
      const file = parseModelFile(store.artifactJson(ref.bundleHash), `${ref.name}:${ref.version}`);
      const text = canonicalJson({ ...file, name: ref.name, version: ref.version });
      // Replaced whole: a reader never sees half a file.
      replaceFile(out, text);
      return { name: ref.name, version: ref.version, file: out, bytes: Buffer.byteLength(text) };
    },
    (r) => `${r.name}:${r.version} → ${r.file} (${r.bytes} bytes)\n`,
  );
};
export default command;
