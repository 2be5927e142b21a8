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
 * version, so the editor opens on something saved and ready to run. Does nothing to a project
 * that already has versions of that pipeline.
 */
export function ensureProjectFor(pipelineFile: string, projectPath: string): void {
  const text = readFileSync(pipelineFile, 'utf8');
  const parsed = parsePipelineText(text);
  const name = (parsed.pipeline ?? parsed.partial)?.metadata.name;
  const store = openProject(projectPath, { create: true });
  try {
    if (name && !store.latestPipelineVersion(name)) store.savePipelineVersion(name, text);
  } finally {
    store.close();
  }
}
