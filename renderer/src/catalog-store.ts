/** The node catalogue as main sends it, shared by every open pipeline. */
import { create } from 'zustand';
import type { Catalog, NodeTypeInfo, PortKind, Stage } from '../../shared/catalog';

interface CatalogState {
  catalog: Catalog;
  byType: Map<string, NodeTypeInfo>;
  loaded: boolean;
  setCatalog(c: Catalog): void;
}

export const useCatalog = create<CatalogState>((set) => ({
  catalog: [],
  byType: new Map(),
  loaded: false,
  setCatalog(catalog) {
    set({ catalog, byType: new Map(catalog.map((t) => [t.type, t])), loaded: true });
  },
}));

export const STAGE_COLORS: Record<Stage, string> = {
  data: '#3b82f6',
  features: '#14b8a6',
  train: '#a855f7',
  evaluate: '#f59e0b',
  gate: '#ef4444',
  deploy: '#22c55e',
  monitor: '#ec4899',
};

export const PORT_COLORS: Record<PortKind, string> = {
  table: '#60a5fa',
  model: '#c084fc',
  metrics: '#fbbf24',
  report: '#f472b6',
  endpoint: '#4ade80',
};

export const STAGE_TITLES: Record<Stage, string> = {
  data: 'Data',
  features: 'Features',
  train: 'Train',
  evaluate: 'Evaluate',
  gate: 'Gate',
  deploy: 'Deploy',
  monitor: 'Monitor',
};
