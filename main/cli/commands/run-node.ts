import { resolve } from 'node:path';
import { formatIssue, parseParamOverride, type Issue, type ParamValue } from '../../../shared/pipeline';
import { exitCodeFor, type RunEvent } from '../../../shared/run';
import { parseCommandArgs, type OptionSpecs } from '../args';
import { HelpRequested, UsageError, type Command } from '../io';

const USAGE = 'pipewright run-node FILE --node ID --in DIR --out DIR [--param k=v]... [--json]';

interface RunNodeArgs {
  file: string;
  node: string;
  inDir: string;
  outDir: string;
  overrides: Record<string, ParamValue>;
  json: boolean;
  plugins: string[];
}

const RUN_NODE_OPTIONS = {
  node: { type: 'string' },
  in: { type: 'string' },
  out: { type: 'string' },
  param: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  plugin: { type: 'string', multiple: true },
} as const satisfies OptionSpecs;

function parseRunNodeArgs(argv: string[]): RunNodeArgs {
  const { values: v, positionals: files } = parseCommandArgs(argv, RUN_NODE_OPTIONS, USAGE);
  const overrides: Record<string, ParamValue> = {};
  for (const p of v.param ?? []) {
    try {
      const kv = parseParamOverride(p);
      overrides[kv.key] = kv.value;
    } catch (e) {
      throw new UsageError(`--param: ${(e as Error).message}`);
    }
  }
  const out = { node: v.node, inDir: v.in, outDir: v.out, overrides, json: v.json ?? false, plugins: v.plugin ?? [] };
  if (files.length !== 1) throw new UsageError(`expected one pipeline file\n${USAGE}`);
  for (const [k, name] of [['node', '--node'], ['inDir', '--in'], ['outDir', '--out']] as const) {
    if (!out[k]) throw new UsageError(`${name} is required\n${USAGE}`);
  }
  return { ...out, file: files[0] } as RunNodeArgs;
}

/**
 * `pipewright run-node`: one node alone on artifact files (contract section 2) — the unit that
 * Argo schedules. Reads `--in/<inputPort>`, writes `--out/<outputPort>` and its `.sha256`.
 * Exit codes as `run`: 0, 1 the node failed, 2 invalid pipeline or usage, 3 a gate was missed.
 */
const command: Command = async (argv, io) => {
  let args: RunNodeArgs;
  try {
    args = parseRunNodeArgs(argv);
  } catch (e) {
    // with --json, even a usage error is one JSON document on stdout
    if (e instanceof UsageError && !(e instanceof HelpRequested) && argv.includes('--json')) {
      io.stdout(`${JSON.stringify({ errors: [{ place: 'usage', message: e.message }] })}\n`);
      io.stderr(`pipewright run-node: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { executeNodeStandalone } = await import('../../engine/standalone');
  const { InvalidPipelineError } = await import('../../engine/engine');
  const file = resolve(io.cwd, args.file);
  const onEvent = (e: RunEvent) => {
    if (e.type === 'node.log') io.stderr(`[${e.nodeId}] ${e.level}: ${e.message}\n`);
    else if (e.type === 'node.progress' && io.isTTY) io.stderr(`[${e.nodeId}] ${Math.round(e.fraction * 100)}%${e.message ? ` ${e.message}` : ''}\n`);
  };
  try {
    const { summary, outputs } = await executeNodeStandalone({
      pipelineFile: file,
      nodeId: args.node,
      inDir: resolve(io.cwd, args.inDir),
      outDir: resolve(io.cwd, args.outDir),
      overrides: args.overrides,
      plugins: args.plugins,
      onEvent,
    });
    const r = summary.nodes[args.node];
    const metrics = Object.entries(r.metrics).map(([k, v]) => `${k}=${v}`).join(' ');
    io.stderr(`${args.node}: ${r.status} in ${r.durationMs} ms${r.error ? `: ${r.error}` : ''}${metrics ? ` (${metrics})` : ''}\n`);
    for (const [port, o] of Object.entries(outputs)) io.stderr(`  ${port}: ${o.path} sha256:${o.hash}\n`);
    if (args.json) io.stdout(`${JSON.stringify(summary)}\n`);
    return exitCodeFor(summary.run.status);
  } catch (e) {
    if (e instanceof InvalidPipelineError) {
      const issues: Issue[] = e.issues;
      for (const i of issues) io.stderr(`${formatIssue(i, args.file)}\n`);
      if (args.json) io.stdout(`${JSON.stringify({ errors: issues })}\n`);
      return 2;
    }
    if (args.json) {
      io.stdout(`${JSON.stringify({ errors: [{ place: `nodes.${args.node}`, message: (e as Error).message }] })}\n`);
      io.stderr(`pipewright run-node: ${(e as Error).stack ?? String(e)}\n`);
      return 1;
    }
    throw e;
  }
};
export default command;
