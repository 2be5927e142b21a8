import { diagnoseCompute, installedVersion } from '../../compute/index';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';

const USAGE = 'usage: pipewright doctor [--json]';

/**
 * `pipewright doctor`: which compute backend loads here, the GPU and its CUDA / cuDNN libraries,
 * and why each better backend does not load, with the fix. Always exits 0: it reports, it does
 * not judge.
 */
const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unknown argument '${positionals[0]}'\n${USAGE}`);
  const json = values.json ?? false;
  const d = await diagnoseCompute();
  const versions = Object.fromEntries(
    ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].map((p) => [p, installedVersion(p)]),
  );
  if (json) {
    io.stdout(`${JSON.stringify({ ...d, packages: versions }, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`compute backend: ${d.chosen ?? 'none'}${d.forced ? ` (forced by PIPEWRIGHT_BACKEND=${d.forced})` : ''}`);
  lines.push('');
  for (const c of d.candidates) {
    const mark = c.loaded ? 'ok  ' : '--  ';
    lines.push(`${mark}${c.backend.padEnd(15)} ${c.package}${versions[c.package] ? ` ${versions[c.package]}` : ''}`);
    lines.push(`      ${c.reason}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
  }
  lines.push('');
  lines.push(`gpu: ${d.gpu.name ?? 'none found'}`);
  lines.push(`cuda runtime: ${d.gpu.cudaLibraries.length ? d.gpu.cudaLibraries.join(', ') : 'not found'}`);
  lines.push(`cudnn: ${d.gpu.cudnnLibraries.length ? d.gpu.cudnnLibraries.join(', ') : 'not found'}`);
  lines.push(`  ${d.gpu.note}`);
  lines.push('');
  lines.push(`runtime: Node.js ${d.runtime.node} (ABI ${d.runtime.modules})${d.runtime.electron ? `, Electron ${d.runtime.electron}` : ''}, ${d.runtime.platform}-${d.runtime.arch}`);
  if (d.runtime.electron) {
    lines.push('  native addons (tfjs-node) must be built for Electron: npx @electron/rebuild -f -w @tensorflow/tfjs-node');
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
};
export default command;
