// The time-series graph: a range query's matrix on the step grid, downsampled to the pixels
// it is drawn on (min and max of each bucket, so peaks survive), drawn with uPlot; stacked
// or not; a legend with each label set and, on hover, the exact value from the answer.
import uPlot from "uplot";
import type { RangeData, SeriesMatrix } from "./api.js";
import { formatLabels, formatTime, h } from "./dom.js";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
/** Drawn points per CSS pixel of plot width: two (a bucket's min and max) per two pixels. */
const POINTS_PER_PIXEL = 1;

export interface GraphOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  stacked: boolean;
  width: number;
  height?: number;
  /** Draw every point, no downsampling (the render bench's baseline; URL `draw_all_points=1`). */
  drawAllPoints?: boolean;
  /** A selection was dragged: the new window, ms. */
  onZoom?: (startMs: number, endMs: number) => void;
}

export function seriesColor(i: number): string {
  return i < PALETTE.length ? PALETTE[i]! : `hsl(${(i * 137.508) % 360} 65% 45%)`;
}

/** One series on the step grid: its values (NaN where it has no sample) and whether each is one. */
export interface GraphSeries {
  metric: Record<string, string>;
  values: Float64Array;
  present: Uint8Array;
}

/** A range query's matrix on the step grid, from either layout of the answer. */
export function matrixOnGrid(data: RangeData, startMs: number, stepMs: number, steps: number): GraphSeries[] {
  if (data.resultType !== "matrix") return [];
  if (data.layout === "grid") return data.result.map((s) => gridFromLayout(s.metric, s.values, Math.round((data.start * 1000 - startMs) / stepMs), steps));
  return data.result.map((s) => gridFromPairs(s, startMs, stepMs, steps));
}

function gridFromLayout(metric: Record<string, string>, values: (number | string | null)[], offset: number, steps: number): GraphSeries {
  const out = new Float64Array(steps).fill(NaN);
  const present = new Uint8Array(steps);
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    const i = j + offset;
    if (v === null || v === undefined || i < 0 || i >= steps) continue;
    out[i] = typeof v === "number" ? v : Number(v.replace("Inf", "Infinity"));
    present[i] = 1;
  }
  return { metric, values: out, present };
}

function gridFromPairs(s: SeriesMatrix, startMs: number, stepMs: number, steps: number): GraphSeries {
  const out = new Float64Array(steps).fill(NaN);
  const present = new Uint8Array(steps);
  for (const [t, v] of s.values) {
    const i = Math.round((t * 1000 - startMs) / stepMs);
    if (i < 0 || i >= steps) continue;
    out[i] = Number(v.replace("Inf", "Infinity"));
    present[i] = 1;
  }
  return { metric: s.metric, values: out, present };
}

/** A value as the API writes it: digits that read back as the same float; NaN, +Inf, -Inf. */
function valueText(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Object.is(v, -0) ? "-0" : String(v);
}

/**
 * Steps per bucket for `steps` points drawn `targetPoints` wide: each bucket becomes two
 * points (its first and last step), so a series keeps its min and max per bucket. Below
 * twice the target every point is drawn (the render bench: bucketing costs more than it saves).
 */
export function downsampleBuckets(steps: number, targetPoints: number): number {
  return steps <= 2 * targetPoints ? 1 : Math.ceil(steps / Math.max(1, Math.floor(targetPoints / 2)));
}

function downsample(grid: Float64Array, bucket: number, out: (number | null)[]): void {
  if (bucket === 1) {
    for (let i = 0; i < grid.length; i++) out[i] = Number.isNaN(grid[i]!) ? null : grid[i]!;
    return;
  }
  let o = 0;
  for (let b = 0; b < grid.length; b += bucket) {
    let min = NaN;
    let max = NaN;
    let minAt = -1;
    let maxAt = -1;
    const end = Math.min(b + bucket, grid.length);
    for (let i = b; i < end; i++) {
      const v = grid[i]!;
      if (Number.isNaN(v)) continue;
      if (minAt < 0 || v < min) [min, minAt] = [v, i];
      if (maxAt < 0 || v > max) [max, maxAt] = [v, i];
    }
    const first = minAt <= maxAt ? min : max;
    const second = minAt <= maxAt ? max : min;
    out[o++] = minAt < 0 ? null : first;
    out[o++] = minAt < 0 ? null : second;
  }
}

function xAxis(startMs: number, stepMs: number, steps: number, bucket: number): number[] {
  if (bucket === 1) return Array.from({ length: steps }, (_, i) => (startMs + i * stepMs) / 1000);
  const xs: number[] = [];
  for (let b = 0; b < steps; b += bucket) {
    const last = Math.min(b + bucket, steps) - 1;
    xs.push((startMs + b * stepMs) / 1000, (startMs + (last === b ? b : last) * stepMs) / 1000 + (last === b ? stepMs / 2000 : 0));
  }
  return xs;
}

/** The value a series has at the grid step nearest `t` (seconds), if it has one there. */
function sampleAt(s: GraphSeries, t: number, o: GraphOptions): string | undefined {
  const i = Math.round((t * 1000 - o.startMs) / o.stepMs);
  return i >= 0 && i < s.values.length && s.present[i] === 1 ? valueText(s.values[i]!) : undefined;
}

export interface Graph {
  element: HTMLElement;
  plot: uPlot;
  destroy(): void;
}

export function renderGraph(result: GraphSeries[], o: GraphOptions): Graph {
  const steps = Math.floor((o.endMs - o.startMs) / o.stepMs) + 1;
  const bucket = o.drawAllPoints === true ? 1 : downsampleBuckets(steps, Math.round(o.width * POINTS_PER_PIXEL));
  const xs = xAxis(o.startMs, o.stepMs, steps, bucket);
  const sum = o.stacked ? new Float64Array(steps) : undefined;
  const data: (number | null)[][] = [xs];
  for (const s of result) {
    const grid = sum !== undefined ? s.values.slice() : s.values;
    if (sum !== undefined) {
      for (let i = 0; i < steps; i++) {
        if (Number.isNaN(grid[i]!)) continue;
        sum[i]! += grid[i]!;
        grid[i] = sum[i]!;
      }
    }
    const ys: (number | null)[] = new Array(xs.length);
    downsample(grid, bucket, ys);
    data.push(ys);
  }

  const legendRows: HTMLElement[] = [];
  const legendValues: HTMLElement[] = [];
  const legend = h("div", { class: "legend" });
  const hoverTime = h("div", { class: "legend-time" });
  const series: uPlot.Series[] = [{}];
  result.forEach((s, i) => {
    const color = seriesColor(i);
    series.push({ label: formatLabels(s.metric), stroke: color, width: 1, fill: o.stacked ? `${color}55` : undefined, points: { show: false } });
    const value = h("span", { class: "legend-value" });
    const row = h("div", { class: "legend-item" }, h("span", { class: "swatch", style: `background:${color}` }), h("span", { class: "legend-labels" }, formatLabels(s.metric)), value);
    row.addEventListener("click", () => {
      const shown = !row.classList.toggle("hidden");
      plot.setSeries(i + 1, { show: shown });
    });
    legendRows.push(row);
    legendValues.push(value);
  });
  legend.append(hoverTime, ...legendRows);

  const opts: uPlot.Options = {
    width: o.width,
    height: o.height ?? 300,
    series,
    legend: { show: false },
    bands: o.stacked ? result.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })) : [],
    scales: { x: { time: true } },
    axes: [{}, { size: 70 }],
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 5 || o.onZoom === undefined) return;
          const from = u.posToVal(u.select.left, "x");
          const to = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          o.onZoom(Math.round(from * 1000), Math.round(to * 1000));
        },
      ],
      setCursor: [
        (u) => {
          const idx = u.cursor.idx;
          if (idx === null || idx === undefined) {
            hoverTime.textContent = "";
            for (const v of legendValues) v.textContent = "";
            return;
          }
          const t = xs[idx]!;
          hoverTime.textContent = formatTime(Math.round(t));
          result.forEach((s, i) => {
            legendValues[i]!.textContent = sampleAt(s, t, o) ?? "";
          });
        },
      ],
    },
  };
  const canvasBox = h("div", { class: "graph-canvas" });
  const plot = new uPlot(opts, data as uPlot.AlignedData, canvasBox);
  const element = h("div", { class: "graph" }, canvasBox, legend);
  element.dataset["points"] = String(xs.length);
  return { element, plot, destroy: () => plot.destroy() };
}
