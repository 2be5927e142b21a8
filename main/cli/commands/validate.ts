import { basename } from 'node:path';
import { formatIssue, loadPipeline, type Issue } from '../../../shared/pipeline';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { coreChecker, readPipelineFile } from './pipeline-files';

const USAGE = 'usage: pipewright validate FILE... [--json]';

/**
 * `pipewright validate FILE... [--json]`: every error of every file, located; exit 0 when all
 * are valid, 2 otherwise. `--json` prints one document; with one file it is exactly the
 * contract's `{ "errors": [...] }`, with several each error also names its `file`.
 */
const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  const json = values.json ?? false;
  if (files.length === 0) throw new UsageError(`no file given\n${USAGE}`);

  const checker = coreChecker();
  const all: (Issue & { file?: string })[] = [];
  let invalid = 0;
  for (const file of files) {
    const read = readPipelineFile(io.cwd, file);
    const errors = 'error' in read ? [read.error] : loadPipeline(read.text, checker, { fileName: basename(file) }).errors;
    if (errors.length) invalid++;
    for (const e of errors) {
      all.push(files.length > 1 ? { ...e, file } : e);
      if (!json) io.stdout(`${formatIssue(e, file)}\n`);
    }
    if (!json && errors.length === 0) io.stderr(`${file}: valid\n`);
  }
  if (json) {
    const errors = all.map((e) => {
      const o: Record<string, unknown> = { place: e.place, message: e.message };
      if (e.line != null) o.line = e.line;
      if (e.column != null) o.column = e.column;
      if (e.file != null) o.file = e.file;
      return o;
    });
    io.stdout(`${JSON.stringify({ errors })}\n`);
  } else if (invalid) {
    io.stderr(`${invalid} of ${files.length} file${files.length === 1 ? '' : 's'} invalid (${all.length} error${all.length === 1 ? '' : 's'})\n`);
  }
  return invalid ? 2 : 0;
};
export default command;
