/**
 * The browser's file picker and drops, through the API as a page calls them: only the workspace is
 * listed (a request for /etc, `../x` or a link out lists and returns nothing of it), only data files
 * the node type reads, and an upload lands in the workspace's data/ folder under a free, safe name,
 * never replacing a file and never writing outside, whatever name it was given.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/rpc';
import { startMemoryApi, type MemoryApi } from '../../test/helpers/memory-api';
import { safeFileName } from './workspace-files';

const ROOT = resolve(__dirname, '..', '..');
const CSV = readFileSync(join(ROOT, 'resources', 'data', 'iris.csv'));

let dir: string;
let ws: string;
let outside: string;
let api: MemoryApi;
let client: ApiClient;

const refusal = (p: Promise<unknown>) => p.then(() => null, (e: Error & { code?: string }) => e);

/** Uploads `bytes` as `name` in chunks of `chunk` bytes, as the page does. */
async function upload(name: string, bytes: Buffer, chunk = 4 * 1024 * 1024, type = 'data.csv'): Promise<string | null> {
  let id: string | undefined;
  let offset = 0;
  for (;;) {
    const part = bytes.subarray(offset, offset + chunk);
    const r = await client.call('workspace.upload', { type, name, total: bytes.length, offset, data: part.toString('base64'), upload: id });
    id = r.upload;
    offset += part.length;
    if (r.path || offset >= bytes.length) return r.path;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-ws-files-'));
  ws = join(dir, 'workspace');
  outside = join(dir, 'outside');
  mkdirSync(join(ws, 'data', 'sub'), { recursive: true });
  mkdirSync(join(ws, 'examples'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(ws, 'data', 'iris.csv'), CSV);
  writeFileSync(join(ws, 'data', 'notes.txt'), 'not data');
  writeFileSync(join(ws, 'data', '.hidden.csv'), 'a\n1\n');
  writeFileSync(join(ws, 'data', 'sub', 'deep.csv'), 'a\n1\n');
  writeFileSync(join(outside, 'secret.csv'), 'token\nhunter2\n');
  // what a shared folder can carry: links out of the workspace, to a file and to a folder
  symlinkSync(join(outside, 'secret.csv'), join(ws, 'data', 'secret.csv'));
  symlinkSync('/etc', join(ws, 'data', 'etc'));
  symlinkSync(outside, join(ws, 'out'));
  // and one that stays inside
  symlinkSync(join(ws, 'data', 'iris.csv'), join(ws, 'examples', 'iris-link.csv'));
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'config'), workspaceDir: ws, resourcesDir: join(ROOT, 'resources') });
  client = api.client;
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('workspace.files', () => {
  it('lists folders and the files the node type reads, with size and time; no hidden names, no links out', async () => {
    const top = await client.call('workspace.files', { type: 'data.csv' });
    expect(top.root).toBe(ws);
    expect(top.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(['dir:data', 'dir:examples']);
    const data = await client.call('workspace.files', { type: 'data.csv', dir: 'data' });
    expect(data.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(['dir:sub', 'file:iris.csv']);
    const iris = data.entries.find((e) => e.name === 'iris.csv')!;
    expect(iris).toMatchObject({ path: join(ws, 'data', 'iris.csv'), size: CSV.length });
    expect(Date.parse(iris.modified)).toBeGreaterThan(Date.now() - 3_600_000);
    expect((await client.call('workspace.files', { type: 'data.csv', dir: 'examples' })).entries.map((e) => e.name)).toEqual(['iris-link.csv']);
    // another type, other endings
    expect((await client.call('workspace.files', { type: 'data.parquet', dir: 'data' })).entries.map((e) => e.name)).toEqual(['sub']);
  });

  it('a request for /etc, /etc/passwd, ../x or a link out lists nothing and names no file there', async () => {
    for (const bad of ['/etc', '/etc/passwd', '../outside', '..', 'data/../../outside', 'out', 'data/etc', 'data/secret.csv', 'C:\\Windows', 'data/\0x']) {
      const e = await refusal(client.call('workspace.files', { type: 'data.csv', dir: bad }));
      expect(e, bad).not.toBeNull();
      expect(e!.message, bad).not.toMatch(/hunter2|root:x:0/);
      expect(e!.message, bad).not.toContain(outside);
    }
    const e = await refusal(client.call('workspace.files', { type: 'data.csv', dir: '/etc' }));
    expect(e!.message).toMatch(/not an absolute path/);
    // a type that reads no file has no listing
    await expect(client.call('workspace.files', { type: 'features.split', dir: 'data' })).rejects.toThrow(/reads no data file/);
  });
});

describe('workspace.upload', () => {
  it('places a dropped CSV in data/ under a free name, never replacing the file already there', async () => {
    const before = readFileSync(join(ws, 'data', 'iris.csv'));
    const first = await upload('iris.csv', CSV, 1000);
    expect(first).toBe(join(ws, 'data', 'iris-2.csv'));
    expect(readFileSync(first!)).toEqual(CSV);
    expect(readFileSync(join(ws, 'data', 'iris.csv'))).toEqual(before);
    expect(await upload('iris.csv', Buffer.from('a,b\n1,2\n'))).toBe(join(ws, 'data', 'iris-3.csv'));
    // a link in the way is a taken name too: nothing is written through it
    expect(await upload('secret.csv', Buffer.from('x\n1\n'))).toBe(join(ws, 'data', 'secret-2.csv'));
    expect(readFileSync(join(outside, 'secret.csv'), 'utf8')).toBe('token\nhunter2\n');
    // no part files left behind
    expect(readdirSync(join(ws, 'data')).filter((f) => f.startsWith('.pw-upload'))).toEqual([]);
  });

  it('sanitises the name: a path, dots or odd characters cannot put the file anywhere but data/', async () => {
    const placed = await upload('../../outside/evil name;rm -rf.csv', Buffer.from('a\n1\n'));
    expect(placed).toBe(join(ws, 'data', 'evil_name_rm_-rf.csv'));
    expect(readdirSync(outside).sort()).toEqual(['secret.csv']);
    expect(await upload('..\\..\\x.csv', Buffer.from('a\n1\n'))).toBe(join(ws, 'data', 'x.csv'));
    expect(await upload('.bashrc.csv', Buffer.from('a\n1\n'))).toBe(join(ws, 'data', 'bashrc.csv'));
    expect(safeFileName('CON.csv', ['.csv'])).toBe('file-CON.csv');
    expect(safeFileName('...csv', ['.csv'])).toBe('data.csv');
    expect(safeFileName('x.CSV', ['.csv'])).toBe('x.csv');
  });

  it('refuses what is not a data file, a size over the cap, and chunks out of order, leaving nothing behind', async () => {
    const listing = () => readdirSync(join(ws, 'data')).sort();
    const was = listing();
    await expect(upload('run.sh', Buffer.from('#!/bin/sh\n'))).rejects.toThrow(/not a data file/);
    await expect(client.call('workspace.upload', { type: 'data.csv', name: 'big.csv', total: 300 * 1024 * 1024, offset: 0, data: '' })).rejects.toThrow(/more than the 256 MiB/);
    const start = await client.call('workspace.upload', { type: 'data.csv', name: 'gap.csv', total: 10, offset: 0, data: Buffer.from('a\n1').toString('base64') });
    await expect(client.call('workspace.upload', { type: 'data.csv', name: 'gap.csv', total: 10, offset: 7, data: Buffer.from('x').toString('base64'), upload: start.upload })).rejects.toThrow(/expected offset 3/);
    // the aborted upload is gone: its id no longer takes chunks
    await expect(client.call('workspace.upload', { type: 'data.csv', name: 'gap.csv', total: 10, offset: 3, data: '', upload: start.upload })).rejects.toThrow(/no upload/);
    await expect(client.call('workspace.upload', { type: 'data.csv', name: 'over.csv', total: 2, offset: 0, data: Buffer.from('abc').toString('base64') })).rejects.toThrow(/more bytes than/);
    expect(listing()).toEqual(was);
    expect(existsSync(join(ws, 'data', 'big.csv'))).toBe(false);
  });
});

describe('examples', () => {
  it('lists the bundled examples with their description, node count and data', async () => {
    const { examples } = await client.call('examples.list', {});
    const bc = examples.find((e) => e.name === 'breast-cancer')!;
    expect(bc).toMatchObject({ title: 'Breast cancer', nodes: 7, data: ['breast_cancer.csv'] });
    expect(bc.description).toMatch(/Wisconsin/);
    expect(examples.map((e) => e.name)).toContain('iris');
  });

  it('opens the workspace copy while unchanged, else a copy under a free name; never overwrites', async () => {
    const bundled = readFileSync(join(ROOT, 'resources', 'examples', 'iris.pipeline.yaml'), 'utf8');
    const a = await client.call('examples.open', { name: 'iris' });
    expect(a).toEqual({ path: join(ws, 'examples', 'iris.pipeline.yaml'), name: 'iris', copied: true });
    expect(readFileSync(a.path, 'utf8')).toBe(bundled);
    expect(existsSync(join(ws, 'data', 'iris.csv'))).toBe(true);
    expect(await client.call('examples.open', { name: 'iris' })).toMatchObject({ path: a.path, copied: false });
    // the user edits the file: the next open is a copy with its own name
    writeFileSync(a.path, `${bundled}# mine\n`);
    const b = await client.call('examples.open', { name: 'iris' });
    expect(b).toEqual({ path: join(ws, 'examples', 'iris-2.pipeline.yaml'), name: 'iris-2', copied: true });
    expect(readFileSync(a.path, 'utf8')).toBe(`${bundled}# mine\n`);
    expect(readFileSync(b.path, 'utf8')).toMatch(/^metadata:\n {2}name: iris-2$/m);
    // a project that holds edited versions of the name: a copy too
    const project = join(dir, 'p.pwproj');
    await client.call('pipeline.save', { project, text: bundled.replace('minAccuracy: 0.9', 'minAccuracy: 0.8') });
    await client.call('pipeline.save', { project, text: readFileSync(join(ROOT, 'resources', 'examples', 'penguins.pipeline.yaml'), 'utf8') });
    expect((await client.call('examples.open', { name: 'penguins', project })).name).toBe('penguins');
    expect((await client.call('examples.open', { name: 'iris', project })).name).toBe('iris-3');
    await expect(client.call('examples.open', { name: '../../etc/passwd' })).rejects.toThrow(/no bundled example/);
  });

  it('app.info says first start until the gallery was shown', async () => {
    expect((await client.call('app.info', {})).firstStart).toBe(true);
    await client.call('app.welcomed', {});
    expect((await client.call('app.info', {})).firstStart).toBe(false);
  });
});
