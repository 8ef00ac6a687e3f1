// Native histogram chunk decode and encode throughput beside the XOR chunk's, interleaved in one run, and bytes per
// sample. Run: node dist/bench/histogram-chunk.bench.js [buckets=20]
import { performance } from "node:perf_hooks";
import {
  CounterResetHint,
  FloatHistogramChunk,
  FloatHistogramChunkIterator,
  HistogramChunk,
  HistogramChunkIterator,
  XorChunk,
  XorChunkIterator,
  type NativeHistogram,
} from "../storeapi/index.js";
import { rng } from "../testing/index.js";

const BUCKETS = Number(process.argv[2] ?? 20);
const CHUNKS = 50;
const ROUNDS = 5;

/** 120 scrapes of a latency histogram: counts grow by a few per bucket per scrape. */
function samples(float: boolean, seed: number): NativeHistogram[] {
  const r = rng(seed);
  const buckets = new Array<number>(BUCKETS).fill(0);
  const out: NativeHistogram[] = [];
  let zero = 0;
  for (let i = 0; i < 120; i++) {
    for (let b = 0; b < BUCKETS; b++) buckets[b]! += Math.floor(r() * 6);
    zero += Math.floor(r() * 2);
    const count = zero + buckets.reduce((a, b) => a + b, 0);
    out.push({
      float,
      counterResetHint: CounterResetHint.Unknown,
      schema: 3,
      zeroThreshold: 2 ** -128,
      zeroCount: zero,
      count,
      sum: count * 0.137,
      positiveSpans: [{ offset: -5, length: BUCKETS }],
      positiveBuckets: [...buckets],
      negativeSpans: [],
      negativeBuckets: [],
    });
  }
  return out;
}

function encode(float: boolean, data: NativeHistogram[][]): Uint8Array[] {
  return data.map((hs) => {
    const c = float ? new FloatHistogramChunk() : new HistogramChunk();
    hs.forEach((h, i) => c.append(1_700_000_000_000 + i * 15_000, h));
    return c.bytes().slice();
  });
}

function decode(float: boolean, chunks: Uint8Array[]): number {
  const it = float ? new FloatHistogramChunkIterator(chunks[0]!) : new HistogramChunkIterator(chunks[0]!);
  let n = 0;
  for (const c of chunks) {
    it.reset(c);
    while (it.next()) n++;
  }
  return n;
}

function decodeXor(chunks: Uint8Array[]): number {
  const it = new XorChunkIterator(chunks[0]!);
  let n = 0;
  for (const c of chunks) {
    it.reset(c);
    while (it.next()) n++;
  }
  return n;
}

const ints = Array.from({ length: CHUNKS }, (_, i) => samples(false, i + 1));
const floats = Array.from({ length: CHUNKS }, (_, i) => samples(true, i + 1));
const xor = ints.map((hs) => {
  const c = new XorChunk();
  hs.forEach((h, i) => c.append(1_700_000_000_000 + i * 15_000, h.count));
  return c.bytes().slice();
});
const totals = new Map<string, { n: number; ms: number }>();
const time = (label: string, fn: () => number): void => {
  const start = performance.now();
  const n = fn();
  const t = totals.get(label) ?? { n: 0, ms: 0 };
  totals.set(label, { n: t.n + n, ms: t.ms + performance.now() - start });
};
let intChunks: Uint8Array[] = [];
let floatChunks: Uint8Array[] = [];
for (let r = 0; r < ROUNDS; r++) {
  time("encode HISTOGRAM", () => (intChunks = encode(false, ints)).length * 120);
  time("encode FLOAT_HISTOGRAM", () => (floatChunks = encode(true, floats)).length * 120);
  for (let k = 0; k < 5; k++) {
    time("decode XOR (the count alone)", () => decodeXor(xor));
    time("decode HISTOGRAM", () => decode(false, intChunks));
    time("decode FLOAT_HISTOGRAM", () => decode(true, floatChunks));
  }
}
const bytes = (cs: Uint8Array[]): string => (cs.reduce((a, c) => a + c.length, 0) / (cs.length * 120)).toFixed(1);
console.log(`${BUCKETS} buckets per histogram, ${CHUNKS} chunks of 120 samples, ${ROUNDS} interleaved rounds`);
for (const [label, { n, ms }] of totals) console.log(`${label.padEnd(32)} ${(n / (ms / 1000) / 1e6).toFixed(3).padStart(8)} M samples/s`);
console.log(`bytes/sample: HISTOGRAM ${bytes(intChunks)}, FLOAT_HISTOGRAM ${bytes(floatChunks)}, XOR ${bytes(xor)}`);
