/**
 * Data files for data nodes: choosing one (the desktop app's native dialog, or in the browser the
 * workspace picker main serves) and dropping one on the canvas (in the browser it is uploaded into
 * the workspace's data/ folder first: a dropped File has no path there). The node's path param is
 * set relative to the pipeline's folder, so the schema pickers refresh from the file's header.
 */
import { create } from 'zustand';
import type { Pipeline, Position } from '../../../shared/pipeline/model';
import type { NodeTypeInfo } from '../../../shared/catalog';
import { call, tryCall, useNotices } from '../api/client';
import { useCatalog } from '../catalog-store';
import { addNode, setParam } from '../doc/ops';
import { baseDirOf, useSession } from '../session';
import { relativePath } from '../util/paths';

/** What the workspace picker is choosing for: a node's file param. */
export interface PickTarget {
  node: string;
  param: string;
  type: string;
}

export const useFilePicker = create<{ target: PickTarget | null; close(): void }>((set) => ({
  target: null,
  close: () => set({ target: null }),
}));

/** The name under which the pipeline refers to `abs`: relative to its folder when it has one. */
export function pathForPipeline(abs: string): string {
  const base = baseDirOf(useSession.getState());
  return base ? relativePath(base, abs) : abs;
}

/** Sets node `node`'s file param to `abs` (one undo step); the schemas follow the document. */
export function setFileParam(node: string, param: string, abs: string): void {
  const { store } = useSession.getState();
  store.getState().edit(null, (d) => setParam(d, node, param, pathForPipeline(abs)));
}

/** Browse… beside a data node's file param: the native dialog in the desktop app, else the workspace picker. */
export async function chooseFile(target: PickTarget): Promise<void> {
  if (useSession.getState().info?.mode === 'electron') {
    const r = await tryCall('file.pickData', { type: target.type }, 'could not open the file dialog');
    if (r?.path) setFileParam(target.node, target.param, r.path);
    return;
  }
  useFilePicker.setState({ target });
}

/** The data node type that reads files ending like `name` (its `fileExtensions`), and its file param. */
export function typeForFile(name: string, catalog: readonly NodeTypeInfo[]): { type: string; param: string } | null {
  const lower = name.toLowerCase();
  for (const t of catalog) {
    const exts = t.capabilities?.fileExtensions ?? [];
    const param = t.capabilities?.readsFiles?.[0];
    if (param && exts.some((e) => lower.endsWith(e))) return { type: t.type, param };
  }
  return null;
}

/** A node id named after the file (`penguins.csv` -> penguins), free in `doc`. */
export function idForFile(doc: Pipeline, name: string): string {
  let base = name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').slice(0, 40);
  if (!base) base = 'data';
  const taken = new Set(doc.nodes.map((n) => n.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

const CHUNK = 4 * 1024 * 1024;

function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsDataURL(blob);
  });
}

/** Uploads a dropped file into the workspace's data/ folder in chunks; resolves to where main placed it. */
export async function uploadFile(file: File, type: string): Promise<string> {
  let upload: string | undefined;
  let offset = 0;
  do {
    const part = file.slice(offset, offset + CHUNK);
    const r = await call('workspace.upload', { type, name: file.name, total: file.size, offset, data: await base64Of(part), upload });
    upload = r.upload;
    offset = r.received;
    if (r.path) return r.path;
  } while (offset < file.size);
  throw new Error(`${file.name}: the upload ended without a file`);
}

/**
 * Files dropped on the canvas at `at` (flow coordinates): one data node per file a node type
 * reads, side by side, each pointing at the file (uploaded first in the browser).
 */
export async function dropFiles(files: File[], at: Position): Promise<void> {
  const { catalog, byType } = useCatalog.getState();
  const bridge = window.pipewright;
  const notices = useNotices.getState();
  let i = 0;
  for (const file of files) {
    const match = typeForFile(file.name, catalog);
    if (!match) {
      notices.push('warn', `${file.name}: no data node reads this kind of file (${catalog.flatMap((t) => t.capabilities?.fileExtensions ?? []).join(', ')})`);
      continue;
    }
    let abs: string;
    try {
      // the desktop app knows the dropped file's path (main checks it); the browser uploads it
      const dropped = bridge?.pathForFile?.(file);
      abs = dropped ? (await call('file.dropped', { type: match.type, path: dropped })).path : await uploadFile(file, match.type);
    } catch (e) {
      notices.push('error', `could not add ${file.name}: ${(e as Error).message}`);
      continue;
    }
    const position = { x: at.x + i * 40, y: at.y + i * 40 };
    i++;
    const { store } = useSession.getState();
    let id = '';
    store.getState().edit(null, (d) => {
      const r = addNode(d, match.type, position, byType.get(match.type), idForFile(d, file.name));
      id = r.id;
      return setParam(r.doc, id, match.param, pathForPipeline(abs));
    });
    store.getState().select([id]);
  }
}
