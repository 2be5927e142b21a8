/**
 * Monaco scrolls virtually: it positions its lines itself inside `overflow: hidden` boxes whose
 * own (native) scroll offsets it expects to stay 0. The browser still scrolls those boxes when
 * something asks it to reveal an element inside them: `scrollIntoView`, a focused node, an
 * automated click on a line (a `.view-line` is as wide as the widest line, so it reaches past the
 * panel). Monaco folds such a native scroll back into its own position for its outer box, and for
 * the vertical axis of the inner ones, but not for the horizontal axis of the box that holds the
 * lines. There a native `scrollLeft` stays: the text is drawn shifted left by it (about 25
 * characters in the YAML panel), clicks land on other columns than the ones drawn, and the
 * vertical scrollbar moves into the text, where a click meant for a line focuses nothing.
 *
 * This does for the horizontal axis what Monaco does for the vertical one: the native offset is
 * added to the editor's own scroll position and reset to 0, so what is drawn, what is hit and
 * where the scrollbars are agree again.
 */
import { monaco } from './setup';

const BOXES = ['.overflow-guard', '.editor-scrollable', '.lines-content'];

export function foldNativeScroll(ed: monaco.editor.IStandaloneCodeEditor): () => void {
  const root = ed.getDomNode();
  if (!root) return () => {};
  const boxes = BOXES.map((s) => root.querySelector<HTMLElement>(s)).filter((b): b is HTMLElement => b !== null);
  const fold = (e: Event) => {
    const box = e.currentTarget as HTMLElement;
    const dx = box.scrollLeft;
    if (!dx) return;
    box.scrollLeft = 0;
    ed.setScrollLeft(Math.max(0, ed.getScrollLeft() + dx), monaco.editor.ScrollType.Immediate);
  };
  for (const b of boxes) b.addEventListener('scroll', fold);
  return () => {
    for (const b of boxes) b.removeEventListener('scroll', fold);
  };
}
