import { resolve } from 'node:path';
import { formatIssue, formatPipelineText } from '../../../shared/pipeline';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { coreChecker, readPipelineFile, writeFileAtomic } from './pipeline-files';

const USAGE = 'usage: pipewright fmt FILE... [--check]';

/**
 * `pipewright fmt FILE... [--check]`: rewrites each valid file in canonical form (comments
 * kept). With `--check` nothing changes; the files that are not canonical are listed.
 * Exit 2 when a file is invalid, else 1 when `--check` found one, else 0.
 */
const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(argv, { check: { type: 'boolean' } }, USAGE);
  const check = values.check ?? false;
  if (files.length === 0) throw new UsageError(`no file given\n${USAGE}`);

  const checker = coreChecker();
  let invalid = 0;
  let notCanonical = 0;
  for (const file of files) {
    const read = readPipelineFile(io.cwd, file);
    if ('error' in read) {
      invalid++;
      io.stderr(`${formatIssue(read.error, file)}\n`);
      continue;
    }
    const r = formatPipelineText(read.text, checker);
    if (r.errors.length) {
      invalid++;
      for (const e of r.errors) io.stderr(`${formatIssue(e, file)}\n`);
      continue;
    }
    if (!r.changed) continue;
    if (check) {
      notCanonical++;
      io.stdout(`${file}\n`);
    } else {
      writeFileAtomic(resolve(io.cwd, file), r.text);
      io.stderr(`formatted ${file}\n`);
    }
  }
  if (check && notCanonical) io.stderr(`${notCanonical} file${notCanonical === 1 ? ' is' : 's are'} not canonical; run pipewright fmt\n`);
  return invalid ? 2 : notCanonical ? 1 : 0;
};
export default command;
