/**
 * `file.read` and symlinks: a `.yaml` link in a shared folder must not hand the editor (and then
 * the project file) a file from outside the folders the user opened — a secret YAML, or any
 * file at all behind a `.yaml` name. Links inside the folder still open.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/rpc';
import { startMemoryApi, type MemoryApi } from '../../test/helpers/memory-api';
import { isInside, openedFileTarget } from './paths';

const SECRET = 'oauth_token: gho_NOT_A_REAL_TOKEN_but_secret';

let dir: string;
let repo: string;
let outside: string;
let api: MemoryApi;
let client: ApiClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-file-read-'));
  repo = join(dir, 'repo');
  outside = join(dir, 'home', '.config', 'gh');
  mkdirSync(join(repo, 'pipelines'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'hosts.yml'), `${SECRET}\n`);
  writeFileSync(join(outside, 'id_rsa'), `${SECRET}\n`);
  writeFileSync(join(repo, 'pipelines', 'real.pipeline.yaml'), 'apiVersion: pipewright/v1\n');
  // What a shared repository can carry: links named like pipeline files.
  symlinkSync(join(outside, 'hosts.yml'), join(repo, 'demo.pipeline.yaml'));
  symlinkSync('../home/.config/gh/id_rsa', join(repo, 'key.yaml'));
  symlinkSync(join(repo, 'demo.pipeline.yaml'), join(repo, 'chain.yaml'));
  symlinkSync('pipelines/real.pipeline.yaml', join(repo, 'current.pipeline.yaml'));
  symlinkSync('../real.pipeline.yaml', join(repo, 'pipelines', 'up.pipeline.yaml'));
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config'), projectPath: join(repo, 'demo.pwproj') });
  client = api.client;
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file.read follows no .yaml link out of the opened folders', () => {
  it('refuses a link to a YAML file outside, and to a file that is not YAML, without its text', async () => {
    for (const [name, why] of [
      ['demo.pipeline.yaml', /outside the folders you opened/],
      ['chain.yaml', /outside the folders you opened/],
      ['key.yaml', /not a pipeline file/],
    ] as const) {
      const e = await client.call('file.read', { path: join(repo, name) }).then(
        () => null,
        (err: Error) => err,
      );
      expect(e, name).not.toBeNull();
      expect(e!.message).toMatch(why);
      expect(e!.message).not.toContain('gho_');
    }
  });

  it('opens a link that stays in its folder or in the project folder, under the name it was asked by', async () => {
    const real = readFileSync(join(repo, 'pipelines', 'real.pipeline.yaml'), 'utf8');
    const current = await client.call('file.read', { path: join(repo, 'current.pipeline.yaml') });
    expect(current).toEqual({ path: join(repo, 'current.pipeline.yaml'), text: real });
    // pipelines/up.pipeline.yaml -> ../real.pipeline.yaml leaves its folder, but not the project's
    await expect(client.call('file.read', { path: join(repo, 'pipelines', 'up.pipeline.yaml') })).rejects.toThrow(/no such file/);
    writeFileSync(join(repo, 'real.pipeline.yaml'), 'apiVersion: pipewright/v1\n# top\n');
    expect((await client.call('file.read', { path: join(repo, 'pipelines', 'up.pipeline.yaml') })).text).toContain('# top');
  });

  it('openedFileTarget: plain files pass as they are; isInside is not fooled by a shared prefix', () => {
    const plain = join(repo, 'pipelines', 'real.pipeline.yaml');
    expect(openedFileTarget(plain, [])).toBe(plain);
    expect(() => openedFileTarget(join(repo, 'pipelines', 'up.pipeline.yaml'), [])).toThrow(/outside the folders you opened/);
    expect(isInside('/a/bc/x', '/a/b')).toBe(false);
    expect(isInside('/a/b/x', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
  });
});
