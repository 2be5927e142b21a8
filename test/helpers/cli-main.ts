/** `pipewright ARGS...` run in this process (main/cli/main.ts), its output collected, not a terminal. */
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';

export async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
