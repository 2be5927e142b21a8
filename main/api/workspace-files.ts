/**
 * The browser's file access, confined to the workspace folder (`npm run web` has no native dialog,
 * and a page holding the token must still not read or write anywhere else): a listing of the data
 * files a node type reads, and uploads of dropped files into the workspace's data/ folder.
 *
 * Every path is checked after symlinks are resolved: `..`, an absolute path, or a link (a folder
 * or a file) leading out of the workspace lists and writes nothing. An upload never replaces a
 * file: it is written to a hidden part file, then linked under the first free name.
 */
import { closeSync, constants, copyFileSync, linkSync, mkdirSync, openSync, readdirSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { RpcError } from '../../shared/api/rpc';
import type { WorkspaceEntry, WorkspaceListing } from '../../shared/api/contract';
import { isInside } from './paths';

/** An upload larger than this is refused before a byte is written. */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** One message's share of an upload (the WebSocket takes 8 MiB per message; base64 grows it by a third). */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_ENTRIES = 5000;
export const UPLOAD_FOLDER = 'data';

function refused(message: string): RpcError {
  return new RpcError(message, 'refused');
}

/** The workspace's real folder (created when missing). */
function realRoot(root: string): string {
  mkdirSync(root, { recursive: true });
  return realpathSync(root);
}

/**
 * `rel` (relative to the workspace, '' for its top) as a real folder inside it, or a refusal
 * naming why. `..` segments and absolute paths are refused before the disk is touched.
 */
function folderInside(root: string, rel: string): { abs: string; rel: string } {
  if (rel.includes('\0')) throw refused('a folder name has no NUL character');
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw refused(`${rel}: give a folder inside the workspace, not an absolute path`);
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refused(`${rel}: a folder inside the workspace has no ".." in its name`);
  const top = realRoot(root);
  const abs = resolve(root, ...parts);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    throw new RpcError(`${parts.join('/') || '.'}: no such folder in the workspace`, 'not_found');
  }
  if (!isInside(real, top)) throw refused(`${parts.join('/')}: a link out of the workspace`);
  if (!statSync(real).isDirectory()) throw refused(`${parts.join('/')}: not a folder`);
  return { abs, rel: parts.join('/') };
}

/**
 * The folders and the files ending in one of `extensions` in the workspace folder `rel`. Hidden
 * names are skipped, and so are links whose target lies outside the workspace.
 */
export function listWorkspace(root: string, rel: string, extensions: readonly string[]): WorkspaceListing {
  const top = realRoot(root);
  const folder = folderInside(root, rel);
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  const entries: WorkspaceEntry[] = [];
  for (const d of readdirSync(folder.abs, { withFileTypes: true })) {
    if (d.name.startsWith('.') || entries.length >= MAX_ENTRIES) continue;
    const abs = join(folder.abs, d.name);
    let st;
    try {
      if (d.isSymbolicLink() && !isInside(realpathSync(abs), top)) continue;
      st = statSync(abs);
    } catch {
      continue; // a dangling link or a file removed meanwhile
    }
    const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
    if (!kind || (kind === 'file' && !wanted.has(extname(d.name).toLowerCase()))) continue;
    entries.push({ name: d.name, path: abs, kind, size: kind === 'file' ? st.size : 0, modified: st.mtime.toISOString() });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  return { root: resolve(root), dir: folder.rel, entries };
}

const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A dropped file's name as a safe file name: its last path segment, letters, digits, `.`, `_` and
 * `-` only, not hidden, at most 100 characters, ending in one of `extensions`. Null when nothing
 * of it is left or its ending is not one a data node reads.
 */
export function safeFileName(name: string, extensions: readonly string[]): string | null {
  const last = name.split(/[\\/]/).pop() ?? '';
  const ext = extname(last).toLowerCase();
  if (!extensions.map((e) => e.toLowerCase()).includes(ext)) return null;
  let base = last
    .slice(0, last.length - ext.length)
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .replace(/[._-]+$/, '')
    .slice(0, 100 - ext.length);
  if (!base) base = 'data';
  if (RESERVED.test(base)) base = `file-${base}`;
  return base + ext;
}

interface Upload {
  part: string;
  fd: number;
  name: string;
  folder: string;
  received: number;
  total: number;
}

/** Uploads in progress (one message per chunk), by id. */
export class Uploads {
  private readonly open = new Map<string, Upload>();

  constructor(private readonly root: () => string | null) {}

  /**
   * One chunk of an upload: the first (offset 0, no id) starts it, the last one places the file
   * under the first free name in the workspace's data/ folder and returns its path.
   */
  chunk(p: { upload?: string; name: string; total: number; offset: number; data: string; extensions: readonly string[] }): { upload: string; received: number; path: string | null } {
    const bytes = Buffer.from(p.data, 'base64');
    if (bytes.length > UPLOAD_CHUNK_BYTES) throw refused(`an upload chunk holds at most ${UPLOAD_CHUNK_BYTES} bytes`);
    let id = p.upload;
    let u = id ? this.open.get(id) : undefined;
    if (id && !u) throw new RpcError(`no upload ${id} in progress`, 'not_found');
    if (!u) {
      if (p.offset !== 0) throw refused('an upload starts at offset 0');
      u = this.start(p.name, p.total, p.extensions);
      id = randomBytes(12).toString('hex');
      this.open.set(id, u);
    }
    try {
      if (p.offset !== u.received) throw refused(`upload ${id}: expected offset ${u.received}, got ${p.offset}`);
      if (u.received + bytes.length > u.total) throw refused(`upload ${id}: more bytes than the ${u.total} announced`);
      writeSync(u.fd, bytes, 0, bytes.length, u.received);
      u.received += bytes.length;
      if (u.received < u.total) return { upload: id!, received: u.received, path: null };
      closeSync(u.fd);
      this.open.delete(id!);
      const path = placeUnderFreeName(u.part, u.folder, u.name);
      return { upload: id!, received: u.received, path };
    } catch (e) {
      this.abort(id!);
      throw e;
    }
  }

  private start(name: string, total: number, extensions: readonly string[]): Upload {
    const root = this.root();
    if (!root) throw new RpcError('this app has no workspace folder to upload into', 'unavailable');
    if (!Number.isInteger(total) || total < 0) throw refused(`an upload's size is a whole number of bytes, not ${total}`);
    if (total > MAX_UPLOAD_BYTES) throw refused(`${name}: ${total} bytes is more than the ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB a dropped file may have; copy it into the workspace folder instead`);
    const safe = safeFileName(name, extensions);
    if (!safe) throw refused(`${name}: not a data file a node reads (${extensions.join(', ')})`);
    mkdirSync(join(root, UPLOAD_FOLDER), { recursive: true });
    const folder = folderInside(root, UPLOAD_FOLDER).abs;
    const part = join(folder, `.pw-upload-${randomBytes(8).toString('hex')}.part`);
    const fd = openSync(part, 'wx', 0o600);
    return { part, fd, name: safe, folder, received: 0, total };
  }

  private abort(id: string): void {
    const u = this.open.get(id);
    if (!u) return;
    this.open.delete(id);
    try {
      closeSync(u.fd);
    } catch {
      // already closed
    }
    rmSync(u.part, { force: true });
  }

  /** Removes the part files of uploads never finished (the app is closing). */
  dispose(): void {
    for (const id of [...this.open.keys()]) this.abort(id);
  }
}

/** Links `part` as `name`, or `name-2`, `name-3`, … (a link never replaces a file), then removes the part file. */
function placeUnderFreeName(part: string, folder: string, name: string): string {
  const ext = extname(name);
  const base = name.slice(0, name.length - ext.length);
  try {
    for (let i = 1; i < 10_000; i++) {
      const target = join(folder, i === 1 ? name : `${base}-${i}${ext}`);
      try {
        linkSync(part, target);
        return target;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        // a file system without hard links: an exclusive copy refuses an existing name as well
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
      }
      try {
        copyFileSync(part, target, constants.COPYFILE_EXCL);
        return target;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    throw refused(`${name}: no free name left in ${folder}`);
  } finally {
    rmSync(part, { force: true });
  }
}

