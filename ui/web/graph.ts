// The time-series graph: a range query's matrix on the step grid, decimated to the pixels
// it is drawn on (min and max of each bucket of pixel columns, so peaks survive), drawn with
// uPlot; stacked or not; a legend with each label set and, on hover, the exact value from the answer.
import uPlot from "uplot";
import { bucketPixels, decimate, drawBuckets, drawnTimes } from "../decimate.js";
import type { RangeData, SeriesMatrix } from "./api.js";
import { formatLabels, formatTime, h } from "./dom.js";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
/** uPlot's y axis (axes[1].size) and gaps: the plot is this much narrower than the graph. */
const PLOT_MARGIN_PX = 80;

export interface GraphOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  stacked: boolean;
  width: number;
  height?: number;
  /** Draw every point, no decimation (the render bench's baseline; URL `draw_all_points=1`). */
  drawAllPoints?: boolean;
  /** Pixel columns per decimation bucket (default: bucketPixels by series count; URL `draw_px`, for the render bench). */
  pixelsPerBucket?: number;
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
  const plotWidth = o.width - PLOT_MARGIN_PX;
  const buckets = plotWidth / (o.pixelsPerBucket ?? bucketPixels(result.length, plotWidth));
  const starts = o.drawAllPoints === true ? undefined : drawBuckets(steps, buckets);
  const xs = drawnTimes(starts, o.startMs, o.stepMs, steps);
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
    decimate(grid, starts, ys);
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
      // For the render bench: uPlot's own drawing (paths built and stroked) apart from the browser's paint.
      drawClear: [() => performance.mark("orrery:draw-start")],
      draw: [() => performance.mark("orrery:drawn")],
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
          const left = u.cursor.left;
          if (left === undefined || left < 0) {
            hoverTime.textContent = "";
            for (const v of legendValues) v.textContent = "";
            return;
          }
          // The grid step under the pointer, not the nearest drawn point: every step is hoverable, its value exact.
          const step = Math.min(steps - 1, Math.max(0, Math.round((u.posToVal(left, "x") * 1000 - o.startMs) / o.stepMs)));
          const t = (o.startMs + step * o.stepMs) / 1000;
          hoverTime.textContent = formatTime(t);
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
