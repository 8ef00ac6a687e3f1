// End to end with Prometheus 2.42 (--enable-feature=native-histograms): it scrapes a test exporter
// serving a native histogram in the protobuf exposition format and remote_writes (1.0, with
// send_native_histograms) to a receiver over a head; the head then holds the histograms
// Prometheus's own /api/v1/query returns for the raw selector.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NO_PROMETHEUS, freePort, hasPrometheus, startPrometheus, type RunningServer } from "../../../conformance/index.js";
import {
  ExpositionMetricType,
  PROTOBUF_EXPOSITION_CONTENT_TYPE,
  encodeDelimitedMetricFamilies,
  type NativeHistogram,
} from "../../../storeapi/index.js";
import { Engine } from "../../../engine/index.js";
import { Head } from "../index.js";
import { headHistograms } from "../histogram-fixtures.js";
import { createRemoteWriteContext, handleRemoteWrite } from "./index.js";

/** Schema 0 (bucket i is (2^(i-1), 2^i]); counts grow with each scrape. */
function exposition(scrape: number): Uint8Array {
  const b = [1 + scrape, 2, 3 * scrape];
  const deltas = b.map((c, i) => c - (i > 0 ? b[i - 1]! : 0));
  const zero = 1;
  const negative = 2;
  return encodeDelimitedMetricFamilies([{
    name: "e2e_latency_seconds",
    help: "Latency of the test exporter.",
    type: ExpositionMetricType.HISTOGRAM,
    metric: [
      {
        label: [{ name: "route", value: "/api" }],
        histogram: {
          sampleCount: b[0]! + b[1]! + b[2]! + zero + negative,
          sampleSum: 12.5 * (scrape + 1),
          schema: 0,
          zeroThreshold: 0.001,
          zeroCount: zero,
          negativeSpan: [{ offset: 1, length: 1 }],
          negativeDelta: [negative],
          positiveSpan: [
            { offset: -1, length: 2 },
            { offset: 3, length: 1 },
          ],
          positiveDelta: deltas,
        },
      },
    ],
  }]);
}

interface PromBucket {
  boundaryRule: number;
  lower: number;
  upper: number;
  count: number;
}

/** Prometheus's JSON buckets of a histogram as held in the head (schema 0, zero bucket first, negatives, positives). */
function bucketsOf(h: NativeHistogram): PromBucket[] {
  const out: PromBucket[] = [];
  const side = (spans: NativeHistogram["positiveSpans"], counts: readonly number[], sign: number) => {
    let idx = 0;
    let k = 0;
    const list: PromBucket[] = [];
    for (const s of spans) {
      idx += s.offset;
      for (let j = 0; j < s.length; j++, idx++, k++) {
        if (counts[k] === 0) continue;
        const [lo, hi] = [2 ** (idx - 1), 2 ** idx];
        list.push(sign > 0 ? { boundaryRule: 0, lower: lo, upper: hi, count: counts[k]! } : { boundaryRule: 1, lower: -hi, upper: -lo, count: counts[k]! });
      }
    }
    return list;
  };
  const negatives = side(h.negativeSpans, h.negativeBuckets, -1).reverse();
  out.push(...negatives);
  if (h.zeroCount > 0) out.push({ boundaryRule: 3, lower: -h.zeroThreshold, upper: h.zeroThreshold, count: h.zeroCount });
  out.push(...side(h.positiveSpans, h.positiveBuckets, 1));
  return out;
}

test("Prometheus 2.42 scrapes a native histogram and remote_writes it: the head holds what Prometheus's API returns, and histogram_count/sum, rate, sum by and histogram_quantile/fraction answer alike", { timeout: 90_000 }, async (t) => {
  if (!hasPrometheus()) {
    t.skip(NO_PROMETHEUS);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "orrery-nh-e2e-"));
  const servers: Server[] = [];
  let prom: RunningServer | undefined;
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const answers: number[] = [];
  try {
    let scrapes = 0;
    const exporter = createServer((_req, res) => {
      res.writeHead(200, { "content-type": PROTOBUF_EXPOSITION_CONTENT_TYPE });
      res.end(exposition(scrapes++));
    });
    const receiver = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        void handleRemoteWrite(head, Buffer.concat(parts), req.headers, ctx).then((r) => {
          answers.push(r.status);
          res.writeHead(r.status, r.headers).end(r.message ?? "");
        });
      });
    });
    servers.push(exporter, receiver);
    const [exporterPort, receiverPort] = [await freePort(), await freePort()];
    await new Promise<void>((r) => exporter.listen(exporterPort, "127.0.0.1", r));
    await new Promise<void>((r) => receiver.listen(receiverPort, "127.0.0.1", r));
    prom = await startPrometheus({
      dataDir: join(dir, "data"),
      extraArgs: ["--enable-feature=native-histograms"],
      config: [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: exporter",
        `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
        "remote_write:",
        `  - url: http://127.0.0.1:${receiverPort}/api/v1/write`,
        "    send_native_histograms: true",
        "    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 500ms }",
        "",
      ].join("\n"),
    });

    // Wait until orrery holds at least three histograms, then ask Prometheus for the same window.
    const deadline = Date.now() + 60_000;
    let held: [number, NativeHistogram][] = [];
    while (Date.now() < deadline) {
      held = (await headHistograms(head, "e2e_latency_seconds"))[0]?.samples ?? [];
      if (held.length >= 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(held.length >= 3, `orrery received ${held.length} histograms (answers ${answers.join(",")}); Prometheus log: ${prom.logTail()}`);
    const last = held[held.length - 1]![0];
    const url = `${prom.url}/api/v1/query?query=${encodeURIComponent("e2e_latency_seconds[1h]")}&time=${last / 1000}`;
    const body = (await (await fetch(url)).json()) as {
      data: { result: { metric: Record<string, string>; histograms: [number, { count: string; sum: string; buckets: [number, string, string, string][] }][] }[] };
    };
    const series = body.data.result[0]!;
    assert.deepEqual(series.metric, { __name__: "e2e_latency_seconds", instance: `127.0.0.1:${exporterPort}`, job: "exporter", route: "/api" });
    const theirs = new Map(series.histograms.map(([ts, h]) => [Math.round(ts * 1000), h]));
    for (const [ts, h] of held) {
      const p = theirs.get(ts);
      assert.ok(p, `Prometheus has the histogram at ${ts}`);
      assert.equal(Number(p.count), h.count, `count at ${ts}`);
      assert.equal(Number(p.sum), h.sum, `sum at ${ts}`);
      assert.deepEqual(
        p.buckets.map(([rule, lo, hi, c]) => ({ boundaryRule: rule, lower: Number(lo), upper: Number(hi), count: Number(c) })),
        bucketsOf(h),
        `buckets at ${ts}`,
      );
    }
    assert.ok(answers.every((s) => s === 204), `every remote_write answered 204: ${answers.join(",")}`);
    t.diagnostic(`${held.length} histograms compared; Prometheus 2.42 sends native histograms over remote_write 1.0`);

    // The functions over them answer alike. Asked between two scrapes, so no sample sits on a window's
    // left edge (2.42 closes it, Prometheus 3 does not); quantile 1 and fraction between bucket bounds
    // need no interpolation (2.42 interpolates linearly inside a bucket, Prometheus 3 exponentially).
    while (Date.now() < deadline && held.length < 8) {
      await new Promise((r) => setTimeout(r, 250));
      held = (await headHistograms(head, "e2e_latency_seconds"))[0]?.samples ?? [];
    }
    const at = held[held.length - 1]![0] + 500;
    const engine = new Engine({});
    const queries = [
      "histogram_count(e2e_latency_seconds)",
      "histogram_sum(e2e_latency_seconds)",
      "histogram_count(rate(e2e_latency_seconds[5s]))",
      "histogram_sum(rate(e2e_latency_seconds[5s]))",
      "histogram_count(sum by (job) (rate(e2e_latency_seconds[5s])))",
      "histogram_quantile(1, sum by (route) (rate(e2e_latency_seconds[5s])))",
      "histogram_fraction(1, 4, rate(e2e_latency_seconds[5s]))",
    ];
    for (const q of queries) {
      const promBody = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${at / 1000}`)).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      const theirs = promBody.data.result.map((r) => `${JSON.stringify(r.metric)} ${Number(r.value[1])}`).sort();
      const result = await engine.instantQuery(head, q, at).exec();
      assert.equal(result.value.type, "vector", q);
      const ours = (result.value.type === "vector" ? result.value.samples : []).map((s) => `${JSON.stringify(Object.fromEntries(s.labels.map((l) => [l.name, l.value])))} ${s.v}`).sort();
      assert.ok(theirs.length > 0, `Prometheus answers ${q}`);
      assert.deepEqual(ours, theirs, q);
    }
  } finally {
    await prom?.stop();
    for (const s of servers) s.close();
    await rm(dir, { recursive: true, force: true });
  }
});
