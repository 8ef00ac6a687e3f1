// Start (created) timestamps end to end through `orrery start`: a remote_write 2.0 request carries
// them and increase() counts a counter restart only they reveal (the values keep rising). Their WAL
// replay is tested in stores/head/start-timestamps.test.ts (a second process start here doubles the time).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import snappy from "snappyjs";
import { stopProcess } from "../conformance/index.js";
import { encodeWriteRequestV2 } from "../stores/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { logged, orrery } from "./testkit.js";

const M = 60_000;

async function instant(url: string, query: string, timeMs: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}&time=${timeMs / 1000}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, "success", JSON.stringify(body));
  return body.data.result;
}

test("remote_write 2.0 start timestamps: increase() counts a restart only they show", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-st-e2e-"));
  const data = join(dir, "data");
  const args = ["start", `--storage.tsdb.path=${data}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape"];
  const server = orrery(args);
  t.after(async () => {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });
  const base = Math.floor(Date.now() / M) * M - 10 * M;
  // 10 20 30 started at base; 40 50 started again at 3m30s: a restart the values do not show.
  const st = [base, base, base, base + 3.5 * M, base + 3.5 * M];
  const samples = st.map((s, i) => ({ value: 10 * (i + 1), timestamp: base + (i + 1) * M, startTimestamp: s }));
  const body = encodeWriteRequestV2([
    { labels: labelsFromRecord({ __name__: "requests_total", job: "st" }), samples },
    { labels: labelsFromRecord({ __name__: "requests_total", job: "plain" }), samples: samples.map(({ value, timestamp }) => ({ value, timestamp })) },
  ]);
  const url = await logged(server, /listening on (http:\/\/[^\s"]+)/, "orrery start");
  const res = await fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request", "content-encoding": "snappy", "x-prometheus-remote-write-version": "2.0.0" },
    body: snappy.compress(body),
  });
  assert.equal(res.status, 204, await res.text());
  assert.equal(res.headers.get("x-prometheus-remote-write-samples-written"), "10");

  const at = base + 5 * M;
  const got = Object.fromEntries((await instant(url, "increase(requests_total[5m])", at)).map((r) => [r.metric.job, Number(r.value[1])]));
  // Hand-derived as Prometheus 3 computes it: 50 - 10 + 30 (the restart) = 70 over 4m sampled, extrapolated
  // left to the zero point (240s · 10/70) and not right: 70 · (240 + 240/7) / 240 = 80. Without start timestamps: 40 · 1.25 = 50.
  assert.ok(Math.abs(got.st! - 80) < 1e-9, `st ${got.st}`);
  assert.ok(Math.abs(got.plain! - 50) < 1e-9, `plain ${got.plain}`);
  const starts = Object.fromEntries((await instant(url, "start_timestamp(requests_total)", at)).map((r) => [r.metric.job, Number(r.value[1])]));
  assert.deepEqual(starts, { st: (base + 3.5 * M) / 1000, plain: 0 });
});
