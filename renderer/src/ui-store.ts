/** Panel state of the window (not part of any document, never undoable); remembered across reloads. */
import { create } from 'zustand';

interface UiState {
  /** 'editor' or the id of a page in pages/registry.ts */
  page: string;
  setPage(id: string): void;
  yamlOpen: boolean;
  logOpen: boolean;
  logFilter: string | null;
  /** transient reason shown after a refused connection */
  refusal: string | null;
  setYamlOpen(v: boolean): void;
  showLog(nodeId: string | null): void;
  setLogOpen(v: boolean): void;
  refuse(reason: string | null): void;
}

const KEY = 'pipewright.ui';
const saved = (() => {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as { yamlOpen?: boolean; logOpen?: boolean };
  } catch {
    return {};
  }
})();

let refusalTimer: ReturnType<typeof setTimeout> | null = null;

const pageFromHash = () => /(?:^#|&)page=([a-z0-9-]+)/.exec(globalThis.location?.hash ?? '')?.[1] ?? 'editor';

export const useUi = create<UiState>((set, get) => ({
  page: pageFromHash(),
  setPage(id) {
    set({ page: id });
    const rest = (location.hash.replace(/^#/, '').split('&').filter((p) => p && !p.startsWith('page='))).join('&');
    history.replaceState(null, '', `${location.pathname}${location.search}${id === 'editor' ? (rest ? `#${rest}` : '') : `#page=${id}${rest ? `&${rest}` : ''}`}`);
  },
  yamlOpen: saved.yamlOpen ?? false,
  logOpen: saved.logOpen ?? false,
  logFilter: null,
  refusal: null,
  setYamlOpen(v) {
    set({ yamlOpen: v });
    persist(get());
  },
  showLog(nodeId) {
    set({ logOpen: true, logFilter: nodeId });
    persist(get());
  },
  setLogOpen(v) {
    set({ logOpen: v });
    persist(get());
  },
  refuse(reason) {
    if (refusalTimer) clearTimeout(refusalTimer);
    set({ refusal: reason });
    if (reason) refusalTimer = setTimeout(() => set({ refusal: null }), 4000);
  },
}));

function persist(s: UiState) {
  localStorage.setItem(KEY, JSON.stringify({ yamlOpen: s.yamlOpen, logOpen: s.logOpen }));
}
