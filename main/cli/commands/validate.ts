import type { Command } from '../io';

/** `pipewright validate`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright validate: not available yet\n');
  return 1;
};
export default command;
