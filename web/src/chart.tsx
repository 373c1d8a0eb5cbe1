// A uPlot time-series chart (a canvas) with a text alternative: the page
// always shows the same numbers as a table, so the chart is labelled as an
// image summarising it. Sized to its container (works at 360 px).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  stroke: string;
}

export function TimeChart({ label, times, series }: { label: string; times: number[]; series: Series[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
    const plot = new uPlot(
      {
        width,
        height: 200,
        // A lone day would stretch over years: pad the range to a day either side.
        scales: { x: { time: true, range: (_u, min, max) => (max - min < 86_400 ? [min - 86_400, max + 86_400] : [min, max]) } },
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: true, size: 7 } }))],
        axes: [{}, { label: 'reads' }],
      },
      [times, ...series.map((s) => s.values)],
      el,
    );
    return () => plot.destroy();
  }, [times, series]);
  return <div class="chart" ref={host} role="img" aria-label={label} />;
}
