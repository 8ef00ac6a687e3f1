// `orrery start` keeping history in S3: remote-written data cut into blocks, uploaded to a real
// S3 API (s3rver), the head truncated — and the compliance query set over the whole range
// answered as by an orrery that still holds everything in its head.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDatasetText } from "../bench/dataset/index.js";
import { runCompareCommand, stopProcess } from "../conformance/index.js";
import { importExpositionFile, openHead, SHIPPER_META_FILE } from "../stores/index.js";
import { configYaml, startS3rver } from "../stores/bucket/objstore/testkit.js";
import { assertSameAsOrreryReference, logged, orrery, remoteWrite, writeSeries } from "./testkit.js";

const HOUR = 3_600_000;

test("orrery start with an S3 bucket: after blocks are cut, uploaded and the head truncated, the compliance set answers as before the cut", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-history-"));
  const children: ChildProcess[] = [];
  const s3 = await startS3rver();
  t.after(async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const file = join(dir, "data.om");
  writeFileSync(file, generateDatasetText({ endMs, hours: 7, benchSeries: 0 }));

  // The reference keeps all 7h in its head.
  const ref = await openHead(join(dir, "all"), { windowMs: 12 * HOUR });
  assert.deepEqual((await importExpositionFile(ref.head, file)).errors, []);
  const all = await writeSeries(ref.head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [{ name: "__name__", op: "=~", value: ".+" }] }));
  await ref.head.close();
  const reference = orrery(["start", `--storage.tsdb.path=${join(dir, "all")}`, "--storage.tsdb.retention.time=12h", "--web.listen-address=127.0.0.1:0", "--no-self-scrape"]);
  children.push(reference);

  // The target keeps 2h in its head; the rest must come back from the bucket.
  const objstore = configYaml(s3.endpoint, s3.bucket);
  const target = orrery(["start", `--storage.tsdb.path=${join(dir, "target")}`, "--storage.tsdb.retention.time=2h", "--web.listen-address=127.0.0.1:0", "--no-self-scrape", `--objstore.config=${objstore}`]);
  children.push(target);
  const targetUrl = await logged(target, /listening on (http:\/\/[^\s"]+)/, "start");
  // In time order, 20 minutes of every series per request, as Prometheus sends them.
  for (let from = endMs - 7 * HOUR; from <= endMs; from += 20 * 60_000) {
    const slice = all.map((s) => ({ labels: s.labels, samples: s.samples.filter((x) => x.timestamp >= from && x.timestamp < from + 20 * 60_000) }));
    await remoteWrite(targetUrl, slice.filter((s) => s.samples.length > 0));
  }

  // The shipper runs every 30 s: wait until its blocks are uploaded and the head has let the start of the data go.
  const headMinTime = async (): Promise<number> => Number(/^orrery_head_min_time (\S+)$/m.exec(await (await fetch(`${targetUrl}/metrics`)).text())?.[1] ?? NaN);
  let minTime = await headMinTime();
  for (let i = 0; i < 150 && !(minTime >= endMs - 5 * HOUR); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    minTime = await headMinTime();
  }
  assert.ok(minTime >= endMs - 5 * HOUR, `head min time ${minTime}, data starts at ${endMs - 7 * HOUR}`);
  const cutBefore = (JSON.parse(readFileSync(join(dir, "target", SHIPPER_META_FILE), "utf8")) as { cut_before: number }).cut_before;
  assert.ok(cutBefore >= endMs - 5 * HOUR, `blocks cut before ${new Date(cutBefore).toISOString()}`);

  const referenceUrl = await logged(reference, /listening on (http:\/\/[^\s"]+)/, "start");
  const out: string[] = [];
  await runCompareCommand(
    ["--reference", referenceUrl, "--target", targetUrl, "--start", String((endMs - 6.5 * HOUR) / 1000), "--end", String((endMs - 60_000) / 1000), "--step", "5m", "--parallelism", "6"],
    { out: (s) => out.push(s), err: (s) => out.push(s) },
  );
  await assertSameAsOrreryReference(out.join("\n"), referenceUrl, targetUrl, endMs - 60_000);
});
