/**
 * `pipewright merge-driver` under git itself: real repositories, real three-way merges of the
 * bundled example through `.gitattributes` and `git config merge.pipewright.driver`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineText, serializePipeline } from '../../shared/pipeline';

const ROOT = resolve(__dirname, '../..');
const TSX = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const EXAMPLE = readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8');
const FILE = 'bc.pipeline.yaml';

let dir: string;
let driver: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-merge-'));
  // What README tells users to put in git config, with the CLI run from the sources.
  driver = join(dir, 'pipewright');
  writeFileSync(driver, `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${join(ROOT, 'main/engine/fixtures/cli-entry.ts')}" "$@"\n`);
  chmodSync(driver, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function repo(name: string): (...args: string[]) => string {
  const r = join(dir, name);
  const git = (...args: string[]) => execFileSync('git', ['-C', r, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
  execFileSync('git', ['init', '-q', '-b', 'main', r]);
  git('config', 'merge.pipewright.name', 'Pipewright pipeline merge');
  git('config', 'merge.pipewright.driver', `${driver} merge-driver %O %A %B --name %P`);
  writeFileSync(join(r, '.gitattributes'), '*.pipeline.yaml merge=pipewright\n');
  writeFileSync(join(r, FILE), EXAMPLE);
  git('add', '.');
  git('commit', '-qm', 'base');
  return git;
}

function branchEdits(git: (...a: string[]) => string, r: string, ours: (t: string) => string, theirs: (t: string) => string) {
  git('checkout', '-qb', 'colleague');
  writeFileSync(join(r, FILE), theirs(EXAMPLE));
  git('commit', '-qam', 'theirs');
  git('checkout', '-q', 'main');
  writeFileSync(join(r, FILE), ours(EXAMPLE));
  git('commit', '-qam', 'ours');
  return spawnSync('git', ['-C', r, 'merge', '--no-edit', 'colleague'], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
}

describe('pipewright merge-driver with git', () => {
  it('merges parallel edits to different nodes cleanly, into the canonical text', () => {
    const git = repo('clean');
    // Adjacent lines: git's own line merge would call this a conflict.
    const merge = branchEdits(
      git,
      join(dir, 'clean'),
      (t) => t.replace('testFraction: 0.2', 'testFraction: 0.25'),
      (t) => t.replace('stratifyBy: diagnosis', 'stratifyBy: radius_mean').replace('minAccuracy: 0.9', 'minAccuracy: 0.95'),
    );
    expect(merge.status, merge.stderr + merge.stdout).toBe(0);
    const text = readFileSync(join(dir, 'clean', FILE), 'utf8');
    const p = parsePipelineText(text).pipeline!;
    expect(p.nodes.find((n) => n.id === 'split')?.params).toMatchObject({ testFraction: 0.25, stratifyBy: 'radius_mean' });
    expect(p.params.minAccuracy).toBe(0.95);
    expect(serializePipeline(p, text)).toBe(text);
    expect(git('log', '--oneline')).toMatch(/Merge branch 'colleague'/);
  });

  it('leaves markers around the param changed both ways and exits 1', () => {
    const git = repo('conflict');
    const merge = branchEdits(
      git,
      join(dir, 'conflict'),
      (t) => t.replace('testFraction: 0.2', 'testFraction: 0.3').replace('seed: 42', 'seed: 7'),
      (t) => t.replace('testFraction: 0.2', 'testFraction: 0.1'),
    );
    expect(merge.status).toBe(1);
    expect(merge.stdout + merge.stderr).toMatch(/CONFLICT/);
    const text = readFileSync(join(dir, 'conflict', FILE), 'utf8');
    expect(text).toContain('<<<<<<< ours\n      testFraction: 0.3\n=======\n      testFraction: 0.1\n>>>>>>> theirs\n');
    expect(text.match(/^<<<<<<< /gm)).toHaveLength(1);
    expect(text).toContain('seed: 7');
    expect(git('status', '--porcelain')).toMatch(/^UU bc\.pipeline\.yaml/m);
  });
});
