import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Gauge, Registry } from "prom-client";
import { isStaleNaN } from "../storeapi/index.js";
import { parseExposition, SelfScraper, type ScrapedSample } from "./index.js";

test("parseExposition reads samples, label escapes, special values and metadata", () => {
  const text = [
    "# HELP http_requests_total The total.\\nSecond line.",
    "# TYPE http_requests_total counter",
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="a\\"b\\\\c\\nd",} 3',
    "# a comment",
    "metric_without_labels 12.47",
    "nan_metric NaN",
    'inf_metric{x="y"} +Inf',
    "neg_inf -Inf",
    "sci 1.5e-7",
    "prom_client_nan Nan",
    "",
  ].join("\n");
  const { samples, metadata } = parseExposition(text);
  assert.equal(samples.length, 8);
  assert.ok(Number.isNaN(samples[7].v));
  assert.deepEqual(samples[0], {
    labels: [
      { name: "__name__", value: "http_requests_total" },
      { name: "code", value: "200" },
      { name: "method", value: "post" },
    ],
    v: 1027,
    t: 1395066363000,
  });
  assert.equal(samples[1].labels[1].value, 'a"b\\c\nd');
  assert.ok(Number.isNaN(samples[3].v));
  assert.equal(samples[4].v, Infinity);
  assert.equal(samples[5].v, -Infinity);
  assert.equal(samples[6].v, 1.5e-7);
  assert.deepEqual(metadata.get("http_requests_total"), { type: "counter", help: "The total.\nSecond line." });
  assert.throws(() => parseExposition('x{a="b} 1'), /exposition line 1/);
  assert.throws(() => parseExposition("x abc"), /exposition line 1:3: invalid value "abc"/);
});

test("SelfScraper appends the registry's samples with job/instance, plus up and scrape stats", async () => {
  const registry = new Registry();
  const c = new Counter({ name: "things_total", help: "Things.", labelNames: ["job"], registers: [registry] });
  c.inc({ job: "inner" }, 3);
  const batches: ScrapedSample[][] = [];
  const scraper = new SelfScraper({ registry, append: (s) => void batches.push(s), intervalMs: 60000, job: "orrery", instance: "127.0.0.1:9090", now: () => 5000 });
  const n = await scraper.scrapeOnce();
  assert.equal(n, batches[0].length);
  const byName = new Map(batches[0].map((s) => [s.labels.find((l) => l.name === "__name__")!.value, s]));
  assert.deepEqual(byName.get("things_total"), {
    labels: [
      { name: "__name__", value: "things_total" },
      { name: "exported_job", value: "inner" },
      { name: "instance", value: "127.0.0.1:9090" },
      { name: "job", value: "orrery" },
    ],
    t: 5000,
    v: 3,
  });
  assert.equal(byName.get("up")!.v, 1);
  assert.equal(byName.get("scrape_samples_scraped")!.v, 1);
  assert.ok(byName.has("scrape_duration_seconds"));
  assert.equal(scraper.metadata.get("things_total")?.type, "counter");
});

test("SelfScraper.start scrapes at once and on its interval; stop ends it", async () => {
  const registry = new Registry();
  let scrapes = 0;
  const scraper = new SelfScraper({ registry, append: () => void scrapes++, intervalMs: 20, job: "j", instance: "i" });
  scraper.start();
  await new Promise((r) => setTimeout(r, 110));
  await scraper.stop();
  const after = scrapes;
  assert.ok(after >= 2, `scrapes ${after}`);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(scrapes, after);
});

test("SelfScraper marks a series stale when the next scrape lacks it, and every scraped series when a scrape fails", async () => {
  const registry = new Registry();
  const g = new Gauge({ name: "queue_depth", help: "Depth.", labelNames: ["queue"], registers: [registry] });
  g.set({ queue: "a" }, 1);
  g.set({ queue: "b" }, 2);
  const batches: ScrapedSample[][] = [];
  let t = 1000;
  const scraper = new SelfScraper({ registry, append: (s) => void batches.push(s), intervalMs: 60000, job: "j", instance: "i", now: () => t });
  const staleOf = (batch: ScrapedSample[]): string[] =>
    batch.filter((s) => isStaleNaN(s.v)).map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(",")).sort();
  await scraper.scrapeOnce();
  assert.deepEqual(staleOf(batches[0]!), []);

  g.remove({ queue: "a" });
  t = 2000;
  await scraper.scrapeOnce();
  assert.deepEqual(staleOf(batches[1]!), ["__name__=queue_depth,instance=i,job=j,queue=a"]);
  assert.ok(batches[1]!.filter((s) => isStaleNaN(s.v)).every((s) => s.t === 2000));

  registry.metrics = async () => {
    throw new Error("collector failed");
  };
  t = 3000;
  await scraper.scrapeOnce();
  const up = batches[2]!.find((s) => s.labels.some((l) => l.name === "__name__" && l.value === "up"))!;
  assert.equal(up.v, 0);
  assert.deepEqual(staleOf(batches[2]!), ["__name__=queue_depth,instance=i,job=j,queue=b"]);
});
