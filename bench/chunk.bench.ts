// XOR chunk decode and encode throughput (samples/second), and matcher speed. Run: node dist/bench/chunk.bench.js
// With --baseline DIR (another build's dist/, e.g. /work/main/dist), decodeXorChunk is timed against that build's,
// interleaved in one process on the same chunks, with the answers checked bit for bit.
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { XorChunk, XorChunkIterator, decodeXorChunk, compileMatcher } from "../storeapi/index.js";

function report(label: string, units: number, ms: number, unit: string): void {
  console.log(`${label.padEnd(50)} ${(units / (ms / 1000) / 1e6).toFixed(2).padStart(8)} M${unit}/s  (${ms.toFixed(0)} ms)`);
}

/** `count` chunks of 120 samples each; `fill` appends chunk c's samples, drawing from a seeded generator. */
function buildChunks(count: number, seed: number, fill: (chunk: XorChunk, c: number, rnd: () => number) => void): Uint8Array[] {
  let x = seed;
  const rnd = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
  const out: Uint8Array[] = [];
  for (let c = 0; c < count; c++) {
    const chunk = new XorChunk();
    fill(chunk, c, rnd);
    out.push(chunk.bytes().slice());
  }
  return out;
}

/** Chunks like a scrape target's: 15 s interval with jitter, a counter, a gauge and a noisy float. */
function makeChunks(count: number): Uint8Array[] {
  return buildChunks(count, 7, (chunk, c, rnd) => {
    let t = 1_700_000_000_000 + c * 1_800_000;
    let counter = 0;
    for (let i = 0; i < 120; i++) {
      counter += Math.floor(rnd() * 100);
      const v = c % 3 === 0 ? counter : c % 3 === 1 ? Math.round(rnd() * 100) : rnd() * 1e6;
      chunk.append(t, v);
      t += 15_000 + (rnd() < 0.2 ? Math.floor(rnd() * 20) - 10 : 0);
    }
  });
}

/** Chunks shaped like bench:compare's data: 15 s scrapes 1–40 ms late, integer counters (fast and slow), a
 * large-integer gauge random walk, a float sum, and a quiet series repeating its value. */
function makeBenchShapedChunks(count: number): Uint8Array[] {
  return buildChunks(count, 11, (chunk, c, rnd) => {
    const start = 1_700_000_000_000 + c * 1_800_000;
    let v = c % 5 === 2 ? 1e8 + Math.floor(rnd() * 1000) * 1e6 : 0;
    const rate = c % 5 === 0 ? 5 + Math.floor(rnd() * 50) : 0.2 + Math.floor(rnd() * 10) / 10;
    for (let i = 0; i < 120; i++) {
      const t = start + i * 15_000 + 1 + Math.floor(rnd() * 40);
      if (c % 5 === 2) v = Math.max(0, v + Math.round((rnd() - 0.5) * 4e6));
      else if (c % 5 === 3) v += 0.02 * -Math.log(1 - rnd());
      else if (c % 5 !== 4) v += Math.round(rate * 15 * (0.5 + rnd()));
      chunk.append(t, v);
    }
  });
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

type Decode = typeof decodeXorChunk;
type IteratorClass = typeof XorChunkIterator;

/** ns per sample of one pass of `decode` over every chunk: [wall clock, this process's CPU time]. On a shared
 * machine the CPU time is the steadier figure: time spent preempted is not counted. */
function timeDecode(decode: Decode, it: XorChunkIterator, chunks: Uint8Array[], outT: Float64Array, outV: Float64Array): [number, number] {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const c of chunks) n += decode(c, -Infinity, Infinity, outT, outV, 0, it);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return [(wall * 1e6) / n, ((used.user + used.system) * 1e3) / n];
}

/** Whether both decoders give the same samples, bit for bit, for every chunk (and the same cut by a range). */
function sameAnswers(a: Decode, b: Decode, itA: XorChunkIterator, itB: XorChunkIterator, chunks: Uint8Array[]): boolean {
  const ta = new Float64Array(120), va = new Float64Array(120), tb = new Float64Array(120), vb = new Float64Array(120);
  const ua = new Uint32Array(va.buffer), ub = new Uint32Array(vb.buffer);
  for (const c of chunks) {
    const mint = 1_700_000_000_000 + 600_000;
    const na = a(c, mint, mint + 900_000, ta, va, 0, itA);
    const nb = b(c, mint, mint + 900_000, tb, vb, 0, itB);
    if (na !== nb) return false;
    for (let i = 0; i < 2 * na; i++) if (ua[i] !== ub[i] || (i < na && ta[i] !== tb[i])) return false;
  }
  return true;
}

async function benchAgainst(dir: string, chunks: Uint8Array[], rounds: number): Promise<void> {
  const base = (await import(pathToFileURL(resolve(dir, "storeapi/index.js")).href)) as { decodeXorChunk: Decode; XorChunkIterator: IteratorClass };
  const itNew = new XorChunkIterator(chunks[0]!);
  const itBase = new base.XorChunkIterator(chunks[0]!);
  const outT = new Float64Array(120);
  const outV = new Float64Array(120);
  if (!sameAnswers(decodeXorChunk, base.decodeXorChunk, itNew, itBase, chunks)) throw new Error("decodeXorChunk: answers differ from the baseline's");
  const mine: [number, number][] = [];
  const theirs: [number, number][] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always meets a cold cache or a busy neighbour.
    if (r % 2 === 0) {
      mine.push(timeDecode(decodeXorChunk, itNew, chunks, outT, outV));
      theirs.push(timeDecode(base.decodeXorChunk, itBase, chunks, outT, outV));
    } else {
      theirs.push(timeDecode(base.decodeXorChunk, itBase, chunks, outT, outV));
      mine.push(timeDecode(decodeXorChunk, itNew, chunks, outT, outV));
    }
  }
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  console.log(`decodeXorChunk, ${chunks.length} bench-shaped chunks × ${rounds} interleaved rounds, answers equal; baseline ${dir}`);
  for (const [k, what] of [[0, "wall clock"], [1, "CPU time  "]] as const) {
    const a = mine.map((m) => m[k]);
    const b = theirs.map((m) => m[k]);
    const ratios = a.map((m, i) => m / b[i]!);
    console.log(
      `  ${what}  this ${med(a).toFixed(2).padStart(6)} ns/sample, baseline ${med(b).toFixed(2).padStart(6)} ns/sample, ` +
        `ratio ${med(ratios).toFixed(3)} (median of per-round ratios, quartiles ${quartile(ratios, 1)}–${quartile(ratios, 3)})`,
    );
  }
}

function quartile(a: number[], q: 1 | 3): string {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor((s.length * q) / 4)]!.toFixed(3);
}

const { values: args } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string", default: "41" } } });
if (args.baseline !== undefined) {
  await benchAgainst(args.baseline, makeBenchShapedChunks(3000), Number(args.rounds));
} else {
  const chunks = makeChunks(3000);
  benchDecode(chunks, 1); // warm-up
  benchDecode(chunks, 10);
  benchEncode(chunks);
  benchMatchers();
}
