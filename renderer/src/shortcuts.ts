/** The keyboard shortcuts people expect; ignored while typing in a field or in Monaco. */
import { useSession, save } from './session';
import { copySelection, deleteSelection, duplicateSelection, pasteText, selectAll } from './commands';
import { groupSelection, ungroupSelection } from './canvas/group-commands';

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest?.('.monaco-editor');
}

export function installShortcuts(): () => void {
  const onKey = (e: KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    // Ctrl+S saves from anywhere, including the YAML editor.
    if (mod && key === 's') {
      e.preventDefault();
      void save(true);
      return;
    }
    if (typing(e.target)) return;
    const store = useSession.getState().store.getState();
    if (mod && key === 'z') {
      e.preventDefault();
      if (e.shiftKey) store.redo();
      else store.undo();
    } else if (mod && key === 'y') {
      e.preventDefault();
      store.redo();
    } else if (mod && key === 'c') {
      void copySelection();
    } else if (mod && key === 'x') {
      void copySelection().then((ok) => ok && deleteSelection());
    } else if (mod && key === 'd') {
      e.preventDefault();
      duplicateSelection();
    } else if (mod && key === 'g') {
      e.preventDefault();
      if (e.shiftKey) ungroupSelection();
      else groupSelection();
    } else if (mod && key === 'a') {
      e.preventDefault();
      selectAll();
    } else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) {
      e.preventDefault();
      deleteSelection();
    }
  };
  // Paste arrives as its own event so it works with the system clipboard without a permission prompt.
  const onPaste = (e: ClipboardEvent) => {
    if (typing(e.target)) return;
    const text = e.clipboardData?.getData('text/plain');
    e.preventDefault();
    void pasteText(text || undefined);
  };
  window.addEventListener('keydown', onKey);
  window.addEventListener('paste', onPaste);
  return () => {
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('paste', onPaste);
  };
}
