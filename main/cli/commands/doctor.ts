import type { Command } from '../io';

/** `pipewright doctor`: not built yet. */
const command: Command = async (_argv, io) => {
  io.stderr('pipewright doctor: not available yet\n');
  return 1;
};
export default command;
