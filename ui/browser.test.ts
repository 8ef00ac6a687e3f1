// The web UI end to end: a real `orrery start` with a little data, driven in headless
// Chromium (Debian's, through playwright-core). Screenshots of each page go to
// dist/ui-screenshots (printed). Without chromium every test says by name it did not run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { logged, orrery, remoteWrite } from "../cli/testkit.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { repoRoot } from "../testing/index.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const NO_CHROMIUM = `did not run: chromium is not installed (${CHROMIUM}); apt-get install chromium`;
const skip = existsSync(CHROMIUM) ? false : NO_CHROMIUM;
const SHOTS = join(repoRoot(), "dist", "ui-screenshots");

let dir = "";
let server: ChildProcess | undefined;
let url = "";
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (skip !== false) return;
  assert.ok(existsSync(join(repoRoot(), "dist", "ui", "index.html")), "the web UI is not built: run `node scripts/build-ui.mjs` (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "orrery-ui-browser-"));
  mkdirSync(SHOTS, { recursive: true });
  server = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape"]);
  // The browser starts while orrery does.
  const launched = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  url = await logged(server, /listening on (http:\/\/[^\s"]+)/, "orrery start");
  // Three counters and a gauge over the last hour, a sample every 30 s.
  const now = Date.now();
  const series = [
    ...["a", "b", "c"].map((instance, k) => ({ labels: { __name__: "demo_requests_total", job: "api", instance }, at: (i: number) => i * (k + 1) * 10 })),
    { labels: { __name__: "demo_temperature_celsius", room: "lab" }, at: (i: number) => 20 + Math.sin(i / 10) },
  ];
  await remoteWrite(
    url,
    series.map((s) => ({ labels: labelsFromRecord(s.labels), samples: Array.from({ length: 121 }, (_, i) => ({ timestamp: now - 3_600_000 + i * 30_000, value: s.at(i) })) })),
  );
  browser = await launched;
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  process.stdout.write(`# web UI screenshots: ${SHOTS}\n`);
});

after(async () => {
  await browser?.close();
  if (server?.pid !== undefined) process.kill(server.pid);
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
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
  await page.locator(".tab[data-tab=table]").first().click();
  await page.locator("table.data tbody tr").nth(2).waitFor();
  const rows = await page.locator("table.data tbody tr").allTextContents();
  assert.equal(rows.length, 3);
  const time = Number(await page.evaluate(() => Date.now())) / 1000;
  const api = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent("rate(demo_requests_total[5m])")}&time=${time}`)).json()) as { data: { result: { value: [number, string] }[] } };
  for (const r of api.data.result) assert.ok(rows.some((row) => row.endsWith(r.value[1])), `${r.value[1]} in ${rows.join(" | ")}`);
  await shot("table");
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
  assert.equal(selector[1], selector[2], "the head's series estimate is exact");
  assert.equal(selector[3], selector[4], "the head's samples estimate is exact");
  assert.equal(selector[5], "exact");
  await shot("explain");
});

test("Stores, Rules, Alerts, Cardinality and Status pages draw from the API", { skip }, async () => {
  for (const [path, text] of [
    ["/stores", "No store endpoints"],
    ["/rules", "No rule groups"],
    ["/alerts", "No alerts"],
    ["/cardinality", "demo_requests_total"],
    ["/status", "storage.tsdb.path"],
  ] as const) {
    await page.locator(`nav a[href="${path}"]`).click();
    await page.locator("main", { hasText: text }).waitFor();
    await shot(path.slice(1));
  }
});
