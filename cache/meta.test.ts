import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { InMemoryBackend } from "./backend.js";
import { type Downstream, type DownstreamResponse, QueryFrontend } from "./frontend.js";
import { answerText } from "./testkit.js";
import { decodeMetaAnswer, encodeMetaAnswer } from "./meta.js";
import { labelsFromRecord } from "../storeapi/index.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = 10 * DAY + 12 * HOUR;
const JSON_HEADERS = { "content-type": "application/json" };

interface Call {
  path: string;
  start: number;
  end: number;
}

/** Each day has its own label names / values / series: "day<N>", and "common" every day. */
function metaDownstream(calls: Call[], warnOn?: (c: Call) => boolean): Downstream {
  return async (path, params) => {
    const call = { path, start: Math.round(Number(params.get("start")) * 1000), end: Math.round(Number(params.get("end")) * 1000) };
    calls.push(call);
    const days: number[] = [];
    for (let d = Math.floor(call.start / DAY); d <= Math.floor(call.end / DAY); d++) days.push(d);
    const warnings = warnOn?.(call) === true ? ',"warnings":["store s1: unavailable"]' : "";
    if (path === "/api/v1/series") {
      const series = days.map((d) => `{"__name__":"up","day":"${d}"}`).concat('{"__name__":"up","day":"common"}');
      return { status: 200, body: `{"status":"success","data":[${series.join(",")}]${warnings}}`, headers: JSON_HEADERS };
    }
    const values = ["common", ...days.map((d) => `day${d}`)];
    return { status: 200, body: `{"status":"success","data":${JSON.stringify(values)}${warnings}}`, headers: JSON_HEADERS };
  };
}

function frontend(): QueryFrontend {
  return new QueryFrontend({ registry: new Registry(), backend: new InMemoryBackend({ maxSizeBytes: 1 << 20 }), now: () => NOW, retryBackoffMs: 1 });
}

function ask(fe: QueryFrontend, ds: Downstream, path: string, range?: [number, number], extra: Record<string, string> = {}): Promise<DownstreamResponse> {
  const params = new URLSearchParams(extra);
  if (range !== undefined) {
    params.set("start", String(range[0] / 1000));
    params.set("end", String(range[1] / 1000));
  }
  return answerText(fe.handle({ path, params, tenant: "", noStore: false }, ds, new AbortController().signal));
}

test("labels over several days: split per day, united and sorted; whole old days come from cache", async () => {
  const fe = frontend();
  const calls: Call[] = [];
  const ds = metaDownstream(calls);
  const range: [number, number] = [2 * DAY + 6 * HOUR, 5 * DAY + 6 * HOUR];
  const first = await ask(fe, ds, "/api/v1/labels", range);
  assert.equal(first.body, '{"status":"success","data":["common","day2","day3","day4","day5"]}');
  assert.equal(calls.length, 4);
  calls.length = 0;
  const again = await ask(fe, ds, "/api/v1/labels", range);
  assert.equal(again.body, first.body);
  assert.deepEqual(calls.map((c) => [c.start, c.end]), [[2 * DAY + 6 * HOUR, 3 * DAY - 1], [5 * DAY, 5 * DAY + 6 * HOUR]], "only the partial days at the ends are fetched");
});

test("a label's values and series: keyed by the label name, series sorted by labels and each once", async () => {
  const fe = frontend();
  const calls: Call[] = [];
  const ds = metaDownstream(calls);
  const a = await ask(fe, ds, "/api/v1/label/job/values", [3 * DAY, 5 * DAY - 1]);
  const b = await ask(fe, ds, "/api/v1/label/instance/values", [3 * DAY, 5 * DAY - 1]);
  assert.equal(a.body, b.body);
  assert.equal(calls.length, 4, "another label is another entry");
  const series = await ask(fe, ds, "/api/v1/series", [3 * DAY, 5 * DAY - 1], { "match[]": "up" });
  assert.equal(series.body, '{"status":"success","data":[{"__name__":"up","day":"3"},{"__name__":"up","day":"4"},{"__name__":"up","day":"common"}]}');
});

test("no start and end: the default range (24h back from now) is asked", async () => {
  const fe = frontend();
  const calls: Call[] = [];
  await ask(fe, metaDownstream(calls), "/api/v1/labels");
  assert.equal(calls[0]!.start, NOW - DAY);
  assert.equal(calls.at(-1)!.end, NOW);
});

test("a window answered with warnings is not cached; the warning reaches the client", async () => {
  const fe = frontend();
  const calls: Call[] = [];
  let failing = true;
  const ds = metaDownstream(calls, (c) => failing && c.start === 3 * DAY);
  const range: [number, number] = [3 * DAY, 5 * DAY - 1];
  const first = await ask(fe, ds, "/api/v1/labels", range);
  assert.match(first.body, /"warnings":\["store s1: unavailable"\]/);
  failing = false;
  calls.length = 0;
  const again = await ask(fe, ds, "/api/v1/labels", range);
  assert.deepEqual(calls.map((c) => c.start), [3 * DAY], "the partial day is asked again");
  assert.doesNotMatch(again.body, /warnings/);
});

test("metadata cache entries round-trip in their binary form", () => {
  for (const a of [
    { kind: "strings" as const, values: ["a", "Zürich", ""], warnings: [] },
    { kind: "series" as const, series: [labelsFromRecord({ __name__: "up", job: "x" }), labelsFromRecord({ a: "b" })], warnings: [] },
  ]) {
    assert.deepEqual(decodeMetaAnswer(encodeMetaAnswer(a)), a);
  }
  assert.throws(() => decodeMetaAnswer(encodeMetaAnswer({ kind: "strings", values: ["abc"], warnings: [] }).subarray(0, 10)), /cut short/);
});
