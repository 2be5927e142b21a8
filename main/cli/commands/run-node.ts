import type { Command } from '../io';

/** `pipewright run-node`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright run-node: not available yet\n');
  return 1;
};
export default command;
