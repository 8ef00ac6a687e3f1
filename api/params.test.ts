import { test } from "node:test";
import assert from "node:assert/strict";
import { limitParam, Params, parseDuration, parseTime, shardInfoParam } from "./params.js";

test("parseTime reads Unix seconds and RFC 3339 as Prometheus does", () => {
  const table: [string, number][] = [
    ["0", 0],
    ["1435781451.781", 1435781451781],
    ["1435781451.0015", 1435781451001],
    ["0.0005", 1],
    ["-0.0005", -1],
    ["1.9995", 2000],
    ["1.0004999", 1000],
    ["-1.5", -1500],
    ["1e3", 1000000],
    [".5", 500],
    ["5.", 5000],
    ["1E2", 100000],
    ["+3", 3000],
    ["2015-07-01T20:10:51.781Z", 1435781451781],
    ["2015-07-01T20:10:51.7819Z", 1435781451781],
    ["2015-07-01T20:10:51+02:00", 1435774251000],
    ["2015-07-01T20:10:51-01:30", 1435786851000],
  ];
  for (const [s, want] of table) assert.equal(parseTime(s), want, s);
});

test("parseTime rejects what Prometheus rejects, with its message", () => {
  for (const s of ["abc", "", "2015-02-31T00:00:00Z", "2015-07-01t20:10:51Z", "1 ", "0x10", "NaN", "2015-07-01"]) {
    assert.throws(() => parseTime(s), { message: `cannot parse ${JSON.stringify(s)} to a valid timestamp` }, s);
  }
});

test("parseDuration reads float seconds and Prometheus durations", () => {
  const table: [string, number][] = [
    ["1.5", 1500],
    ["15", 15000],
    ["0.0001", 0.1],
    ["1m30s", 90000],
    ["0", 0],
    ["1d", 86400000],
    ["1y2w", 365 * 86400000 + 14 * 86400000],
    ["10ms", 10],
    ["1h", 3600000],
  ];
  for (const [s, want] of table) assert.equal(parseDuration(s), want, s);
  for (const s of ["", "x", "1h1h", "5 m", "1.5m"]) {
    assert.throws(() => parseDuration(s), { message: `cannot parse ${JSON.stringify(s)} to a valid duration` }, s);
  }
});

test("Params prefers form body values and lists body values first", () => {
  const p = new Params(new URLSearchParams("query=2&match[]=a&x=1"), new URLSearchParams("query=1&match[]=b"));
  assert.equal(p.get("query"), "1");
  assert.equal(p.get("x"), "1");
  assert.equal(p.get("missing"), "");
  assert.deepEqual(p.all("match[]"), ["b", "a"]);
});

test("limitParam rejects non-numbers and negatives naming the parameter", () => {
  assert.equal(limitParam(new Params(new URLSearchParams("limit=5"))), 5);
  assert.equal(limitParam(new Params(new URLSearchParams(""))), 0);
  assert.throws(() => limitParam(new Params(new URLSearchParams("limit=x"))), /invalid parameter "limit"/);
  assert.throws(() => limitParam(new Params(new URLSearchParams("limit=-1"))), /invalid parameter "limit": limit must be non-negative/);
});

test("shard_info: Thanos's JSON ShardInfo, checked, with errors naming the parameter", () => {
  const p = (json: string) => shardInfoParam(new Params(new URLSearchParams({ shard_info: json })));
  assert.equal(shardInfoParam(new Params(new URLSearchParams(""))), undefined);
  assert.deepEqual(p('{"shard_index":1,"total_shards":4,"by":true,"labels":["job"]}'), { shardIndex: 1, totalShards: 4, by: true, labels: ["job"] });
  assert.deepEqual(p('{"shard_index":"2","total_shards":"3"}'), { shardIndex: 2, totalShards: 3, by: false, labels: [] });
  assert.throws(() => p("{"), /invalid parameter "shard_info": not JSON/);
  assert.throws(() => p("[1]"), /invalid parameter "shard_info": want a JSON object/);
  assert.throws(() => p('{"shard_index":4,"total_shards":4}'), /invalid parameter "shard_info": shard_index 4 is not in \[0, 4\)/);
  assert.throws(() => p('{"total_shards":1.5}'), /total_shards must be an integer, got 1.5/);
  assert.throws(() => p('{"total_shards":2,"labels":"job"}'), /labels must be a list of strings/);
  assert.throws(() => p('{"total_shards":2,"by":"yes"}'), /by must be true or false/);
});
