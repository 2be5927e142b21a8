import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mergePipelineTexts, MergeInputError } from '../../../shared/pipeline/merge';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { writeFileAtomic } from './pipeline-files';

const USAGE = 'usage: pipewright merge-driver BASE OURS THEIRS [--name PATH]';

/**
 * `pipewright merge-driver %O %A %B --name %P`: git's merge driver for pipeline files (contract
 * section 9). Merges per node and per param, writes the result into OURS (as git expects) and
 * exits 0; with a conflict, the smallest conflicting blocks get standard markers and it exits 1.
 * A side that is not a readable pipeline falls back to git's own line merge (`git merge-file`).
 */
const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' } }, USAGE);
  if (positionals.length !== 3) throw new UsageError(`expected BASE OURS THEIRS, got ${positionals.length} file(s)\n${USAGE}`);
  const [base, ours, theirs] = positionals.map((f) => resolve(io.cwd, f));
  const name = values.name ?? positionals[1];
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new UsageError(`${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  };
  let result;
  try {
    result = mergePipelineTexts(read(base), read(ours), read(theirs));
  } catch (e) {
    if (!(e instanceof MergeInputError)) throw e;
    io.stderr(`pipewright merge-driver: ${name}: ${e.message}; merging it line by line instead\n`);
    const git = spawnSync('git', ['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', ours, base, theirs], { encoding: 'utf8' });
    if (git.error || git.status === null || git.status < 0) {
      io.stderr(`pipewright merge-driver: ${name}: git merge-file failed: ${git.error?.message ?? git.stderr}\n`);
      return 1;
    }
    return git.status === 0 ? 0 : 1;
  }
  writeFileAtomic(ours, result.text);
  if (result.conflicts.length) {
    io.stderr(`pipewright merge-driver: ${name}: both sides changed ${result.conflicts.join(', ')}; resolve the marked blocks\n`);
    return 1;
  }
  if (result.problems.length) {
    io.stderr(`pipewright merge-driver: ${name}: merged, but the result needs a look:\n${result.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  return 0;
};
export default command;
