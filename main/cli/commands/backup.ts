/**
 * `pipewright backup --project P OUT [--json]`: copies a project file into the new file OUT with
 * `VACUUM INTO` (consistent while another process writes P). From a damaged file it rebuilds the
 * copy from every table it can read, and says which it could not. P is only read.
 * Exit codes: 0 copied whole; 1 some tables could not be read; 2 usage, or P is not a project.
 */
import { resolve } from 'node:path';
import { backupProject, ProjectFileError, ProjectWriteError } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';

const USAGE = 'usage: pipewright backup --project P OUT [--json]';

const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const project = values.project;
  const json = values.json ?? false;
  if (!project || files.length !== 1) throw new UsageError(`give the project file with --project and one new file to copy it to\n${USAGE}`);
  const fail = (message: string, code: number): number => {
    if (json) io.stdout(`${JSON.stringify({ errors: [{ place: 'project', message }] })}\n`);
    io.stderr(`pipewright backup: ${message}\n`);
    return code;
  };
  let out;
  try {
    out = backupProject(resolve(io.cwd, project), resolve(io.cwd, files[0]));
  } catch (e) {
    if (e instanceof ProjectFileError) return fail(e.message, 2);
    if (e instanceof ProjectWriteError) return fail(e.message, 1);
    throw e;
  }
  if (json) io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  const how = out.rebuilt ? 'rebuilt table by table (VACUUM INTO could not read the file)' : 'VACUUM INTO';
  io.stderr(`copied ${resolve(io.cwd, project)} to ${out.file}: ${out.runs} run${out.runs === 1 ? '' : 's'}, ${out.bytes} bytes (${how}; quick_check ok)\n`);
  if (out.lost.length === 0) return 0;
  io.stderr(`pipewright backup: these tables could not be read and are empty in the copy: ${out.lost.join(', ')}\n`);
  return 1;
};
export default command;
