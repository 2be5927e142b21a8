/**
 * The desktop app's file paths, run here without Electron's binary: the real preload bridge and
 * the real API handlers, with only Electron's module faked (its dialog, webUtils, contextBridge).
 * Browse… returns the native dialog's file checked; a dropped file's path (webUtils through the
 * preload) is checked the same way. Hostile answers (a folder, a non-CSV, a system file, a link
 * into /etc, a pipe, a relative path) are refused naming the path, and nothing was written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, OpenDialogOptions } from 'electron';
import { startMemoryApi, type MemoryApi } from '../../test/helpers/memory-api';
import { nativeDataPicker, type OpenDialog } from './data-files';

const ROOT = resolve(__dirname, '..', '..');

// ---- Electron's module, faked: what the preload asks of it is recorded ----
const exposed: Record<string, Record<string, (...a: never[]) => unknown>> = {};
const sent: { channel: string; message: unknown }[] = [];
const droppedPaths = new Map<object, string>();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: Record<string, (...a: never[]) => unknown>) => (exposed[key] = api) },
  ipcRenderer: { send: (channel: string, message: unknown) => sent.push({ channel, message }), on: () => {}, removeListener: () => {} },
  webUtils: { getPathForFile: (file: object) => droppedPaths.get(file) ?? '' },
}));

let dir: string;
let data: string;
let api: MemoryApi;
/** what the fake dialog answers next, and what it was asked */
let answer: { canceled: boolean; filePaths: string[] };
const asked: { win: unknown; options: OpenDialogOptions }[] = [];
const fakeDialog: OpenDialog = {
  showOpenDialog: (async (win: BrowserWindow, options: OpenDialogOptions) => {
    asked.push({ win, options });
    return answer;
  }) as OpenDialog['showOpenDialog'],
};
const fakeWindow = { id: 1 } as unknown as BrowserWindow;

const refusal = (p: Promise<unknown>) => p.then(() => null, (e: Error & { code?: string }) => e);
/** every file under `d` with its bytes: what a refused path must leave as it was */
const snapshot = (d: string): Record<string, string> =>
  Object.fromEntries(readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), 'hex')]));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-electron-files-'));
  data = join(dir, 'my data');
  mkdirSync(join(data, 'folder.csv'), { recursive: true });
  writeFileSync(join(data, 'iris.csv'), readFileSync(join(ROOT, 'resources', 'data', 'iris.csv')));
  writeFileSync(join(data, 'notes.txt'), 'not data\n');
  writeFileSync(join(data, 'IRIS-UPPER.CSV'), 'a\n1\n');
  symlinkSync('/etc/hostname', join(data, 'hostname.csv'));
  execFileSync('mkfifo', [join(data, 'pipe.csv')]);
  api = startMemoryApi({ mode: 'electron', configDir: join(dir, 'config'), workspaceDir: join(dir, 'workspace'), resourcesDir: join(ROOT, 'resources'), pickFile: nativeDataPicker(fakeDialog, () => fakeWindow) });
  await import('./preload');
});

afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Browse… in the desktop app (the native dialog)', () => {
  it('asks the dialog for the files the node type reads, over the window, and returns the chosen file', async () => {
    answer = { canceled: false, filePaths: [join(data, 'iris.csv')] };
    const r = await api.client.call('file.pickData', { type: 'data.csv' });
    expect(r.path).toBe(realpathSync(join(data, 'iris.csv')));
    const q = asked.at(-1)!;
    expect(q.win).toBe(fakeWindow);
    expect(q.options.properties).toEqual(['openFile']);
    expect(q.options.filters?.[0].extensions).toContain('csv');
    expect(q.options.filters?.[0].extensions.every((e) => !e.startsWith('.'))).toBe(true);
    expect(q.options.title).toMatch(/CSV/i);
  });

  it('gives null when the user cancels, and upper-case extensions are the same file kind', async () => {
    answer = { canceled: true, filePaths: [] };
    await expect(api.client.call('file.pickData', { type: 'data.csv' })).resolves.toEqual({ path: null });
    answer = { canceled: false, filePaths: [join(data, 'IRIS-UPPER.CSV')] };
    await expect(api.client.call('file.pickData', { type: 'data.csv' })).resolves.toEqual({ path: realpathSync(join(data, 'IRIS-UPPER.CSV')) });
  });

  it.each([
    ['a folder', 'folder.csv', /a folder, not a data file/],
    ['a file the node does not read', 'notes.txt', /not a file this node reads \(\.csv/],
    ['a link into /etc', 'hostname.csv', /a link into a system folder \(\/etc\)/],
    ['a pipe', 'pipe.csv', /not a regular file/],
  ])('refuses %s, naming it, and changes nothing', async (_what, name, why) => {
    const before = snapshot(dir);
    answer = { canceled: false, filePaths: [join(data, name)] };
    const e = await refusal(api.client.call('file.pickData', { type: 'data.csv' }));
    expect(e?.message).toContain(join(data, name));
    expect(e?.message).toMatch(why);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a system file outright and a path that is not absolute', async () => {
    answer = { canceled: false, filePaths: ['/etc/passwd'] };
    expect((await refusal(api.client.call('file.pickData', { type: 'data.csv' })))?.message).toMatch(/^\/etc\/passwd: in a system folder \(\/etc\)/);
    answer = { canceled: false, filePaths: ['../data/iris.csv'] };
    expect((await refusal(api.client.call('file.pickData', { type: 'data.csv' })))?.message).toMatch(/not an absolute path/);
    // a type that reads no file has no dialog at all
    const before = asked.length;
    expect((await refusal(api.client.call('file.pickData', { type: 'train.mlp' })))?.message).toMatch(/reads no data file/);
    expect(asked.length).toBe(before);
  });
});

describe('a file dropped on the desktop window', () => {
  /** What the page does: the bridge's path of the File, then main's check of it. */
  async function drop(path: string, type = 'data.csv') {
    const file = { name: path.split('/').pop() };
    droppedPaths.set(file, path);
    const bridged = exposed.pipewright.pathForFile(file as never) as string;
    expect(bridged).toBe(path);
    return api.client.call('file.dropped', { type, path: bridged });
  }

  it('the preload exposes only the message channel and the dropped file path', () => {
    expect(Object.keys(exposed)).toEqual(['pipewright']);
    expect(Object.keys(exposed.pipewright).sort()).toEqual(['onMessage', 'pathForFile', 'send']);
    exposed.pipewright.send({ id: 1 } as never);
    expect(sent.at(-1)).toEqual({ channel: 'pipewright:api', message: { id: 1 } });
  });

  it('gives the real path of a CSV, also through a link', async () => {
    await expect(drop(join(data, 'iris.csv'))).resolves.toEqual({ path: realpathSync(join(data, 'iris.csv')) });
    symlinkSync(join(data, 'iris.csv'), join(dir, 'link.csv'));
    await expect(drop(join(dir, 'link.csv'))).resolves.toEqual({ path: realpathSync(join(data, 'iris.csv')) });
  });

  it.each([
    ['a folder', () => join(data, 'folder.csv'), /a folder/],
    ['a non-CSV', () => join(data, 'notes.txt'), /not a file this node reads/],
    ['a system file', () => '/etc/passwd', /system folder/],
    ['a device', () => '/dev/zero', /system folder \(\/dev\)/],
    ['a file that is not there', () => join(data, 'gone.csv'), /no such file/],
  ])('refuses %s and writes nothing', async (_what, path, why) => {
    const before = snapshot(dir);
    const e = await refusal(drop(path()));
    expect(e?.message).toMatch(why);
    expect(snapshot(dir)).toEqual(before);
  });

  it('is refused in the browser, where a dropped file has no path (it is uploaded instead)', async () => {
    const web = startMemoryApi({ mode: 'web', configDir: join(dir, 'config-web'), workspaceDir: join(dir, 'workspace'), resourcesDir: join(ROOT, 'resources') });
    try {
      const e = await refusal(web.client.call('file.dropped', { type: 'data.csv', path: join(data, 'iris.csv') }));
      expect(e?.code).toBe('unavailable');
      const p = await refusal(web.client.call('file.pickData', { type: 'data.csv' }));
      expect(p?.code).toBe('unavailable');
    } finally {
      await web.close();
    }
  });
});
