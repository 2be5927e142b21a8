/**
 * A first start should be ready to run: copy the bundled examples and their data into a
 * workspace folder once (never overwriting what the user changed), beside a project file.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipelineText } from '../../shared/pipeline';
import { openProject } from '../store';
import { workspaceDir } from './paths';

export const DEFAULT_EXAMPLE = 'breast-cancer.pipeline.yaml';

export interface Workspace {
  dir: string;
  /** the example pipeline to open first */
  examplePath: string | null;
  /** the project beside it (created by whoever opens it) */
  projectPath: string | null;
}

export async function prepareWorkspace(opts: { resourcesDir: string; dir?: string }): Promise<Workspace> {
  const dir = opts.dir ?? workspaceDir();
  // Examples say `path: ../data/x.csv`, so keep the examples/ and data/ folders side by side.
  for (const sub of ['examples', 'data']) {
    const from = join(opts.resourcesDir, sub);
    if (!existsSync(from)) continue;
    const to = join(dir, sub);
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const target = join(to, name);
      if (!existsSync(target)) copyFileSync(join(from, name), target);
    }
  }
  const example = join(dir, 'examples', DEFAULT_EXAMPLE);
  const examplePath = existsSync(example) ? example : null;
  return {
    dir,
    examplePath,
    projectPath: examplePath ? examplePath.replace(/\.pipeline\.yaml$/, '.pwproj') : null,
  };
}

/**
 * Creates the project for a pipeline file (beside it) and files the pipeline's text as its first
 * version, so the editor opens on something saved and ready to run.
 */
export function ensureProjectFor(pipelineFile: string, projectPath: string, opts: { always?: boolean } = {}): void {
  const text = readFileSync(pipelineFile, 'utf8');
  const parsed = parsePipelineText(text);
  const name = (parsed.pipeline ?? parsed.partial)?.metadata.name;
  const store = openProject(projectPath, { create: true });
  try {
    // `always`: a file the user opened explicitly is filed as a version even when others exist.
    if (name && (opts.always || !store.latestPipelineVersion(name))) store.savePipelineVersion(name, text);
  } finally {
    store.close();
  }
}

/** Where a pipeline file's project lives by default: beside it, as `pipewright run` puts it. */
export function projectPathFor(pipelineFile: string): string {
  return pipelineFile.replace(/(\.pipeline)?\.ya?ml$/i, '') + '.pwproj';
}

export interface LaunchTarget {
  projectPath: string | null;
  examplePath: string | null;
  openPath: string | null;
}

/**
 * What the app opens at launch: an explicitly given `.pwproj` or pipeline file (its project
 * beside it), else the workspace example. The pipeline is filed in its project first.
 */
export function launchTarget(open: string | null, workspace: Workspace | null, warn: (message: string) => void): LaunchTarget {
  const examplePath = workspace?.examplePath ?? null;
  let target: LaunchTarget;
  if (open && /\.pwproj$/i.test(open)) target = { projectPath: open, examplePath, openPath: null };
  else if (open) target = { projectPath: projectPathFor(open), examplePath, openPath: open };
  else target = { projectPath: workspace?.projectPath ?? null, examplePath, openPath: null };
  const file = target.openPath ?? (open ? null : examplePath);
  if (file && target.projectPath) {
    try {
      ensureProjectFor(file, target.projectPath, { always: Boolean(target.openPath) });
    } catch (e) {
      warn(`cannot prepare ${target.projectPath}: ${(e as Error).message}`);
    }
  }
  return target;
}
