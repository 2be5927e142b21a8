/** ECharts, the one charting library of the app; tree-shaken to the charts we draw. */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, HeatmapChart, LineChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, TitleComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** `onDrawn`: called each time ECharts has finished drawing (the compare benchmark waits on it). */
export function EChart({ option, height = 200, testId, onDrawn }: { option: ChartOption; height?: number; testId?: string; onDrawn?: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const drawn = useRef(onDrawn);
  drawn.current = onDrawn;
  useEffect(() => {
    const c = echarts.init(host.current!, 'dark', { renderer: 'canvas' });
    chart.current = c;
    c.on('finished', () => drawn.current?.());
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(host.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', animation: false, ...option }, { notMerge: true });
  }, [option]);
  return <div ref={host} style={{ height, width: '100%' }} data-testid={testId} />;
}
