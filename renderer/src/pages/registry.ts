/**
 * The app's pages besides the editor (Runs, Models, Serving, …). Adding a page is one entry here:
 * the toolbar shows a tab for it and App renders it in place of the editor while it is active.
 * Pages load lazily so the editor's first paint does not pay for them.
 */
import { createElement, lazy, useState, type ComponentType } from 'react';
import { TriggersBadge } from './triggers/TriggersBadge';

export interface PageEntry {
  /** stable id, used in the URL hash (#page=runs) and in data-testid="page-tab-<id>" */
  id: string;
  title: string;
  /** the page; it suspends only until its code has loaded once (see page()) */
  component: ComponentType;
  /** fetches the page's code ahead of a click (App does it for every page once the app is idle) */
  preload: () => Promise<unknown>;
  /** a small indicator drawn in the tab (loaded with the toolbar, so keep it small) */
  badge?: ComponentType;
}

/**
 * A lazily loaded page that renders at once after preload(). React.lazy alone suspends on its
 * first render even when the module was fetched before (its own promise settles a tick later), and
 * React then holds the fallback for its throttle (~300 ms and the retry) before the page's first
 * frame: that was most of the Runs tab's first paint.
 */
function page(load: () => Promise<{ default: ComponentType }>): Pick<PageEntry, 'component' | 'preload'> {
  let loaded: ComponentType | null = null;
  let loading: Promise<ComponentType> | null = null;
  const preload = () => (loading ??= load().then((m) => (loaded = m.default)));
  const Lazy = lazy(() => preload().then((c) => ({ default: c })));
  // chosen once per mount: a page first shown through Lazy is not remounted when its code lands
  const component = () => {
    const [shown] = useState<ComponentType>(() => loaded ?? Lazy);
    return createElement(shown);
  };
  return { component, preload };
}

export const pages: readonly PageEntry[] = [
  { id: 'runs', title: 'Runs', ...page(() => import('./runs/RunsPage')) },
  { id: 'models', title: 'Models', ...page(() => import('./models/ModelsPage')) },
  { id: 'serving', title: 'Serving', ...page(() => import('./serving/ServingPage')) },
  { id: 'triggers', title: 'Triggers', ...page(() => import('./triggers/TriggersPage')), badge: TriggersBadge },
];

/** Fetches every page's code once the app is idle after it starts, so a tab press waits for data only. */
export function preloadPages(): void {
  const idle = globalThis.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 2000));
  idle(() => pages.forEach((p) => void p.preload().catch(() => undefined)), { timeout: 10_000 });
}
