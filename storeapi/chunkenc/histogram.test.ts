import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FloatHistogramChunk,
  FloatHistogramChunkIterator,
  HistogramChunk,
  HistogramChunkIterator,
  histogramChunkHeader,
  STALE_NAN,
  isStaleNaN,
} from "./index.js";
import { CounterResetHint, type HistogramSpan, type NativeHistogram } from "../histogram.js";
import { nativeHistogram } from "../../testing/index.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function hist(
  count: number,
  sum: number,
  positiveSpans: HistogramSpan[],
  positiveBuckets: number[],
  extra: Partial<NativeHistogram> = {},
): NativeHistogram {
  return nativeHistogram({ count, sum, positiveSpans, positiveBuckets, ...extra });
}

type AnyIterator = HistogramChunkIterator | FloatHistogramChunkIterator;

function decode(bytes: Uint8Array, float: boolean): { t: number; h: NativeHistogram }[] {
  const it: AnyIterator = float ? new FloatHistogramChunkIterator(bytes) : new HistogramChunkIterator(bytes);
  const out: { t: number; h: NativeHistogram }[] = [];
  while (it.next()) out.push({ t: it.t, h: it.at() });
  assert.equal(it.err, undefined);
  return out;
}

/** Bucket counts by absolute index (what a histogram means, whatever its span layout). */
function byIndex(spans: readonly HistogramSpan[], buckets: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  let pos = 0;
  let k = 0;
  for (const s of spans) {
    pos += s.offset;
    for (let j = 0; j < s.length; j++) m.set(pos + j, buckets[k++]!);
    pos += s.length;
  }
  return m;
}

/** Same histogram, ignoring zero buckets a recoded layout adds and the hint. */
function assertSameHistogram(got: NativeHistogram, want: NativeHistogram, what: string): void {
  if (isStaleNaN(want.sum)) {
    assert.ok(isStaleNaN(got.sum), `${what}: stale marker`);
    return;
  }
  assert.equal(got.schema, want.schema, `${what}: schema`);
  assert.equal(got.zeroThreshold, want.zeroThreshold, `${what}: zero threshold`);
  assert.equal(got.count, want.count, `${what}: count`);
  assert.equal(got.zeroCount, want.zeroCount, `${what}: zero count`);
  assert.ok(Object.is(got.sum, want.sum) || got.sum === want.sum, `${what}: sum ${got.sum} vs ${want.sum}`);
  for (const side of ["positive", "negative"] as const) {
    const g = byIndex(got[`${side}Spans`], got[`${side}Buckets`]);
    const w = byIndex(want[`${side}Spans`], want[`${side}Buckets`]);
    for (const [i, v] of g) assert.equal(v, w.get(i) ?? 0, `${what}: ${side} bucket ${i}`);
    for (const [i, v] of w) assert.equal(g.get(i), v, `${what}: ${side} bucket ${i}`);
  }
  assert.deepEqual(got.customValues, want.customValues, `${what}: custom values`);
}

test("HistogramChunk: a hand-computed one-sample chunk", () => {
  const c = new HistogramChunk();
  assert.equal(c.append(1000, hist(3, 1.5, [{ offset: 0, length: 2 }], [1, 2])), true);
  // header 0001 00; zero threshold 0; schema 0; 1 span {len 2, off 0}; 0 spans; t=1000 in 12 bits; count 3;
  // zero count 0; sum 1.5; bucket deltas 1, 1.
  assert.equal(hex(c.bytes()), "0001000046478fa263ff80000000000008c4");
});

test("HistogramChunk: round trip with new buckets (recoded), negative buckets, zero bucket and a stale marker", () => {
  const samples: { t: number; h: NativeHistogram }[] = [
    { t: 1000, h: hist(5, 10.5, [{ offset: 1, length: 2 }], [2, 3], { zeroCount: 0, zeroThreshold: 2 ** -128 }) },
    { t: 16000, h: hist(9, 20, [{ offset: 1, length: 2 }], [4, 5], { zeroThreshold: 2 ** -128 }) },
    // a new bucket at index 5 and a negative span: the chunk is recoded to the new layout
    {
      t: 31000,
      h: hist(15, 33.25, [{ offset: 1, length: 2 }, { offset: 2, length: 1 }], [4, 6, 1], {
        zeroThreshold: 2 ** -128,
        zeroCount: 1,
        negativeSpans: [{ offset: -2, length: 1 }],
        negativeBuckets: [3],
      }),
    },
    {
      t: 46001,
      h: hist(1e6, 1e9, [{ offset: 1, length: 2 }, { offset: 2, length: 1 }], [400000, 599990, 1], {
        zeroThreshold: 2 ** -128,
        zeroCount: 4,
        negativeSpans: [{ offset: -2, length: 1 }],
        negativeBuckets: [5],
      }),
    },
    { t: 61001, h: hist(0, STALE_NAN, [], []) },
    { t: 76001, h: hist(0, STALE_NAN, [], []) },
  ];
  const c = new HistogramChunk();
  for (const s of samples) assert.equal(c.append(s.t, s.h), true);
  assert.equal(c.numSamples(), samples.length);
  const got = decode(c.bytes(), false);
  assert.deepEqual(got.map((s) => s.t), samples.map((s) => s.t));
  got.forEach((g, i) => assertSameHistogram(g.h, samples[i]!.h, `sample ${i}`));
  // After recoding, every sample carries the union layout.
  assert.deepEqual(got[0]!.h.positiveSpans, [{ offset: 1, length: 2 }, { offset: 2, length: 1 }]);
  assert.deepEqual(got[0]!.h.positiveBuckets, [2, 3, 0]);
  assert.equal(got[0]!.h.counterResetHint, CounterResetHint.Unknown);
  assert.equal(got[1]!.h.counterResetHint, CounterResetHint.NotCounterReset);
});

test("HistogramChunk: recoding gives the bytes of a chunk written in the union layout from the start", () => {
  const wide = [{ offset: 0, length: 4 }];
  const a = new HistogramChunk();
  a.append(1, hist(2, 1, [{ offset: 1, length: 1 }], [2]));
  a.append(2, hist(5, 2, [{ offset: 0, length: 2 }, { offset: 1, length: 1 }], [1, 2, 2]));
  const b = new HistogramChunk();
  b.append(1, hist(2, 1, [{ offset: 0, length: 2 }, { offset: 1, length: 1 }], [0, 2, 0]));
  b.append(2, hist(5, 2, [{ offset: 0, length: 2 }, { offset: 1, length: 1 }], [1, 2, 2]));
  assert.equal(hex(a.bytes()), hex(b.bytes()));
  // A sample missing buckets that are empty in the chunk is appended on the chunk's layout.
  assert.equal(a.append(3, hist(6, 3, [{ offset: 0, length: 2 }], [2, 4])), false, "bucket 3 was used: a reset");
  assert.equal(a.cutHeader, CounterResetHint.CounterReset);
  const z = new HistogramChunk();
  z.append(1, hist(1, 1, wide, [1, 0, 0, 0]));
  assert.equal(z.append(2, hist(2, 2, [{ offset: 0, length: 1 }], [2])), true);
  assert.deepEqual(decode(z.bytes(), false)[1]!.h.positiveBuckets, [2, 0, 0, 0]);
});

test("HistogramChunk: Prometheus's rules for cutting a new chunk, and the header it gets", () => {
  const base = hist(10, 5, [{ offset: 0, length: 2 }], [4, 6], { zeroCount: 0 });
  const cases: { name: string; h: NativeHistogram; header: CounterResetHint }[] = [
    { name: "count went down", h: hist(9, 5, [{ offset: 0, length: 2 }], [4, 5]), header: CounterResetHint.CounterReset },
    { name: "a bucket went down", h: hist(10, 5, [{ offset: 0, length: 2 }], [3, 7]), header: CounterResetHint.CounterReset },
    { name: "a used bucket vanished", h: hist(10, 5, [{ offset: 1, length: 1 }], [10]), header: CounterResetHint.CounterReset },
    { name: "explicit reset hint", h: { ...base, counterResetHint: CounterResetHint.CounterReset }, header: CounterResetHint.CounterReset },
    { name: "schema changed", h: { ...base, schema: 1 }, header: CounterResetHint.Unknown },
    { name: "zero threshold changed", h: { ...base, zeroThreshold: 0.001 }, header: CounterResetHint.Unknown },
    { name: "gauge after counters", h: { ...base, counterResetHint: CounterResetHint.Gauge }, header: CounterResetHint.Gauge },
  ];
  for (const k of cases) {
    const c = new HistogramChunk();
    c.append(1000, base);
    const before = hex(c.bytes());
    assert.equal(c.append(2000, k.h), false, k.name);
    assert.equal(c.cutHeader, k.header, k.name);
    assert.equal(hex(c.bytes()), before, `${k.name}: nothing written`);
  }
  const s = new HistogramChunk();
  s.append(1000, base);
  assert.equal(s.append(2000, hist(0, STALE_NAN, [], [])), true, "a stale marker always fits");
  assert.equal(s.append(3000, base), false, "nothing but stale markers after a stale marker");
  assert.equal(s.cutHeader, CounterResetHint.Unknown);
  assert.equal(s.nextChunkHeader(base), CounterResetHint.Unknown);
  const n = new HistogramChunk();
  n.append(1000, base);
  assert.equal(n.nextChunkHeader(base), CounterResetHint.NotCounterReset, "a size cut continuing the counter");
  assert.equal(n.nextChunkHeader(hist(1, 1, [], [])), CounterResetHint.CounterReset);
});

test("HistogramChunk: header bits and gauge histograms", () => {
  const g = (count: number, buckets: number[], spans: HistogramSpan[]): NativeHistogram =>
    hist(count, count, spans, buckets, { counterResetHint: CounterResetHint.Gauge });
  const c = new HistogramChunk();
  c.append(1, g(5, [5], [{ offset: 0, length: 1 }]));
  assert.equal(c.bytes()[2], 0xc0, "gauge header 11");
  // Gauges go down and move buckets both ways without a cut: the layout becomes the union.
  assert.equal(c.append(2, g(3, [3], [{ offset: 2, length: 1 }])), true);
  assert.equal(c.append(3, g(1, [1], [{ offset: 0, length: 1 }])), true);
  const got = decode(c.bytes(), false);
  assert.deepEqual(got.map((s) => s.h.counterResetHint), [CounterResetHint.Gauge, CounterResetHint.Gauge, CounterResetHint.Gauge]);
  assert.deepEqual(got[1]!.h.positiveSpans, [{ offset: 0, length: 1 }, { offset: 1, length: 1 }]);
  assert.deepEqual(got.map((s) => s.h.positiveBuckets), [[5, 0], [0, 3], [1, 0]]);
  assert.equal(c.append(4, hist(1, 1, [], [])), false, "a counter histogram after gauges");
  assert.equal(c.cutHeader, CounterResetHint.NotCounterReset);
  for (const [hint, byte] of [
    [CounterResetHint.CounterReset, 0x80],
    [CounterResetHint.NotCounterReset, 0x40],
    [CounterResetHint.Unknown, 0x00],
  ] as const) {
    const k = new HistogramChunk();
    k.append(1, hist(1, 1, [], []));
    k.setCounterResetHeader(hint);
    assert.equal(k.bytes()[2], byte);
    assert.equal(histogramChunkHeader(k.bytes()), hint);
  }
});

test("HistogramChunk: zero thresholds, big dods and timestamps use every varbit width", () => {
  const thresholds = [0, 2 ** -128, 2 ** -243, 2 ** 10, 2 ** 11, 2 ** -244, 0.001, 1e-300];
  const values = [0, 1, 4, 5, 32, 33, 256, 257, 2048, 2049, 131072, 131073, 16777216, 16777217, 2 ** 40, 2 ** 52];
  for (const zt of thresholds) {
    const c = new HistogramChunk();
    const want: { t: number; h: NativeHistogram }[] = [];
    let t = -5;
    for (const v of values) {
      const h = hist(v + 7, -v / 3, [{ offset: -3, length: 1 }], [v], { zeroThreshold: zt, zeroCount: 7 });
      want.push({ t, h });
      assert.equal(c.append(t, h), true);
      t += 1 + v;
    }
    const got = decode(c.bytes(), false);
    got.forEach((g, i) => {
      assert.equal(g.t, want[i]!.t);
      assertSameHistogram(g.h, want[i]!.h, `zt ${zt} value ${values[i]}`);
    });
  }
  // The default threshold 2^-128 is one byte: 116.
  const c = new HistogramChunk();
  c.append(0, hist(0, 0, [], [], { zeroThreshold: 2 ** -128 }));
  assert.equal(c.bytes()[3], 116);
});

test("HistogramChunk: custom buckets (NHCB, schema -53) carry their bounds in the layout", () => {
  const bounds = [0, 0.001, 0.25, 1, 2.5, 33554.43, 33554.431, 1e9, -5, 0.1 + 0.2];
  const h = (count: number, buckets: number[]): NativeHistogram =>
    hist(count, count * 2, [{ offset: 0, length: buckets.length }], buckets, { schema: -53, customValues: bounds });
  const c = new HistogramChunk();
  assert.equal(c.append(10, h(3, [1, 0, 2])), true);
  assert.equal(c.append(20, h(7, [2, 1, 4])), true);
  const got = decode(c.bytes(), false);
  assert.deepEqual(got[0]!.h.customValues, bounds);
  assertSameHistogram(got[1]!.h, h(7, [2, 1, 4]), "nhcb");
  assert.equal(c.append(30, { ...h(8, [2, 1, 5]), customValues: [1, 2] }), false, "other bounds: a new chunk");
  assert.equal(c.cutHeader, CounterResetHint.CounterReset);
  // 0.25 is stored as varbit-uint 251 (13 bits); 0.1+0.2 is not a multiple of 0.001 (a 0 bit and 64 bits).
  const small = new HistogramChunk();
  small.append(0, { ...h(0, []), positiveSpans: [], customValues: [0.25] });
  const big = new HistogramChunk();
  big.append(0, { ...h(0, []), positiveSpans: [], customValues: [0.1 + 0.2] });
  // 3 header bytes + 108 bits (zt 8, schema 13, spans 1+1, 1 bound 5+13, t/count/zero count 3, sum 64) → 17;
  // with the 65-bit bound 160 bits → 23.
  assert.equal(small.bytes().length, 17);
  assert.equal(big.bytes().length, 23);
  assert.deepEqual(decode(big.bytes(), false)[0]!.h.customValues, [0.1 + 0.2]);
});

test("HistogramChunk: malformed histograms are rejected naming the problem", () => {
  const c = new HistogramChunk();
  assert.throws(() => c.append(1, hist(1, 1, [{ offset: 0, length: 2 }], [1])), /positive spans cover 2 buckets but 1 bucket counts/);
  assert.throws(() => c.append(1, hist(1, 1, [], [], { schema: 9 })), /schema 9 is out of range/);
  assert.throws(() => c.append(1, hist(-1, 1, [], [])), /count -1 is not a non-negative integer/);
  assert.throws(() => c.append(1, hist(1.5, 1, [], [])), /count 1.5/);
  assert.throws(() => c.append(1, { ...hist(1, 1, [], []), float: true }), /float histogram cannot go into a HISTOGRAM chunk/);
  c.append(5, hist(1, 1, [], []));
  assert.throws(() => c.append(4, hist(1, 1, [], [])), /before the previous sample/);
});

test("HistogramChunkIterator: corrupt and truncated bytes stop with an error, never a crash", () => {
  const c = new HistogramChunk();
  for (let i = 0; i < 5; i++) c.append(i * 1000, hist(i, i, [{ offset: 0, length: 1 }], [i]));
  const bytes = c.bytes();
  for (let cut = 0; cut < bytes.length; cut++) {
    const it = new HistogramChunkIterator(bytes.slice(0, cut));
    let n = 0;
    while (it.next()) n++;
    if (cut < bytes.length - 1) assert.ok(it.err !== undefined || n < 5, `cut at ${cut}`);
  }
  const bad = bytes.slice();
  bad[4] = 0xff; // schema varbit becomes a huge value
  const it = new HistogramChunkIterator(bad);
  while (it.next()) {
    // drain
  }
  assert.ok(it.err !== undefined);
});

test("FloatHistogramChunk: round trip with fractional counts, recoding, negative buckets and stale markers", () => {
  const f = (count: number, sum: number, spans: HistogramSpan[], buckets: number[], extra: Partial<NativeHistogram> = {}): NativeHistogram => ({
    ...hist(count, sum, spans, buckets, extra),
    float: true,
  });
  const samples: { t: number; h: NativeHistogram }[] = [
    { t: 0, h: f(1.5, 0.1, [{ offset: 0, length: 1 }], [1.5], { zeroThreshold: 1e-9 }) },
    { t: 15000, h: f(2.25, 0.30000000000000004, [{ offset: 0, length: 1 }], [2.25], { zeroThreshold: 1e-9 }) },
    { t: 30000, h: f(7.75, 1e300, [{ offset: 0, length: 1 }, { offset: 3, length: 2 }], [2.5, 0.25, 5], { zeroThreshold: 1e-9, negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [0] }) },
    { t: 45000, h: f(Infinity, NaN, [{ offset: 0, length: 1 }, { offset: 3, length: 2 }], [3, 0.5, Infinity], { zeroThreshold: 1e-9, zeroCount: 0.125, negativeSpans: [{ offset: 0, length: 1 }], negativeBuckets: [1e-300] }) },
    { t: 60000, h: f(0, STALE_NAN, [], []) },
  ];
  const c = new FloatHistogramChunk();
  for (const s of samples) assert.equal(c.append(s.t, s.h), true);
  const got = decode(c.bytes(), true);
  assert.deepEqual(got.map((s) => s.t), samples.map((s) => s.t));
  got.forEach((g, i) => {
    assert.equal(g.h.float, true);
    assertSameHistogram(g.h, samples[i]!.h, `sample ${i}`);
  });
  const n = new FloatHistogramChunk();
  n.append(0, samples[1]!.h);
  assert.equal(n.append(1, samples[0]!.h), false, "count went down");
  assert.equal(n.cutHeader, CounterResetHint.CounterReset);
  assert.equal(n.append(1, { ...samples[1]!.h, schema: 3 }), false, "schema changed");
  assert.equal(n.cutHeader, CounterResetHint.Unknown, "float chunks cut for a schema change start unknown");
  assert.equal(n.nextChunkHeader({ ...samples[1]!.h, schema: 3 }), CounterResetHint.NotCounterReset, "…but a size cut says not-reset");
});
