import type { Command } from '../io';

/** `pipewright export`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright export: not available yet\n');
  return 1;
};
export default command;
