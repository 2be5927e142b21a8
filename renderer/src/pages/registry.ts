/**
 * The app's pages besides the editor (Runs, Models, Serving, …). Adding a page is one entry here:
 * the toolbar shows a tab for it and App renders it in place of the editor while it is active.
 * Pages load lazily so the editor's first paint does not pay for them.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { TriggersBadge } from './triggers/TriggersBadge';

export interface PageEntry {
  /** stable id, used in the URL hash (#page=runs) and in data-testid="page-tab-<id>" */
  id: string;
  title: string;
  component: LazyExoticComponent<ComponentType>;
  /** a small indicator drawn in the tab (loaded with the toolbar, so keep it small) */
  badge?: ComponentType;
}

export const pages: readonly PageEntry[] = [
  { id: 'runs', title: 'Runs', component: lazy(() => import('./runs/RunsPage')) },
  { id: 'models', title: 'Models', component: lazy(() => import('./models/ModelsPage')) },
  { id: 'serving', title: 'Serving', component: lazy(() => import('./serving/ServingPage')) },
  { id: 'triggers', title: 'Triggers', component: lazy(() => import('./triggers/TriggersPage')), badge: TriggersBadge },
];

/** keeps `lazy` referenced while the list is empty */
export const lazyPage = lazy;
