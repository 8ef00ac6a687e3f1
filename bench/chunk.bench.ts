// XOR chunk decode and encode throughput (samples/second), and matcher speed. Run: node dist/bench/chunk.bench.js
import { performance } from "node:perf_hooks";
import { XorChunk, XorChunkIterator, decodeXorChunk, compileMatcher } from "../storeapi/index.js";

function report(label: string, units: number, ms: number, unit: string): void {
  console.log(`${label.padEnd(50)} ${(units / (ms / 1000) / 1e6).toFixed(2).padStart(8)} M${unit}/s  (${ms.toFixed(0)} ms)`);
}

/** Chunks like a scrape target's: 15 s interval with jitter, a counter, a gauge and a noisy float. */
function makeChunks(count: number): Uint8Array[] {
  let x = 7;
  const rnd = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
  const out: Uint8Array[] = [];
  for (let c = 0; c < count; c++) {
    const chunk = new XorChunk();
    let t = 1_700_000_000_000 + c * 1_800_000;
    let counter = 0;
    for (let i = 0; i < 120; i++) {
      counter += Math.floor(rnd() * 100);
      const v = c % 3 === 0 ? counter : c % 3 === 1 ? Math.round(rnd() * 100) : rnd() * 1e6;
      chunk.append(t, v);
      t += 15_000 + (rnd() < 0.2 ? Math.floor(rnd() * 20) - 10 : 0);
    }
    out.push(chunk.bytes().slice());
  }
  return out;
}

function benchDecode(chunks: Uint8Array[], rounds: number): void {
  const it = new XorChunkIterator(chunks[0]!);
  let sink = 0;
  let n = 0;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const c of chunks) {
      it.reset(c);
      while (it.next()) {
        sink += it.v;
        n++;
      }
    }
  }
  report("XorChunkIterator.next()", n, performance.now() - start, "samples");

  const outT = new Float64Array(120);
  const outV = new Float64Array(120);
  n = 0;
  const start2 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const c of chunks) n += decodeXorChunk(c, -Infinity, Infinity, outT, outV, 0, it);
  }
  report("decodeXorChunk (reused iterator)", n, performance.now() - start2, "samples");
  if (sink === 42) console.log(sink);
}

function benchEncode(chunks: Uint8Array[]): void {
  const it = new XorChunkIterator(chunks[0]!);
  const ts: number[] = [];
  const vs: number[] = [];
  for (const c of chunks) {
    it.reset(c);
    while (it.next()) {
      ts.push(it.t);
      vs.push(it.v);
    }
  }
  const start = performance.now();
  let n = 0;
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < ts.length; i += 120) {
      const chunk = new XorChunk();
      for (let j = i; j < i + 120; j++) chunk.append(ts[j]!, vs[j]!);
      n += 120;
    }
  }
  report("XorChunk.append", n, performance.now() - start, "samples");
}

function benchMatchers(): void {
  const values = Array.from({ length: 100_000 }, (_, i) => `pod-${i % 977}-${(i * 7919) % 100003}.example`);
  for (const [op, value] of [
    ["=~", "pod-1.*"],
    ["=~", "pod-1|pod-2|pod-3"],
    ["=~", ".*example"],
    ["=~", "pod-[0-9]+-1.*"],
    ["=~", "(?i)POD-1.*"],
    ["!~", "pod-9.*"],
  ] as const) {
    const m = compileMatcher({ name: "pod", op, value });
    let hits = 0;
    const start = performance.now();
    for (let r = 0; r < 10; r++) for (const v of values) if (m(v)) hits++;
    report(`matcher ${op}"${value}" (${hits / 10} hits)`, values.length * 10, performance.now() - start, "values");
  }
}

const chunks = makeChunks(3000);
benchDecode(chunks, 1); // warm-up
benchDecode(chunks, 10);
benchEncode(chunks);
benchMatchers();
