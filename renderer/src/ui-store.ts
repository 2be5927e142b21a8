/** Panel state of the window (not part of any document, never undoable); remembered across reloads. */
import { create } from 'zustand';

interface UiState {
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

export const useUi = create<UiState>((set, get) => ({
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
