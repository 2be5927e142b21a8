import type { Command } from '../io';

/** `pipewright runs`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright runs: not available yet\n');
  return 1;
};
export default command;
