import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openProject } from '../store';
import { launchTarget, prepareWorkspace, projectPathFor } from './workspace';

const resources = resolve(__dirname, '..', '..', 'resources');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pw-ws-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('first start', () => {
  it('copies the examples and data once, never overwriting what the user changed', async () => {
    const dir = join(tmp(), 'workspace');
    const ws = await prepareWorkspace({ resourcesDir: resources, dir });
    expect(ws.examplePath).toBe(join(dir, 'examples', 'breast-cancer.pipeline.yaml'));
    expect(ws.projectPath).toBe(join(dir, 'examples', 'breast-cancer.pwproj'));
    expect(readFileSync(join(dir, 'data', 'breast_cancer.csv'), 'utf8')).toBe(readFileSync(join(resources, 'data', 'breast_cancer.csv'), 'utf8'));
    writeFileSync(ws.examplePath!, '# mine now\n');
    await prepareWorkspace({ resourcesDir: resources, dir });
    expect(readFileSync(ws.examplePath!, 'utf8')).toBe('# mine now\n');
  });

  it('files the example in its project once, ready to open', async () => {
    const dir = join(tmp(), 'workspace');
    const ws = await prepareWorkspace({ resourcesDir: resources, dir });
    const warnings: string[] = [];
    const target = launchTarget(null, ws, (m) => warnings.push(m));
    expect(target).toEqual({ projectPath: ws.projectPath, examplePath: ws.examplePath, openPath: null });
    expect(warnings).toEqual([]);
    launchTarget(null, ws, (m) => warnings.push(m));
    const store = openProject(ws.projectPath!);
    try {
      expect(store.listPipelines()).toEqual([expect.objectContaining({ name: 'breast-cancer', versions: 1 })]);
      expect(store.latestPipelineVersion('breast-cancer')?.text).toBe(readFileSync(ws.examplePath!, 'utf8'));
    } finally {
      store.close();
    }
  });

  it('opens an explicitly given pipeline in the project beside it, filing its current text', () => {
    const dir = tmp();
    const file = join(dir, 'iris.pipeline.yaml');
    const text = readFileSync(join(resources, 'examples', 'iris.pipeline.yaml'), 'utf8');
    writeFileSync(file, text);
    const first = launchTarget(file, null, () => undefined);
    expect(first).toEqual({ projectPath: join(dir, 'iris.pwproj'), examplePath: null, openPath: file });
    writeFileSync(file, text.replace(/\n$/, '\n# edited\n'));
    launchTarget(file, null, () => undefined);
    const store = openProject(first.projectPath!);
    try {
      expect(store.latestPipelineVersion()?.text).toMatch(/# edited\n$/);
      expect(store.listPipelines()[0].versions).toBe(2);
    } finally {
      store.close();
    }
    expect(projectPathFor('/a/b.yaml')).toBe('/a/b.pwproj');
  });

  it('opens a given project as it is and reports a pipeline it cannot file', () => {
    const dir = tmp();
    const project = join(dir, 'p.pwproj');
    expect(launchTarget(project, null, () => undefined)).toEqual({ projectPath: project, examplePath: null, openPath: null });
    expect(existsSync(project)).toBe(false);
    mkdirSync(join(dir, 'x.pwproj'));
    const file = join(dir, 'x.yaml');
    writeFileSync(file, 'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: x\nnodes: {}\n');
    const warnings: string[] = [];
    launchTarget(file, null, (m) => warnings.push(m));
    expect(warnings.join('\n')).toMatch(/cannot prepare .*x\.pwproj/);
  });
});
