import type { Command } from '../io';

/** `pipewright fmt`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright fmt: not available yet\n');
  return 1;
};
export default command;
