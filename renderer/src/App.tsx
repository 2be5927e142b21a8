import { Suspense, useEffect } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useStore } from 'zustand';
import { EditorStoreContext } from './store/context';
import { useSession, boot } from './session';
import { useUi } from './ui-store';
import { installShortcuts } from './shortcuts';
import { layoutMissing, viewOpened } from './commands';
import { Toolbar } from './panels/Toolbar';
import { Palette } from './panels/Palette';
import { Canvas } from './canvas/Canvas';
import { Inspector } from './panels/Inspector';
import { YamlView } from './panels/YamlView';
import { LogPanel } from './panels/LogPanel';
import { Notices } from './panels/Notices';
import { pages, preloadPages } from './pages/registry';
import { RunBanner } from './pages/runs/RunBanner';
import { FilePicker } from './files/FilePicker';
import { Gallery } from './files/Gallery';

export function App() {
  const store = useStore(useSession, (s) => s.store);
  const ready = useStore(useSession, (s) => s.ready);
  const yamlOpen = useUi((s) => s.yamlOpen);
  const logOpen = useUi((s) => s.logOpen);
  const pageId = useUi((s) => s.page);
  const page = pages.find((p) => p.id === pageId);

  useEffect(() => {
    const stop = installShortcuts();
    void boot();
    preloadPages();
    return stop;
  }, []);

  // A file without a `layout` block (hand-written, from CI) is laid out once when it opens.
  useEffect(
    () =>
      store.subscribe((s, prev) => {
        if (s.revision !== prev.revision && s.lastSource === 'load') {
          viewOpened();
          void layoutMissing();
        }
      }),
    [store],
  );

  return (
    <EditorStoreContext.Provider value={store}>
      <ReactFlowProvider>
        <div className={`pw-app${yamlOpen ? ' with-yaml' : ''}${logOpen ? ' with-log' : ''}`} data-ready={ready ? 'true' : 'false'} data-testid="app">
          <Toolbar />
          <Notices />
          <FilePicker />
          {page && (
            <main className="pw-page" data-testid={`page-${page.id}`}>
              <Suspense fallback={<div className="pw-page-loading">Loading {page.title}…</div>}>
                <page.component />
              </Suspense>
            </main>
          )}
          <div className="pw-main" hidden={!!page}>
            <Palette />
            <div className="pw-center">
              <RunBanner />
              <div className="pw-work">
                <Canvas />
                {yamlOpen && <YamlView />}
              </div>
              <Gallery />
              {logOpen && <LogPanel />}
            </div>
            <Inspector />
          </div>
        </div>
      </ReactFlowProvider>
    </EditorStoreContext.Provider>
  );
}
