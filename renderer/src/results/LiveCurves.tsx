/**
 * A trainer's curves (loss, validation loss, accuracy per epoch) on a plain canvas, live while the
 * run streams and as recorded after it. The component renders once: it follows the store itself
 * (no React render per batch of events), redraws at most every REDRAW_MS on an animation frame,
 * and each redraw costs the chart's pixel width, not the number of epochs (curve-draw.ts).
 */
import { useEffect, useRef } from 'react';
import { useEditorStore } from '../store/context';
import type { EditorState } from '../store/editor-store';
import { formatNumber } from '../../../shared/format';
import { isInteracting } from '../session';
import { curvePoints, curvesToDraw, type Curve } from './curve';
import { extent, ticks, toPixels, type Range } from './curve-draw';

const HEIGHT = 180;
const REDRAW_MS = 250;
const PAD = { left: 48, right: 12, top: 26, bottom: 30 };
/** ECharts' dark palette, as the other charts of the panel use */
const COLORS = ['#4992ff', '#7cffb2', '#fddd60', '#ff6e76', '#58d9f9', '#05c091', '#ff8a45', '#8d48e3'];
const FONT = '10px system-ui, sans-serif';

type Series = [string, Curve][];

/** The node's step curves (see curvesToDraw). */
function curvesOf(s: EditorState, id: string, skipTrials: boolean): Series {
  return curvesToDraw(s.series[id], skipTrials);
}

export function LiveCurves({ id, skipTrials }: { id: string; skipTrials: boolean }) {
  const store = useEditorStore();
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const tip = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = canvas.current!;
    const host = box.current!;
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = -Infinity;
    const draw = () => {
      frame = 0;
      // A drag's frames come first: the curve catches up when it ends.
      if (isInteracting()) return void (timer = setTimeout(() => ((timer = null), schedule()), 100));
      last = performance.now();
      const series = curvesOf(store.getState(), id, skipTrials);
      host.dataset.points = String(series.reduce((n, [, c]) => n + c.count, 0));
      paint(el, series);
    };
    const schedule = () => {
      if (frame || timer) return;
      const wait = last + REDRAW_MS - performance.now();
      if (wait > 0) timer = setTimeout(() => ((timer = null), (frame = requestAnimationFrame(draw))), wait);
      else frame = requestAnimationFrame(draw);
    };
    draw();
    const unsubscribe = store.subscribe((s, prev) => s.series[id] !== prev.series[id] && schedule());
    const resize = new ResizeObserver(() => schedule());
    resize.observe(el);
    return () => {
      unsubscribe();
      resize.disconnect();
      cancelAnimationFrame(frame);
      if (timer) clearTimeout(timer);
    };
  }, [store, id, skipTrials]);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const t = tip.current!;
    const text = hoverText(e.currentTarget, e.nativeEvent.offsetX, curvesOf(store.getState(), id, skipTrials));
    t.hidden = !text;
    if (!text) return;
    t.textContent = text;
    t.style.left = `${Math.min(e.nativeEvent.offsetX + 12, e.currentTarget.clientWidth - 140)}px`;
  };

  return (
    <div ref={box} className="pw-live-curves" data-testid="training-curves-box" data-points="0">
      <canvas ref={canvas} style={{ width: '100%', height: HEIGHT }} data-testid="training-curves" onMouseMove={onMove} onMouseLeave={() => (tip.current!.hidden = true)} />
      <div ref={tip} className="pw-live-curves-tip" hidden />
    </div>
  );
}

function plotArea(el: HTMLCanvasElement) {
  return { w: Math.max(1, el.clientWidth - PAD.left - PAD.right), h: HEIGHT - PAD.top - PAD.bottom };
}

function paint(el: HTMLCanvasElement, series: Series): void {
  const dpr = window.devicePixelRatio || 1;
  const cssW = el.clientWidth;
  if (!cssW) return;
  if (el.width !== Math.round(cssW * dpr) || el.height !== Math.round(HEIGHT * dpr)) {
    el.width = Math.round(cssW * dpr);
    el.height = Math.round(HEIGHT * dpr);
  }
  const g = el.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, HEIGHT);
  g.font = FONT;
  const { w, h } = plotArea(el);
  const ex = extent(series.map(([, c]) => c));

  // legend: a swatch and the name of each curve, left to right
  let lx = PAD.left;
  g.textBaseline = 'middle';
  series.forEach(([name], i) => {
    g.fillStyle = COLORS[i % COLORS.length];
    g.fillRect(lx, 6, 14, 3);
    g.fillStyle = '#b9b8ce';
    g.textAlign = 'left';
    g.fillText(name, lx + 18, 8);
    lx += 26 + g.measureText(name).width;
  });
  if (!ex) return;

  g.save();
  g.translate(PAD.left, PAD.top);
  axes(g, ex.x, ex.y, w, h);
  g.beginPath();
  g.rect(0, -2, w, h + 4);
  g.clip();
  g.lineWidth = 1.5;
  series.forEach(([, c], i) => {
    const px = toPixels(curvePoints(c), ex.x, ex.y, w, h);
    if (!px.length) return;
    g.strokeStyle = COLORS[i % COLORS.length];
    g.beginPath();
    g.moveTo(px[0][0], px[0][1]);
    for (let k = 1; k < px.length; k++) g.lineTo(px[k][0], px[k][1]);
    g.stroke();
  });
  g.restore();
}

function axes(g: CanvasRenderingContext2D, x: Range, y: Range, w: number, h: number): void {
  g.strokeStyle = '#484753';
  g.fillStyle = '#b9b8ce';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of ticks(y, 4)) {
    const py = Math.round(h - ((t - y.min) / (y.max - y.min)) * h) + 0.5;
    if (py < -1 || py > h + 1) continue;
    g.beginPath();
    g.moveTo(0, py);
    g.lineTo(w, py);
    g.stroke();
    g.fillText(formatNumber(t), -6, py);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const xt = ticks(x, Math.max(2, Math.floor(w / 70)), true);
  for (const t of xt) {
    const px = ((t - x.min) / (x.max - x.min)) * w;
    if (px < -1 || px > w + 1) continue;
    g.fillText(formatNumber(t), px, h + 4);
  }
  g.fillText('epoch', w / 2, h + 16);
}

/** "epoch 1,200 · loss 0.21 · valLoss 0.25" for the step under the pointer, or null outside the plot. */
function hoverText(el: HTMLCanvasElement, offsetX: number, series: Series): string | null {
  const ex = extent(series.map(([, c]) => c));
  const { w } = plotArea(el);
  const fx = (offsetX - PAD.left) / w;
  if (!ex || fx < 0 || fx > 1) return null;
  const step = ex.x.min + fx * (ex.x.max - ex.x.min);
  const parts: string[] = [];
  let at: number | null = null;
  for (const [name, c] of series) {
    const pts = curvePoints(c);
    if (!pts.length) continue;
    let lo = 0;
    let hi = pts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pts[mid][0] < step) lo = mid + 1;
      else hi = mid;
    }
    const p = lo > 0 && step - pts[lo - 1][0] < pts[lo][0] - step ? pts[lo - 1] : pts[lo];
    at ??= p[0];
    parts.push(`${name} ${formatNumber(p[1])}`);
  }
  return at === null ? null : [`epoch ${formatNumber(at)}`, ...parts].join(' · ');
}
