import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesFlag, durationFlag, FlagError, parseFlagsWith, type FlagSpec } from "./flags.js";

const SPECS: FlagSpec[] = [
  { name: "endpoint", default: "", help: "", repeatable: true },
  { name: "query.partial-response", default: "true", help: "", boolean: true },
  { name: "store.response-timeout", default: "0ms", help: "" },
];

test("repeatable flags keep every value in order; others keep the last", () => {
  const p = parseFlagsWith(SPECS, ["--endpoint=a:1", "--endpoint", "b:2", "--store.response-timeout=1s", "--store.response-timeout=2s"]);
  assert.deepEqual(p.lists["endpoint"], ["a:1", "b:2"]);
  assert.equal(p.values["store.response-timeout"], "2s");
  assert.deepEqual(parseFlagsWith(SPECS, []).lists["endpoint"], []);
});

test("booleans take --no-, unknown flags and bad values name the flag", () => {
  assert.equal(parseFlagsWith(SPECS, ["--no-query.partial-response"]).values["query.partial-response"], "false");
  assert.throws(() => parseFlagsWith(SPECS, ["--endpoints=a"]), (e: unknown) => e instanceof FlagError && /--endpoints/.test(e.message));
  assert.throws(() => parseFlagsWith(SPECS, ["--endpoint"]), /--endpoint needs a value/);
});

test("durations: zero only where it means off", () => {
  assert.equal(durationFlag({ x: "0s" }, "x", true), 0);
  assert.throws(() => durationFlag({ x: "0s" }, "x"), /invalid --x=0s: must be positive/);
  assert.throws(() => durationFlag({ x: "soon" }, "x", true), /invalid --x=soon/);
});

test("sizes as Thanos writes them: units of 1024, 0 allowed, a bad one named", () => {
  assert.equal(bytesFlag({ x: "250MB" }, "x"), 250 * 1024 * 1024);
  assert.equal(bytesFlag({ x: "1GiB" }, "x"), 1024 ** 3);
  assert.equal(bytesFlag({ x: "512kb" }, "x"), 512 * 1024);
  assert.equal(bytesFlag({ x: "0" }, "x"), 0);
  assert.throws(() => bytesFlag({ x: "lots" }, "x"), /invalid --x=lots: want a size such as 250MB/);
  assert.throws(() => bytesFlag({ x: "-1MB" }, "x"), /invalid --x=-1MB/);
});
