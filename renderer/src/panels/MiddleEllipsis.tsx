/** A name cut in its middle to the width the layout gives it: "customer-c…026.pwproj". */
import { useLayoutEffect, useRef, useState } from 'react';
import { middleEllipsis } from '../util/middle-ellipsis';

let measure: CanvasRenderingContext2D | null = null;
function textWidth(s: string, font: string): number {
  measure ??= document.createElement('canvas').getContext('2d');
  if (!measure) return s.length * 8;
  measure.font = font;
  return measure.measureText(s).width;
}

/**
 * Shows `text` whole when there is room, else its start and end around an ellipsis. The box asks
 * the layout for the whole text's width (a hidden copy, drawn by CSS from `data-full`, which is no
 * text of the page) and may be shrunk by it; it follows its width as the window changes.
 */
export function MiddleEllipsis({ text }: { text: string }) {
  const box = useRef<HTMLSpanElement>(null);
  const [shown, setShown] = useState(text);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const fit = () => {
      const style = getComputedStyle(el);
      const font = style.font || `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = el.getBoundingClientRect().width;
      setShown(middleEllipsis(text, (s) => textWidth(s, font) <= room + 0.5));
    };
    fit();
    const watch = new ResizeObserver(fit);
    watch.observe(el);
    return () => watch.disconnect();
  }, [text]);
  return (
    <span className="pw-mid-ellipsis" ref={box} data-full={text}>
      {shown}
    </span>
  );
}
