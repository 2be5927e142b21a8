/**
 * The example gallery: every bundled example with what it does, its node count and data. Opening
 * one opens a workspace copy that is never the user's edited work (main picks a free name), after
 * unsaved edits are saved or the user agreed to drop them. On a first start it is a strip docked
 * under the canvas (the canvas shrinks and is fitted again: nothing of the open example is covered),
 * the example that is open and ready to run first; it blocks nothing.
 */
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import type { ExampleInfo } from '../../../shared/api/contract';
import { call, onEvent, tryCall } from '../api/client';
import { openPath, settleUnsaved, useSession } from '../session';
import { useDismiss } from '../panels/use-dismiss';
import { useUi } from '../ui-store';
import { fitView } from '../commands';
import { basename } from '../util/paths';
import './files.css';

export const useGallery = create<{ open: boolean; welcome: boolean; show(welcome?: boolean): void; close(): void }>((set) => ({
  open: false,
  welcome: false,
  show: (welcome = false) => set({ open: true, welcome }),
  close: () => set({ open: false, welcome: false }),
}));

/** Opens example `name` as main placed it in the workspace, in the open project. */
export async function openExample(name: string): Promise<boolean> {
  if (!(await settleUnsaved())) return false;
  const project = useSession.getState().projectPath ?? undefined;
  const r = await tryCall('examples.open', { name, project }, `could not open the example ${name}`);
  if (!r) return false;
  // settled above: opening must not ask again
  useSession.setState({ saveState: 'saved' });
  await openPath(r.path);
  useUi.getState().setPage('editor');
  return true;
}

export function Gallery() {
  const open = useGallery((s) => s.open);
  const welcome = useGallery((s) => s.welcome);
  const close = useGallery((s) => s.close);
  const [examples, setExamples] = useState<ExampleInfo[] | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // The welcome panel stays until closed (the canvas beside it works); the menu's gallery closes on an outside click.
  useDismiss(open && !welcome, box, close);
  const ready = useSession((s) => s.ready);
  const firstStart = useSession((s) => s.info?.firstStart === true);
  useEffect(() => {
    if (!ready || !firstStart) return;
    useGallery.getState().show(true);
    // shown once per machine: the next start opens straight into the last project
    void tryCall('app.welcomed', {});
  }, [ready, firstStart]);
  // the desktop app's File ▸ Examples…
  useEffect(() => onEvent('app.command', (c) => c.command === 'examples.show' && useGallery.getState().show()), []);
  useEffect(() => {
    if (open && !examples) void call('examples.list', {}).then((r) => setExamples(r.examples), () => setExamples([]));
  }, [open, examples]);
  // The docked strip takes height from the canvas: fit the open example again into what is left.
  useEffect(() => {
    if (!welcome) return;
    const f = requestAnimationFrame(() => fitView());
    return () => cancelAnimationFrame(f);
  }, [welcome, examples]);
  const first = useSession((s) => (s.info?.examplePath ? basename(s.info.examplePath).replace(/\.pipeline\.ya?ml$/, '') : null));
  if (!open) return null;
  // the example a first start opened (ready to run) leads; the others keep main's order
  const ordered = examples && [...examples].sort((a, b) => Number(b.name === first) - Number(a.name === first));
  return (
    <aside className={`pw-gallery${welcome ? ' welcome' : ''}`} ref={box} data-testid="gallery" aria-label="Examples">
      <div className="pw-gallery-head">
        <b>{welcome ? 'Welcome to Pipewright' : 'Examples'}</b>
        {welcome && (
          <p className="pw-muted small">
            The {first ?? 'breast-cancer'} example is open and ready: press <b>▶ Run all</b>. Or start from another example (a copy in your workspace; your own work is never replaced):
          </p>
        )}
        <button onClick={close} aria-label="close" data-testid="gallery-close">
          ✕
        </button>
      </div>
      <ul data-testid="gallery-cards">
        {ordered?.map((e) => (
          <li key={e.name}>
            <button className={`pw-gallery-item${e.name === first ? ' current' : ''}`} data-testid={`example-${e.name}`} title={e.description} onClick={async () => (await openExample(e.name)) && close()}>
              <span className="title">{e.title}</span>
              <span className="desc">{e.description}</span>
              <span className="meta">
                {e.nodes} nodes · {e.data.join(', ') || 'no data file'}
              </span>
            </button>
          </li>
        ))}
        {examples?.length === 0 && <li className="pw-muted">No bundled examples in this installation.</li>}
      </ul>
    </aside>
  );
}
