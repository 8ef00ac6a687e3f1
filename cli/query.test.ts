// `orrery query` as a user runs it: flags, and the querier over two `orrery receive` processes
// answering the compliance query set as one `orrery start` holding all the data does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDatasetText } from "../bench/dataset/index.js";
import { runCompareCommand, stopProcess } from "../conformance/index.js";
import { labelsHash } from "../storeapi/index.js";
import { importExpositionFile, openHead, type WriteTimeSeries } from "../stores/index.js";
import { parseFlags, queryCommandConfig } from "./query.js";
import { assertSameAsOrreryReference, logged, MAIN, orrery, remoteWrite, writeSeries } from "./testkit.js";


test("query flags: Thanos's names, defaults, repeatable stores; bad flags exit 2 naming the flag", () => {
  const cfg = queryCommandConfig(parseFlags(["--endpoint=a:10901", "--endpoint", "b:10901", "--prometheus.url=http://p:9090", "--query.replica-label=replica"]));
  assert.deepEqual(cfg.federation.endpoints, ["a:10901", "b:10901"]);
  assert.deepEqual(cfg.federation.prometheusUrls, ["http://p:9090"]);
  assert.deepEqual(cfg.federation.replicaLabels, ["replica"]);
  assert.equal(cfg.federation.partialResponse, true);
  assert.equal(cfg.federation.storeResponseTimeoutMs, 0);
  assert.deepEqual([cfg.host, cfg.port, cfg.queryTimeoutMs, cfg.maxConcurrency], ["127.0.0.1", 10902, 120000, 20]);
  assert.equal(queryCommandConfig(parseFlags(["--endpoint=a:1", "--no-query.partial-response"])).federation.partialResponse, false);
  assert.equal(queryCommandConfig(parseFlags(["--endpoint=a:1", "--store.response-timeout=5s"])).federation.storeResponseTimeoutMs, 5000);
  assert.throws(() => queryCommandConfig(parseFlags([])), /no stores to query/);
  assert.throws(() => queryCommandConfig(parseFlags(["--endpoint=nohost"])), /invalid --endpoint=nohost/);
  assert.throws(() => queryCommandConfig(parseFlags(["--prometheus.url=p:9090"])), /invalid --prometheus.url=p:9090/);
  assert.throws(() => queryCommandConfig(parseFlags(["--endpoint=a:1", "--grpc-client-tls-ca=x"])), /need --grpc-client-tls-secure/);

  const help = spawnSync(process.execPath, [MAIN, "query", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of [
    "--web.listen-address",
    "--endpoint=",
    "--endpoint.sd-files",
    "--prometheus.url",
    "--query.replica-label",
    "--[no-]query.partial-response",
    "--store.response-timeout",
    "--query.timeout",
    "--query.max-samples",
    "--query.lookback-delta",
    "--query.max-concurrency",
    "--query.max-queue-length",
    "--query.parallelism",
    "--query.parallel-min-samples",
    "--[no-]grpc-client-tls-secure",
    "--log.level",
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  for (const [args, message] of [
    [["--store.response-timeout=soon", "--endpoint=a:1"], /invalid --store.response-timeout=soon/],
    [["--endpoint=a:1", "--bogus"], /unknown flag --bogus/],
    [[], /no stores to query/],
  ] as const) {
    const bad = spawnSync(process.execPath, [MAIN, "query", ...args], { encoding: "utf8" });
    assert.equal(bad.status, 2, args.join(" "));
    assert.match(bad.stderr, message);
  }
});

// Four orrery processes answer the whole compliance set: about 60 s on a quiet machine, twice that under load.
test("orrery query over two orrery receive (halves plus an overlap, replica labels) answers the compliance queries as one orrery start", { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-query-e2e-"));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    rmSync(dir, { recursive: true, force: true });
  });
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const file = join(dir, "data.om");
  writeFileSync(file, generateDatasetText({ endMs, hours: 0.5, benchSeries: 0 }));

  // The reference: one head holding everything, on disk for `orrery start`.
  const ref = await openHead(join(dir, "all"), { windowMs: 2 * 3_600_000 });
  const imported = await importExpositionFile(ref.head, file);
  assert.deepEqual(imported.errors, []);
  const all = await writeSeries(ref.head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [{ name: "__name__", op: "=~", value: ".+" }] }));
  await ref.head.close();
  // Series go to a, to b, or (a third of them) to both.
  const part = (s: WriteTimeSeries): number => labelsHash(s.labels) % 3;
  const halves = [all.filter((s) => part(s) !== 1), all.filter((s) => part(s) !== 0)];
  assert.ok(halves[0]!.length < all.length && halves[1]!.length < all.length && halves[0]!.length + halves[1]!.length > all.length);

  const start = orrery(["start", `--storage.tsdb.path=${join(dir, "all")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape"]);
  children.push(start);
  const receivers = ["a", "b"].map((r) => {
    const child = orrery(["receive", `--tsdb.path=${join(dir, r)}`, "--remote-write.address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", `--label=replica="${r}"`]);
    children.push(child);
    return { grpc: logged(child, /StoreAPI on (\S+?)"/, "receive"), http: logged(child, /listening on (http:\/\/[^\s"]+)/, "receive") };
  });
  const referenceUrl = await logged(start, /listening on (http:\/\/[^\s"]+)/, "start");
  for (const [i, r] of receivers.entries()) await remoteWrite(await r.http, halves[i]!);

  const query = orrery(["query", `--endpoint=${await receivers[0]!.grpc}`, `--endpoint=${await receivers[1]!.grpc}`, "--query.replica-label=replica", "--web.listen-address=127.0.0.1:0"]);
  children.push(query);
  const targetUrl = await logged(query, /listening on (http:\/\/[^\s"]+)/, "query");
  for (let i = 0; i < 100; i++) {
    const stores = (await (await fetch(`${targetUrl}/api/v1/stores`)).json()) as { data: { store?: { maxTime: number }[] } };
    if ((stores.data.store ?? []).filter((s) => s.maxTime > 0).length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const out: string[] = [];
  const code = await runCompareCommand(
    ["--reference", referenceUrl, "--target", targetUrl, "--start", String((endMs - 25 * 60_000) / 1000), "--end", String((endMs - 60_000) / 1000), "--step", "60s", "--parallelism", "6"],
    { out: (s) => out.push(s), err: (s) => out.push(s) },
  );
  await assertSameAsOrreryReference(out.join("\n"), referenceUrl, targetUrl, endMs - 60_000);
});
