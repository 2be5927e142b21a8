import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatIssue, serializePipeline } from '../../../shared/pipeline';
import { InvalidPipelineError, planText, type Plan } from '../../engine/planner';
import { exportArgo, leftOutNote, leftOutOfArgo } from '../../export/argo';
import { dataFiles, findUp, insideRoot, sourceHashes } from '../../export/files';
import { exportGithubActions } from '../../export/github-actions';
import { ExportError } from '../../export/graph';
import { parseCommandArgs, type OptionSpecs } from '../args';
import { UsageError, type CliIO, type Command } from '../io';

const USAGE = `pipewright export FILE --to argo|github-actions [-o OUT]
  argo:           [--image IMG] [--gpu] [--gpu-image IMG] [--workdir DIR] [--cache-configmap NAME] [--cache-max-age DUR]
  github-actions: [--working-directory DIR] [--node-version V]`;

interface ExportArgs {
  file: string;
  to: 'argo' | 'github-actions';
  out?: string;
  image?: string;
  gpu: boolean;
  gpuImage?: string;
  workdir?: string;
  cacheConfigMap?: string;
  cacheMaxAge?: string;
  workingDirectory?: string;
  nodeVersion?: string;
}

const EXPORT_OPTIONS = {
  to: { type: 'string' },
  out: { type: 'string', short: 'o' },
  image: { type: 'string' },
  gpu: { type: 'boolean' },
  'gpu-image': { type: 'string' },
  workdir: { type: 'string' },
  'cache-configmap': { type: 'string' },
  'cache-max-age': { type: 'string' },
  'working-directory': { type: 'string' },
  'node-version': { type: 'string' },
} as const satisfies OptionSpecs;

function parseExportArgs(argv: string[]): ExportArgs {
  const { values: v, positionals: files } = parseCommandArgs(argv, EXPORT_OPTIONS, USAGE);
  const opts = {
    to: v.to,
    out: v.out,
    image: v.image,
    gpu: v.gpu ?? false,
    gpuImage: v['gpu-image'],
    workdir: v.workdir,
    cacheConfigMap: v['cache-configmap'],
    cacheMaxAge: v['cache-max-age'],
    workingDirectory: v['working-directory'],
    nodeVersion: v['node-version'],
  };
  if (files.length !== 1) throw new UsageError(`expected one pipeline file\n${USAGE}`);
  if (opts.to !== 'argo' && opts.to !== 'github-actions') throw new UsageError(`--to must be argo or github-actions\n${USAGE}`);
  const argoOnly = (['image', 'gpuImage', 'workdir', 'cacheConfigMap', 'cacheMaxAge'] as const).filter((k) => opts[k] !== undefined);
  if (opts.to === 'github-actions' && (argoOnly.length || opts.gpu)) throw new UsageError(`--gpu, --image, --gpu-image, --workdir and --cache-* are for --to argo\n${USAGE}`);
  if (opts.to === 'argo' && (opts.workingDirectory !== undefined || opts.nodeVersion !== undefined)) throw new UsageError(`--working-directory and --node-version are for --to github-actions\n${USAGE}`);
  return { ...opts, file: files[0], to: opts.to } as ExportArgs;
}

/**
 * Reads and plans a pipeline file (`plugins`: modules with extra node types); prints every error
 * and returns null when it is invalid.
 */
export async function loadForExport(path: string, io: CliIO, plugins: string[] = []): Promise<Plan | null> {
  if (!existsSync(path)) {
    io.stderr(`${path}: no such file\n`);
    return null;
  }
  try {
    return await planText(readFileSync(path, 'utf8'), { plugins });
  } catch (e) {
    if (!(e instanceof InvalidPipelineError)) throw e;
    for (const issue of e.issues) io.stderr(`${formatIssue(issue, path)}\n`);
    return null;
  }
}

/** The export text of a planned pipeline for already-parsed arguments (the CLI and tests share it). */
export async function exportText(plan: Plan, args: Omit<ExportArgs, 'out'>): Promise<string> {
  const file = resolve(args.file);
  if (args.to === 'argo') {
    return exportArgo(plan, {
      // the model as written, without its comments: what the pods read
      pipelineText: serializePipeline(plan.pipeline),
      image: args.image,
      gpu: args.gpu,
      gpuImage: args.gpuImage,
      workdir: args.workdir,
      cacheConfigMap: args.cacheConfigMap,
      cacheMaxAge: args.cacheMaxAge,
      sourceHashes: await sourceHashes(plan, file),
    });
  }
  const root = findUp(dirname(file), '.git') ?? dirname(file);
  const npmDir = args.workingDirectory ? resolve(args.workingDirectory) : (findUp(dirname(file), 'package.json', root) ?? root);
  const workingDirectory = insideRoot(root, npmDir);
  if (workingDirectory === null) throw new ExportError('--working-directory', `${npmDir} is outside the repository ${root}`);
  return exportGithubActions(plan, {
    pipelinePath: insideRoot(root, file) as string,
    dataPaths: Object.values(dataFiles(plan, file))
      .map((p) => insideRoot(root, p))
      .filter((p): p is string => p !== null),
    workingDirectory,
    nodeVersion: args.nodeVersion,
  });
}

/** `pipewright export FILE --to argo|github-actions [-o OUT]`: 0, or 2 for an invalid pipeline or usage. */
const command: Command = async (argv, io) => {
  const args = parseExportArgs(argv);
  const plan = await loadForExport(resolve(io.cwd, args.file), io);
  if (!plan) return 2;
  let text: string;
  try {
    text = await exportText(plan, {
      ...args,
      file: resolve(io.cwd, args.file),
      workingDirectory: args.workingDirectory ? resolve(io.cwd, args.workingDirectory) : undefined,
    });
  } catch (e) {
    if (e instanceof ExportError) {
      io.stderr(`${args.file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (args.to === 'argo') {
    const note = leftOutNote(leftOutOfArgo(plan), plan);
    if (note.length) io.stderr(`${args.file}: warning: ${note.join(' ')}\n`);
  }
  if (args.out) {
    const out = resolve(io.cwd, args.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text, 'utf8');
    io.stderr(`wrote ${args.out}\n`);
  } else {
    io.stdout(text);
  }
  return 0;
};
export default command;
