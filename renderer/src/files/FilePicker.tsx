/** The browser's file picker: the workspace folder as main lists it (data files the node reads, with size and time). */
import { useEffect, useRef, useState } from 'react';
import type { WorkspaceListing } from '../../../shared/api/contract';
import { call } from '../api/client';
import { useDismiss } from '../panels/use-dismiss';
import { setFileParam, useFilePicker } from './files';
import { useCatalog } from '../catalog-store';
import './files.css';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function FilePicker() {
  const target = useFilePicker((s) => s.target);
  const close = useFilePicker((s) => s.close);
  const title = useCatalog((s) => (target ? s.byType.get(target.type)?.title : undefined));
  const [listing, setListing] = useState<WorkspaceListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  useDismiss(!!target, box, close);

  const open = async (dir: string, fallback?: string) => {
    if (!target) return;
    try {
      setListing(await call('workspace.files', { type: target.type, dir }));
      setError(null);
    } catch (e) {
      if (fallback !== undefined) return open(fallback);
      setError((e as Error).message);
    }
  };

  useEffect(() => {
    setListing(null);
    // the uploads and the bundled data are in data/; the top of the workspace when it has none
    if (target) void open('data', '');
  }, [target]);

  if (!target) return null;
  const parts = listing?.dir ? listing.dir.split('/') : [];
  return (
    <div className="pw-modal-backdrop">
      <div className="pw-file-picker" ref={box} role="dialog" aria-label="Choose a data file" data-testid="file-picker">
        <div className="pw-file-picker-head">
          <b>Choose a file for {title ?? target.type}</b>
          <button onClick={close} aria-label="close" data-testid="file-picker-close">
            ✕
          </button>
        </div>
        <nav className="pw-crumbs" data-testid="file-picker-crumbs">
          <button className="pw-link" onClick={() => open('')} title={listing?.root}>
            workspace
          </button>
          {parts.map((p, i) => (
            <span key={i}>
              {' / '}
              <button className="pw-link" onClick={() => open(parts.slice(0, i + 1).join('/'))}>
                {p}
              </button>
            </span>
          ))}
        </nav>
        {error && <div className="pw-error" data-testid="file-picker-error">{error}</div>}
        <div className="pw-file-list">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Size</th>
                <th>Modified</th>
              </tr>
            </thead>
            <tbody>
              {listing?.entries.map((e) => (
                <tr
                  key={e.name}
                  className={e.kind}
                  data-testid={`file-entry-${e.name}`}
                  onClick={() => {
                    if (e.kind === 'dir') return void open(listing.dir ? `${listing.dir}/${e.name}` : e.name);
                    setFileParam(target.node, target.param, e.path);
                    close();
                  }}
                >
                  <td>{e.kind === 'dir' ? `📁 ${e.name}` : e.name}</td>
                  <td className="num">{e.kind === 'file' ? formatBytes(e.size) : ''}</td>
                  <td>{new Date(e.modified).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</td>
                </tr>
              ))}
              {listing && listing.entries.length === 0 && (
                <tr>
                  <td colSpan={3} className="pw-muted">
                    No folders or data files here. Drop a file on the canvas to add it to the workspace.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div className="pw-muted small">Files in {listing?.root ?? 'the workspace folder'}. Drop a file on the canvas to copy it into data/.</div>
      </div>
    </div>
  );
}
