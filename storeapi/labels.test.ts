import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareLabels,
  compareUtf8,
  dropMetricName,
  formatLabels,
  formatSeries,
  getLabel,
  goQuote,
  labelsEqual,
  labelsFromPairs,
  labelsFromRecord,
  labelsHash,
  labelsHash32,
  labelsKey,
  LabelsBuilder,
} from "./labels.js";

const L = labelsFromRecord;

test("labelsFromRecord / labelsFromPairs sort and drop empty values", () => {
  assert.deepEqual(L({ b: "2", a: "1", c: "" }), [
    { name: "a", value: "1" },
    { name: "b", value: "2" },
  ]);
  assert.deepEqual(labelsFromPairs("z", "1", "a", "2", "z", "3"), [
    { name: "a", value: "2" },
    { name: "z", value: "3" },
  ]);
  assert.throws(() => labelsFromPairs("a"), /odd number/);
});

test("compareLabels follows Prometheus's order", () => {
  const cases: [Record<string, string>, Record<string, string>, number][] = [
    [{ a: "1" }, { a: "1" }, 0],
    [{ a: "1" }, { a: "2" }, -1],
    [{ a: "1" }, { b: "1" }, -1],
    [{ a: "1" }, { a: "1", b: "1" }, -1], // prefix first
    [{ a: "2" }, { a: "1", b: "1" }, 1],
    [{ __name__: "x", a: "1" }, { a: "0" }, -1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(Math.sign(compareLabels(L(a), L(b))), want, JSON.stringify([a, b]));
    assert.equal(Math.sign(compareLabels(L(b), L(a))), want === 0 ? 0 : -want);
  }
});

test("compareUtf8 orders as UTF-8 bytes, not UTF-16 units", () => {
  assert.ok(compareUtf8("\uffff", "\u{10000}") < 0); // UTF-16 says the opposite
  assert.ok("\uffff" > "\u{10000}");
  assert.ok(compareUtf8("a", "b") < 0);
  assert.ok(compareUtf8("ab", "a") > 0);
  assert.equal(compareUtf8("é", "é"), 0);
  const words = ["b", "\u{1F600}", "a", "\uE000", "ab", "", "Z"];
  const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual([...words].sort(compareUtf8), byBytes);
});

test("labelsEqual, labelsKey, labelsHash", () => {
  const a = L({ a: "1", b: "2" });
  assert.ok(labelsEqual(a, L({ b: "2", a: "1" })));
  assert.ok(!labelsEqual(a, L({ a: "1" })));
  assert.ok(!labelsEqual(a, L({ a: "1", b: "3" })));
  // keys and hashes differ where naive joining would collide
  const tricky = [L({ a: "b,c=d" }), L({ a: "b", c: "d" }), L({ ab: "" + "c" }), L({ a: "bc" }), L({ a: "b\xffc" }), L({ a: "b", "\xffc": "x" })];
  const keys = new Set(tricky.map(labelsKey));
  assert.equal(keys.size, tricky.length);
  const hashes = new Set(tricky.map(labelsHash));
  assert.equal(hashes.size, tricky.length);
  assert.equal(labelsKey(a), labelsKey(L({ b: "2", a: "1" })));
  assert.equal(labelsHash(a), labelsHash(L({ b: "2", a: "1" })));
  const h = labelsHash(a);
  assert.ok(Number.isSafeInteger(h) && h >= 0);
  // no collisions across many similar sets
  const seen = new Set<number>();
  for (let i = 0; i < 20000; i++) seen.add(labelsHash(L({ __name__: "m", instance: `host-${i % 200}`, job: `j${Math.floor(i / 200)}` })));
  assert.equal(seen.size, 20000);
});

test("labelsHash stays what it was, and labelsHash32 is its low 32 bits", () => {
  const pinned: [Record<string, string>, number][] = [
    [{ __name__: "up", job: "api" }, 2066015766598564],
    [{ a: "b\xffc", "\xffc": "x" }, 3875189414173815],
    [{}, 8580639942427176],
    [{ __name__: "bench_metric_12_total", instance: "host-3.example.org:9100", job: "node", shard: "5" }, 4757305516627250],
  ];
  for (const [record, hash] of pinned) assert.equal(labelsHash(L(record)), hash, JSON.stringify(record));
  let seed = 3;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const text = () => Array.from({ length: rand(6) }, () => String.fromCharCode(rand(3) === 0 ? 0x80 + rand(0x3000) : 0x61 + rand(26))).join("");
  for (let i = 0; i < 2000; i++) {
    const labels = L(Object.fromEntries(Array.from({ length: rand(5) }, () => [text() || "n", text()])));
    assert.equal(labelsHash32(labels), labelsHash(labels) % 2 ** 32);
  }
});

test("getLabel, dropMetricName", () => {
  const a = L({ __name__: "up", job: "x" });
  assert.equal(getLabel(a, "job"), "x");
  assert.equal(getLabel(a, "nope"), "");
  assert.deepEqual(dropMetricName(a), L({ job: "x" }));
  const b = L({ job: "x" });
  assert.equal(dropMetricName(b), b);
});

test("formatLabels matches Prometheus's Labels.String()", () => {
  assert.equal(formatLabels(L({ __name__: "m", s: "0" })), '{__name__="m", s="0"}');
  assert.equal(formatLabels([]), "{}");
  assert.equal(formatLabels(L({ a: 'x"y\\z\n\t' })), '{a="x\\"y\\\\z\\n\\t"}');
  assert.equal(formatLabels(L({ "a.b": "1" })), '{"a.b"="1"}');
  assert.equal(formatSeries(L({ __name__: "up", job: "x" })), 'up{job="x"}');
  assert.equal(formatSeries(L({ __name__: "up" })), "up");
  assert.equal(formatSeries(L({ job: "x" })), '{job="x"}');
});

test("goQuote follows strconv.Quote", () => {
  assert.equal(goQuote("héllo 😀"), '"héllo 😀"');
  assert.equal(goQuote("\x00\x1f\x7f"), '"\\x00\\x1f\\x7f"');
  assert.equal(goQuote("\u00a0\u200b"), '"\\u00a0\\u200b"');
  assert.equal(goQuote("\x07\x08\x0c\x0b\r"), '"\\a\\b\\f\\v\\r"');
  assert.equal(goQuote("\u{e0001}"), '"\\U000e0001"');
  // A byte that was not UTF-8 (kept as U+DC00+byte) prints as Go prints it; other lone surrogates as U+FFFD.
  assert.equal(goQuote("a\udcc5z"), '"a\\xc5z"');
  assert.equal(goQuote("\ud800"), '"\ufffd"');
});

test("LabelsBuilder set/del/keep/drop", () => {
  const base = L({ __name__: "m", a: "1", b: "2", c: "3" });
  const b = new LabelsBuilder(base);
  assert.equal(b.build(), base);
  assert.deepEqual(b.set("d", "4").del("a").build(), L({ __name__: "m", b: "2", c: "3", d: "4" }));
  assert.deepEqual(b.reset(base).set("a", "").build(), L({ __name__: "m", b: "2", c: "3" }));
  assert.deepEqual(b.reset(base).keep("a", "c").build(), L({ a: "1", c: "3" }));
  assert.deepEqual(b.reset(base).set("z", "9").keep("a").build(), L({ a: "1", z: "9" }), "keep filters only the base");
  assert.deepEqual(b.reset(base).keep("a").set("z", "9").build(), L({ a: "1", z: "9" }));
  assert.deepEqual(b.reset(base).keep("a", "b").keep("b", "c").build(), L({ b: "2" }));
  assert.deepEqual(b.reset(base).drop("__name__", "c").build(), L({ a: "1", b: "2" }));
  b.reset(base).set("a", "x");
  assert.equal(b.get("a"), "x");
  assert.equal(b.get("b"), "2");
  assert.deepEqual(base, L({ __name__: "m", a: "1", b: "2", c: "3" }), "base untouched");
});

test("labelsFromList, labelsToRecord, hasLabel", async () => {
  const { labelsFromList, labelsToRecord, hasLabel } = await import("./labels.js");
  const l = labelsFromList([{ name: "b", value: "1" }, { name: "a", value: "" }, { name: "c", value: "2" }, { name: "b", value: "3" }]);
  assert.deepEqual(l, L({ b: "3", c: "2" }));
  assert.deepEqual(labelsToRecord(l), { b: "3", c: "2" });
  assert.ok(hasLabel(l, "c") && !hasLabel(l, "a"));
});
