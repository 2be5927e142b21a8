import type { Command } from '../io';

/** `pipewright run`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright run: not available yet\n');
  return 1;
};
export default command;
