// The web UI end to end: a real `orrery start` with a little data and a second store (an
// `orrery receive` behind --endpoint), driven in headless Chromium (Debian's, through
// playwright-core). Screenshots of each page go to dist/ui-screenshots (printed). Without
// chromium every browser test says by name it did not run; the API test runs all the same.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { stopProcess } from "../conformance/index.js";
import { logged, orrery, remoteWrite } from "../cli/testkit.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { repoRoot } from "../testing/index.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const NO_CHROMIUM = `did not run: chromium is not installed (${CHROMIUM}); apt-get install chromium`;
const skip = existsSync(CHROMIUM) ? false : NO_CHROMIUM;
const SHOTS = join(repoRoot(), "dist", "ui-screenshots");

let dir = "";
const children: ChildProcess[] = [];
let url = "";
/** The receive's StoreAPI address: its name on the Stores and Cardinality pages. */
let remoteStore = "";
let browser: Browser | undefined;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "orrery-ui-browser-"));
  // The browser starts while orrery does.
  const launched = skip === false ? chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }) : undefined;
  const receive = orrery(["receive", `--tsdb.path=${join(dir, "remote")}`, "--remote-write.address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", '--label=site="remote"']);
  children.push(receive);
  const receiveUrl = logged(receive, /listening on (http:\/\/[^\s"]+)/, "orrery receive");
  remoteStore = await logged(receive, /StoreAPI on (\S+?)"/, "orrery receive");
  const server = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape", `--endpoint=${remoteStore}`]);
  children.push(server);
  url = await logged(server, /listening on (http:\/\/[^\s"]+)/, "orrery start");
  // Three counters and a gauge over the last hour, a sample every 30 s, in orrery start's head.
  const now = Date.now();
  const series = [
    ...["a", "b", "c"].map((instance, k) => ({ labels: { __name__: "demo_requests_total", job: "api", instance }, at: (i: number) => i * (k + 1) * 10 })),
    { labels: { __name__: "demo_temperature_celsius", room: "lab" }, at: (i: number) => 20 + Math.sin(i / 10) },
  ];
  await remoteWrite(
    url,
    series.map((s) => ({ labels: labelsFromRecord(s.labels), samples: Array.from({ length: 121 }, (_, i) => ({ timestamp: now - 3_600_000 + i * 30_000, value: s.at(i) })) })),
  );
  // Two series new in the last ten minutes, in the other store.
  await remoteWrite(
    await receiveUrl,
    ["x", "y"].map((job) => ({ labels: labelsFromRecord({ __name__: "remote_jobs_total", job }), samples: Array.from({ length: 21 }, (_, i) => ({ timestamp: now - 600_000 + i * 30_000, value: i })) })),
  );
  // Until orrery start has checked the endpoint (its info gives the time range it holds).
  for (let i = 0; i < 200; i++) {
    const stores = (await (await fetch(`${url}/api/v1/stores`)).json()) as { data: { store?: { maxTime: number }[] } };
    if ((stores.data.store ?? []).some((s) => s.maxTime > 0)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (launched === undefined) return;
  assert.ok(existsSync(join(repoRoot(), "dist", "ui", "index.html")), "the web UI is not built: run `node scripts/build-ui.mjs` (npm test does)");
  mkdirSync(SHOTS, { recursive: true });
  browser = await launched;
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  process.stdout.write(`# web UI screenshots: ${SHOTS}\n`);
});

after(async () => {
  await browser?.close();
  await Promise.all(children.map((c) => stopProcess(c)));
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

test("GET /api/v1/status/cardinality of a process with two stores: merged, per store, growth", async () => {
  const now = Date.now() / 1000;
  const res = await fetch(`${url}/api/v1/status/cardinality?time=${now}&since=${now - 1800}&limit=3`);
  assert.equal(res.status, 200);
  type View = { name?: string; error?: string | null; numSeries: number; seriesCountByMetricName: { name: string; value: number }[]; seriesCountByLabelValuePair: { name: string; value: number }[]; growth: { numSeriesThen: number; seriesCountByMetricName: { name: string; then: number; now: number }[] } };
  const { data } = (await res.json()) as { data: { merged: View; stores: View[] } };
  assert.equal(data.merged.numSeries, 6);
  assert.deepEqual(data.merged.seriesCountByMetricName, [
    { name: "demo_requests_total", value: 3 },
    { name: "remote_jobs_total", value: 2 },
    { name: "demo_temperature_celsius", value: 1 },
  ]);
  assert.deepEqual(data.merged.growth.seriesCountByMetricName[0], { name: "remote_jobs_total", then: 0, now: 2 });
  assert.deepEqual(
    data.stores.map((s) => [s.name, s.error, s.numSeries, s.growth.numSeriesThen]),
    [
      ["head", null, 4, 4],
      [remoteStore, null, 2, 0],
    ],
  );
  // The receive's series carry its external label.
  assert.ok(data.stores[1]!.seriesCountByLabelValuePair.some((p) => p.name === "site=remote" && p.value === 2), JSON.stringify(data.stores[1]));
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Painted (non-transparent) pixels of the graph's canvas. */
function paintedPixels(): Promise<number> {
  // A string, so this Node-typed file needs no DOM types.
  return page.evaluate(`(() => {
    const c = document.querySelector(".graph canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  })()`);
}

test("Query: completion offers metric names; a typed query is graphed with a legend of its series", { skip }, async () => {
  await page.goto(`${url}/`);
  assert.match(page.url(), /\/graph$/);
  const editor = page.locator(".editor-input").first();
  await editor.click();
  await editor.fill("demo_req");
  await page.locator(".completions li", { hasText: "demo_requests_total" }).first().waitFor();
  await editor.press("Tab");
  assert.equal(await editor.inputValue(), "demo_requests_total");
  await editor.fill("rate(demo_requests_total[5m])");
  await editor.press("Enter");
  await page.locator(".graph canvas").waitFor();
  assert.ok((await paintedPixels()) > 1000, "the canvas has the series drawn");
  const legend = await page.locator(".legend-item").allTextContents();
  assert.equal(legend.length, 3);
  assert.ok(legend.some((l) => l.includes('instance="b"') && l.includes('job="api"')), legend.join("\n"));
  assert.match(page.url(), /g0\.expr=rate%28demo_requests_total/);
  await shot("graph");
});

test("Query: the table shows the instant query's values exactly as the API answers", { skip }, async () => {
  // The API is asked at the page's own evaluation time: a rate's last digits move with the window.
  const asked = page.waitForRequest((r) => r.url().includes("/api/v1/query?"));
  await page.locator(".tab[data-tab=table]").first().click();
  const time = new URL((await asked).url()).searchParams.get("time")!;
  await page.locator("table.data tbody tr").nth(2).waitFor();
  const rows = await page.locator("table.data tbody tr").allTextContents();
  assert.equal(rows.length, 3);
  const api = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent("rate(demo_requests_total[5m])")}&time=${time}`)).json()) as { data: { result: { value: [number, string] }[] } };
  for (const r of api.data.result) assert.ok(rows.some((row) => row.endsWith(r.value[1])), `${r.value[1]} in ${rows.join(" | ")}`);
  await shot("table");
});

test("Query: more steps than pixels are drawn decimated, and hover shows the exact value of the step under the pointer", { skip }, async () => {
  const end = Math.floor(Date.now() / 1000) - 60;
  const panel = new URLSearchParams({ "g0.expr": "demo_temperature_celsius", "g0.tab": "0", "g0.range_input": "1h", "g0.step_input": "1s", "g0.end_input": String(end) });
  await page.goto(`${url}/graph?${panel}`);
  await page.locator(".graph canvas").waitFor();
  const points = Number(await page.locator(".graph").getAttribute("data-points"));
  // One series: a bucket per pixel column, two points each (the viewport is 1,200 px wide).
  assert.ok(points < 3601 && points <= 2 * 1200, `3,601 steps drawn as ${points} points`);
  const over = (await page.locator(".graph .u-over").boundingBox())!;
  for (const x of [0.37, 0.61]) {
    await page.mouse.move(over.x + over.width * x, over.y + over.height / 2);
    const time = Date.parse((await page.locator(".legend-time").textContent())!.replace(" ", "T")) / 1000;
    assert.ok(Number.isInteger(time) && time > end - 3600 && time < end, `a step of the grid: ${time}`);
    const shown = await page.locator(".legend-value").first().textContent();
    const api = (await (await fetch(`${url}/api/v1/query?query=demo_temperature_celsius&time=${time}`)).json()) as { data: { result: { value: [number, string] }[] } };
    assert.equal(shown, api.data.result[0]!.value[1], `value at ${time}`);
  }
});

test("Query: a broken query is underlined at the parser's position as it is typed", { skip }, async () => {
  const editor = page.locator(".editor-input").first();
  await editor.fill('sum(rate(demo_requests_total{job="api"}[5m]) by (job');
  const underlined = page.locator(".editor-errors .err");
  await underlined.waitFor();
  assert.match(await page.locator(".editor-message").first().textContent() ?? "", /^1:\d+: /);
  const box = await underlined.boundingBox();
  assert.ok(box !== null && box.width > 0, "the underline is drawn");
  await editor.fill("sum(demo_requests_total)");
  assert.equal(await page.locator(".editor-errors .err").count(), 0, "a valid query has no underline");
  await editor.fill("sum(rate(demo_requests_total[5m]) by (job");
  await shot("error");
});

test("Explain: the plan tree with each operator's series, samples and time", { skip }, async () => {
  await page.goto(`${url}/explain?expr=${encodeURIComponent("sum by (job) (rate(demo_requests_total[5m]))")}&analyze=1`);
  await page.locator(".explain-node").nth(1).waitFor();
  const cells = await page.locator(".explain-node").nth(1).locator("td").allTextContents();
  assert.match(cells[0]!, /rate/);
  assert.equal(cells[1], "3", "rate() outputs three series");
  assert.equal(cells[2], "3");
  // Each selector's estimate beside what was fetched, and the stores it reached.
  const selector = await page.locator(".explain-selector").first().locator("td").allTextContents();
  assert.match(selector[0]!, /^demo_requests_total\[5m\]$/);
  assert.equal(selector[1], selector[2], "the head's series estimate is exact, the other store has none");
  assert.equal(selector[3], selector[4], "the head's samples estimate is exact");
  // Two stores' shares combined: no better than statistics.
  assert.equal(selector[5], "statistics");
  assert.equal(selector[6], `head (3 series), ${remoteStore} (0 series)`);
  await shot("explain");
});

test("Stores: each endpoint with its health, label sets and resolutions", { skip }, async () => {
  await page.locator('nav a[href="/stores"]').click();
  const row = page.locator("table.data tbody tr", { hasText: remoteStore });
  await row.waitFor();
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[0], remoteStore);
  assert.equal(cells[1], "UP");
  assert.equal(cells[4], '{site="remote"}');
  assert.equal(cells[7], "raw", "a receive holds raw data only");
  await shot("stores");
});

test("Cardinality: merged and per store, with growth since a time ago", { skip }, async () => {
  await page.locator('nav a[href="/cardinality"]').click();
  const summary = page.locator("table.cardinality-stores tbody tr");
  await summary.nth(2).waitFor();
  const rows = (await summary.allTextContents()).map((r) => r.replace(/\s+/g, " "));
  assert.equal(rows.length, 3, rows.join(" | "));
  // merged: 6 series now, 4 an hour ago (the receive's two are new).
  assert.match(rows[0]!, /^merged \(the query's view\)64\+2/, rows[0]);
  assert.match(rows[1]!, /^head44\+0/, rows[1]);
  assert.equal(rows[2], `${remoteStore}20+2`);
  await page.locator("select.in-store").selectOption(remoteStore);
  const growth = await page.locator("table.cardinality-growth tbody tr").first().locator("td").allTextContents();
  assert.deepEqual(growth, ["remote_jobs_total", "0", "2", "+2"]);
  assert.match(page.url(), /store=127\.0\.0\.1/);
  await shot("cardinality");
});

test("Rules, Alerts and Status pages draw from the API", { skip }, async () => {
  for (const [path, text] of [
    ["/rules", "No rule groups"],
    ["/alerts", "No alerts"],
    ["/status", "storage.tsdb.path"],
  ] as const) {
    await page.locator(`nav a[href="${path}"]`).click();
    await page.locator("main", { hasText: text }).waitFor();
    await shot(path.slice(1));
  }
});
