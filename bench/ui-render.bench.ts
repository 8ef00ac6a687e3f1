// The web UI at 1,000 series × 1,441 points (24h at 60s): a range query graphed in headless
// Chromium, measured in the page from the click to the frame after the canvas is drawn, and
// from the response's end to that frame (render). Decimated drawing (the UI's default: min
// and max per bucket of pixel columns, 4 px for 1,000 series) and every point drawn
// (`draw_all_points=1`) run interleaved in one browser, one server; BENCH_DRAW_PX=1,2 adds
// modes with that many pixel columns per bucket (`draw_px`).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { chromium } from "playwright-core";
import { buildApi } from "../api/index.js";
import { Engine } from "../engine/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { Head } from "../stores/index.js";
import { repoRoot } from "../testing/index.js";
import { uiRoutes } from "../ui/index.js";

const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const STEP_MS = 60_000;
const POINTS = 1441;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

// Runs in the page: clicks Execute and waits for the frame after the graph is drawn.
const MEASURE = `(async () => {
  const info = document.querySelector(".panel-info");
  info.textContent = "";
  performance.clearMarks();
  const t0 = performance.now();
  document.querySelector(".execute").click();
  await new Promise((resolve) => {
    const check = () => (info.textContent.startsWith("Load time") && document.querySelector(".graph canvas") ? resolve() : requestAnimationFrame(check));
    check();
  });
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const t1 = performance.now();
  const fetches = performance.getEntriesByType("resource").filter((e) => e.name.includes("query_range"));
  const last = fetches[fetches.length - 1];
  performance.clearResourceTimings();
  const mark = (name) => performance.getEntriesByName(name).at(-1).startTime;
  const parseMs = mark("orrery:parsed") - mark("orrery:body");
  const graphMs = mark("orrery:graphed") - mark("orrery:parsed");
  const drawMs = mark("orrery:drawn") - mark("orrery:draw-start");
  return { totalMs: t1 - t0, renderMs: t1 - last.responseEnd, parseMs, graphMs, drawMs, paintMs: t1 - mark("orrery:graphed"), points: Number(document.querySelector(".graph").dataset.points) };
})()`;

interface Measured {
  totalMs: number[];
  /** Response end → frame after drawing: JSON.parse, grid and downsampling, uPlot, paint. */
  renderMs: number[];
  parseMs: number[];
  /** Parsed answer → graph built (grid, downsampling, uPlot's draw, legend). */
  graphMs: number[];
  /** Graph built → the next frames painted: uPlot's drawing, layout, rasterising. */
  paintMs: number[];
  /** uPlot's drawing alone (paths built and stroked onto the canvas), part of paint. */
  drawMs: number[];
  points: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`ui-render needs chromium at ${CHROMIUM}`);
  if (!existsSync(join(repoRoot(), "dist", "ui", "index.html"))) throw new Error("the web UI is not built: node scripts/build-ui.mjs");
  const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
  const start = end - (POINTS - 1) * STEP_MS;
  const head = new Head({ windowMs: 1e15 });
  const t = Float64Array.from({ length: POINTS }, (_, i) => start + i * STEP_MS);
  for (let from = 0; from < SERIES; from += 100) {
    const batch = [];
    for (let s = from; s < Math.min(SERIES, from + 100); s++) {
      const v = Float64Array.from({ length: POINTS }, (_, i) => 100 + 50 * Math.sin(i / 60 + s) + (s % 17));
      batch.push({ labels: labelsFromRecord({ __name__: "bench_series", instance: `host-${s}`, job: "bench" }), t, v });
    }
    await head.appendBatch(batch);
  }
  const app = buildApi({ engine: new Engine(), store: head, registry: new Registry(), uiRoutes: uiRoutes(join(repoRoot(), "dist", "ui")) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const panel = new URLSearchParams({ "g0.expr": "bench_series", "g0.tab": "0", "g0.range_input": "1d", "g0.end_input": String(end / 1000), "g0.step_input": "60s" });
    const modes: Record<string, string> = { decimated: `${url}/graph?${panel}`, "all points": `${url}/graph?${panel}&draw_all_points=1` };
    for (const px of (process.env.BENCH_DRAW_PX ?? "").split(",").filter((x) => x !== "")) modes[`${px} px/bucket`] = `${url}/graph?${panel}&draw_px=${px}`;
    const results: Record<string, Measured> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, pageUrl] of Object.entries(modes)) {
        await page.goto(pageUrl);
        await page.locator(".graph canvas").waitFor({ timeout: 120_000 });
        const r = (await page.evaluate(MEASURE)) as Omit<Measured, "points"> & { points: number };
        const acc = (results[mode] ??= { totalMs: [], renderMs: [], parseMs: [], graphMs: [], paintMs: [], drawMs: [], points: r.points });
        for (const k of ["totalMs", "renderMs", "parseMs", "graphMs", "paintMs", "drawMs"] as const) acc[k].push(r[k] as never);
      }
    }
    console.log(`ui-render: ${SERIES} series × ${POINTS} points, ${ROUNDS} rounds interleaved, medians (machine shared: compare the ratio)`);
    for (const [mode, r] of Object.entries(results)) {
      const ms = (xs: number[]): string => median(xs).toFixed(0).padStart(6);
      console.log(`  ${mode.padEnd(12)} points/series ${String(r.points).padStart(5)}  render ${ms(r.renderMs)} ms (JSON.parse ${ms(r.parseMs)}, graph ${ms(r.graphMs)}, paint ${ms(r.paintMs)} of which uPlot draw ${ms(r.drawMs)})  click→drawn ${ms(r.totalMs)} ms`);
    }
    const d = results["decimated"]!;
    const a = results["all points"]!;
    console.log(`  render ratio all points / decimated: ${(median(a.renderMs) / median(d.renderMs)).toFixed(2)}×; under 1 s: ${median(d.renderMs) < 1000 ? "yes" : "NO"}`);
  } finally {
    await browser.close();
    await app.close();
  }
}

await main();
