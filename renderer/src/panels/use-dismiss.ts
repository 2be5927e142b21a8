import { useEffect, type RefObject } from 'react';

/** Closes a popover on Escape and on a press outside `box`. */
export function useDismiss(open: boolean, box: RefObject<HTMLElement | null>, close: () => void): void {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    const onDown = (e: PointerEvent) => box.current && !box.current.contains(e.target as Node) && close();
    addEventListener('keydown', onKey, true);
    addEventListener('pointerdown', onDown, true);
    return () => {
      removeEventListener('keydown', onKey, true);
      removeEventListener('pointerdown', onDown, true);
    };
  }, [open, box, close]);
}
