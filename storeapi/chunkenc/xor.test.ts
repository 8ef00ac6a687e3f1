import { test } from "node:test";
import assert from "node:assert/strict";
import {
  XorChunk,
  XorChunkIterator,
  decodeXorChunk,
  decodeNewestXorSample,
  xorChunkNumSamples,
  xorChunkHeaderError,
  XOR_SLOT_DOUBLES,
  STALE_NAN,
  isStaleNaN,
  FloatBits,
} from "./index.js";
import { PROMETHEUS_XOR_CHUNKS, PROMETHEUS_DUMP_SAMPLES } from "./prometheus-fixture.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function bitsOf(v: number): string {
  const fb = new FloatBits();
  fb.set(v);
  return fb.hi().toString(16).padStart(8, "0") + fb.lo().toString(16).padStart(8, "0");
}

/** Bits as the codec stores them: stale markers in Prometheus's exact form. */
const storedBits = (v: number): string => (isStaleNaN(v) ? "7ff0000000000002" : bitsOf(v));

function encode(ts: readonly number[], vs: ArrayLike<number>): XorChunk {
  const c = new XorChunk();
  for (let i = 0; i < ts.length; i++) c.append(ts[i]!, vs[i]!);
  return c;
}

function decodeAll(bytes: Uint8Array): { ts: number[]; bits: string[] } {
  const it = new XorChunkIterator(bytes);
  const ts: number[] = [];
  const bits: string[] = [];
  while (it.next()) {
    ts.push(it.t);
    bits.push(bitsOf(it.v));
  }
  assert.equal(it.err, undefined);
  return { ts, bits };
}

// Hand-computed from the format description.
const KNOWN: { name: string; ts: number[]; vs: number[]; hex: string }[] = [
  { name: "empty", ts: [], vs: [], hex: "0000" },
  // varint(zigzag(1000)=2000) = d0 0f; 1.0 = 3ff0000000000000
  { name: "one sample", ts: [1000], vs: [1], hex: "0001d00f3ff0000000000000" },
  // uvarint(1000) = e8 07; same value = bit 0
  { name: "two samples", ts: [1000, 2000], vs: [1, 1], hex: "0002d00f3ff0000000000000e80700" },
  { name: "repeat", ts: [1000, 2000, 3000], vs: [1, 1, 1], hex: "0003d00f3ff0000000000000e80700" },
  // dod -500 → '10'+14 bits; 2.0^1.0 = 0x7ff0… → '11' leading 1, 11 sigbits
  { name: "irregular", ts: [1000, 2000, 3000, 3500], vs: [1, 1, 1, 2], hex: "0004d00f3ff0000000000000e80717c1984bffe0" },
  // negative first timestamp: zigzag(-1) = 1
  { name: "negative t", ts: [-1], vs: [0], hex: "0001010000000000000000" },
];

test("XorChunk: hand-computed byte sequences", () => {
  for (const k of KNOWN) {
    const c = encode(k.ts, k.vs);
    assert.equal(hex(c.bytes()), k.hex, k.name);
    assert.equal(c.numSamples(), k.ts.length);
    assert.equal(xorChunkNumSamples(c.bytes()), k.ts.length);
    const d = decodeAll(c.bytes());
    assert.deepEqual(d.ts, k.ts, k.name);
    assert.deepEqual(d.bits, k.vs.map(bitsOf), k.name);
  }
});

test("XorChunk: re-encoding chunks written by Prometheus gives identical bytes", () => {
  assert.ok(PROMETHEUS_XOR_CHUNKS.length >= 10);
  for (const h of PROMETHEUS_XOR_CHUNKS) {
    const bytes = fromHex(h);
    const it = new XorChunkIterator(bytes);
    const c = new XorChunk();
    while (it.next()) c.append(it.t, it.v);
    assert.equal(it.err, undefined);
    assert.equal(hex(c.bytes()), h);
  }
});

test("XorChunkIterator: decodes Prometheus chunks to the samples promtool dumps", () => {
  const ours: string[] = [];
  for (const h of PROMETHEUS_XOR_CHUNKS) {
    const it = new XorChunkIterator(fromHex(h));
    while (it.next()) ours.push(`${it.t} ${Number.isNaN(it.v) ? "NaN" : bitsOf(it.v)}`);
    assert.equal(it.err, undefined);
  }
  const theirs = PROMETHEUS_DUMP_SAMPLES.map((line) => {
    const [t, v] = line.split(" ") as [string, string];
    const n = v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v);
    return `${t} ${v === "NaN" ? "NaN" : bitsOf(n)}`;
  });
  assert.deepEqual(ours.sort(), theirs.sort());
});

test("stale markers keep their exact bits through encode and decode", () => {
  assert.equal(bitsOf(STALE_NAN), "7ff0000000000002");
  assert.ok(isStaleNaN(STALE_NAN));
  assert.ok(!isStaleNaN(NaN));
  assert.ok(!isStaleNaN(new FloatBits().fromBits(0x7ff80000, 1)), "Go's math.NaN() is not stale");
  assert.ok(!isStaleNaN(1));
  // V8 quiets NaNs stored in plain arrays; we still recognise and re-normalise them.
  const quieted = [1.5, STALE_NAN][1]!;
  assert.ok(isStaleNaN(quieted));
  const c = new XorChunk();
  c.append(1, 1);
  c.append(2, STALE_NAN);
  c.append(3, NaN);
  c.append(4, quieted);
  c.append(5, 2);
  const it = new XorChunkIterator(c.bytes());
  const got: string[] = [];
  while (it.next()) got.push(bitsOf(it.v));
  assert.deepEqual(got, [bitsOf(1), "7ff0000000000002", bitsOf(NaN), "7ff0000000000002", bitsOf(2)]);
  const outT = new Float64Array(5);
  const outV = new Float64Array(5);
  decodeXorChunk(c.bytes(), 0, 10, outT, outV, 0);
  assert.ok(isStaleNaN(outV[1]!) && isStaleNaN(outV[3]!) && !isStaleNaN(outV[2]!));
  assert.equal(bitsOf(outV[1]!), "7ff0000000000002");
});

function makeRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 1.7976931348623157e308, 1e-300, STALE_NAN];

function randomSeries(rnd: () => number, n: number): { ts: number[]; vs: Float64Array } {
  const ts: number[] = [];
  const vs = new Float64Array(n);
  let t = Math.floor((rnd() - 0.5) * 2e13);
  let v = rnd() * 100;
  const fb = new FloatBits();
  for (let i = 0; i < n; i++) {
    ts.push(t);
    const r = rnd();
    if (r < 0.1) v = SPECIALS[Math.floor(rnd() * SPECIALS.length)]!;
    else if (r < 0.3) v = v; // repeat
    else if (r < 0.5) v = Math.floor(rnd() * 1000);
    else if (r < 0.6) v = fb.fromBits((rnd() * 4294967296) >>> 0, (rnd() * 4294967296) >>> 0); // any bits
    else if (r < 0.8) v = (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 60) - 30);
    else v = v + rnd();
    vs[i] = v;
    const g = rnd();
    t +=
      g < 0.05 ? Math.floor(rnd() * 1e12) : g < 0.15 ? Math.floor(rnd() * 2e6) : g < 0.3 ? Math.floor(rnd() * 30000) : g < 0.35 ? 0 : 15000;
  }
  return { ts, vs };
}

test("XorChunk: random round trips are bit-exact (1..120 samples)", () => {
  const rnd = makeRandom(7);
  for (let round = 0; round < 400; round++) {
    const n = 1 + Math.floor(rnd() * 120);
    const { ts, vs } = randomSeries(rnd, n);
    const c = encode(ts, vs);
    const d = decodeAll(c.bytes());
    assert.deepEqual(d.ts, ts);
    assert.deepEqual(d.bits, Array.from(vs, storedBits));
    // appending to a chunk rebuilt from bytes gives the same bytes as one chunk
    const half = Math.floor(n / 2);
    const first = encode(ts.slice(0, half), vs.subarray(0, half));
    const resumed = XorChunk.fromBytes(first.bytes());
    for (let i = half; i < n; i++) resumed.append(ts[i]!, vs[i]!);
    assert.equal(hex(resumed.bytes()), hex(c.bytes()));
  }
});

test("XorChunk starts in a region of a given block and moves to its own buffer when it outgrows it, the same bytes either way", () => {
  const block = new Uint8Array(256);
  const first = block.subarray(64, 128);
  const inBlock = new XorChunk(64, undefined, block, 64);
  const own = new XorChunk(64);
  for (let i = 0; i < 120; i++) {
    inBlock.append(1000 * i + (i % 3), Math.sin(i) * 1e6);
    own.append(1000 * i + (i % 3), Math.sin(i) * 1e6);
    if (i === 0) assert.deepEqual(first.subarray(0, inBlock.bytes().length), inBlock.bytes(), "the first sample is written into the given buffer");
  }
  assert.deepEqual(inBlock.bytes(), own.bytes());
  assert.ok(inBlock.bytes().length > 64 && inBlock.bytes().buffer !== block.buffer, "outgrown: a buffer of its own");
  assert.ok(block.subarray(0, 64).every((x) => x === 0) && block.subarray(128).every((x) => x === 0), "nothing written outside the given view");
});

test("XorChunk.snapshot: gives the bytes as they were when taken, however many appends (and buffer growths) came after", () => {
  const rnd = makeRandom(11);
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(rnd() * 200);
    const { ts, vs } = randomSeries(rnd, n + 1);
    // A small first buffer, so later appends move the chunk to bigger ones.
    const c = new XorChunk(16);
    const at = Math.floor(rnd() * (n + 1));
    let snap = c.snapshot();
    let then = c.bytes().slice();
    for (let i = 0; i < n; i++) {
      if (i === at) {
        snap = c.snapshot();
        then = c.bytes().slice();
      }
      c.append(ts[i]!, vs[i]!);
    }
    assert.equal(hex(snap.bytes()), hex(then), `round ${round}: snapshot after ${Math.min(at, n)} of ${n} samples`);
    assert.equal(snap.bytes(), snap.bytes(), "rebuilt once");
  }
});

test("one XorChunk appending many chunks through saved state (saveTo, loadFrom) writes each one's bytes exactly as a chunk of its own", () => {
  const rnd = makeRandom(23);
  for (let round = 0; round < 60; round++) {
    const chunks = 1 + Math.floor(rnd() * 6);
    const series = Array.from({ length: chunks }, () => randomSeries(rnd, 1 + Math.floor(rnd() * 150)));
    const own = series.map(() => new XorChunk(16));
    // Every chunk's state in one slot array, its buffer beside it; they start in regions of one block.
    const slots = new Float64Array(1 + chunks * XOR_SLOT_DOUBLES);
    const block = new Uint8Array(chunks * 32);
    const bufs: Uint8Array[] = [];
    const appender = new XorChunk(16);
    for (let k = 0; k < chunks; k++) {
      appender.reset(32, block, k * 32);
      bufs.push(appender.saveTo(slots, 1 + k * XOR_SLOT_DOUBLES));
    }
    const at = (k: number) => 1 + k * XOR_SLOT_DOUBLES;
    const done = new Array<number>(chunks).fill(0);
    for (;;) {
      const open = series.map((x, k) => k).filter((k) => done[k]! < series[k]!.ts.length);
      if (open.length === 0) break;
      const k = open[Math.floor(rnd() * open.length)]!;
      const i = done[k]!++;
      appender.loadFrom(bufs[k]!, slots, at(k));
      const before = XorChunk.savedSnapshot(bufs[k]!, slots, at(k));
      const then = own[k]!.bytes().slice();
      appender.append(series[k]!.ts[i]!, series[k]!.vs[i]!);
      bufs[k] = appender.saveTo(slots, at(k));
      own[k]!.append(series[k]!.ts[i]!, series[k]!.vs[i]!);
      assert.equal(hex(XorChunk.savedBytes(bufs[k]!, slots, at(k))), hex(own[k]!.bytes()), `round ${round}, chunk ${k}, sample ${i}`);
      assert.equal(XorChunk.savedSamples(slots, at(k)), i + 1);
      assert.equal(hex(before.bytes()), hex(then), "a snapshot of saved state keeps the bytes as they were");
    }
    assert.equal(slots[0], 0, "nothing written outside the slots");
  }
});

test("decodeXorChunk: bulk decode honours [mint, maxt] and the offset", () => {
  const rnd = makeRandom(11);
  for (let round = 0; round < 100; round++) {
    const { ts, vs } = randomSeries(rnd, 1 + Math.floor(rnd() * 120));
    const bytes = encode(ts, vs).bytes();
    const lo = ts[Math.floor(rnd() * ts.length)]!;
    const hi = lo + Math.floor(rnd() * 1e7);
    const outT = new Float64Array(3 + xorChunkNumSamples(bytes));
    const outV = new Float64Array(outT.length);
    const n = decodeXorChunk(bytes, lo, hi, outT, outV, 3);
    const want = ts.map((t, i) => [t, i] as const).filter(([t]) => t >= lo && t <= hi);
    assert.equal(n, want.length);
    want.forEach(([t, i], k) => {
      assert.equal(outT[3 + k], t);
      assert.equal(bitsOf(outV[3 + k]!), storedBits(vs[i]!));
    });
  }
});

test("decodeXorChunk: writes values into views of a larger array, one iterator alternating between outputs, nothing outside touched", () => {
  const rnd = makeRandom(12);
  const it = new XorChunkIterator(new Uint8Array(2));
  const whole = [new Float64Array(400).fill(-7), new Float64Array(400).fill(-7)];
  for (let round = 0; round < 40; round++) {
    const { ts, vs } = randomSeries(rnd, 3 + Math.floor(rnd() * 118));
    const bytes = encode(ts, vs).bytes();
    const at = 1 + Math.floor(rnd() * 100);
    const outV = whole[round % 2]!.subarray(at, at + ts.length + 5);
    const outT = new Float64Array(outV.length);
    const n = decodeXorChunk(bytes, -Infinity, Infinity, outT, outV, 2, it);
    assert.equal(n, ts.length);
    vs.forEach((v, i) => assert.equal(bitsOf(outV[2 + i]!), storedBits(v)));
    assert.equal(whole[round % 2]![at + 1], -7, "the cell before the output untouched");
    assert.equal(whole[round % 2]![at + 2 + n], -7, "the cell after the output untouched");
    whole[round % 2]!.fill(-7);
  }
});

test("XorChunkIterator: decodes a '10' window before any '11' as 64 bits, as Prometheus's resumed appender writes", () => {
  const bytes = fromHex("0002d00f3ff0000000000000e807" + "9ffc00000000000000");
  assert.deepEqual(decodeAll(bytes), { ts: [1000, 2000], bits: [bitsOf(1), bitsOf(2)] });
});

test("XorChunk.fromBytes continues a one-sample chunk like a fresh appender", () => {
  const resumed = XorChunk.fromBytes(encode([1000], [1]).bytes());
  resumed.append(2000, 2);
  assert.equal(hex(resumed.bytes()), hex(encode([1000, 2000], [1, 2]).bytes()));
  const empty = XorChunk.fromBytes(new XorChunk().bytes());
  empty.append(1000, 1);
  assert.equal(hex(empty.bytes()), "0001d00f3ff0000000000000");
});

test("XorChunkIterator: seek", () => {
  const c = encode([10, 20, 30, 40], [1, 2, 3, 4]);
  const it = new XorChunkIterator(c.bytes());
  assert.ok(it.seek(15));
  assert.equal(it.t, 20);
  assert.ok(it.seek(20), "seeking to the current time stays");
  assert.equal(it.t, 20);
  assert.ok(it.seek(5), "seeking backwards stays");
  assert.equal(it.t, 20);
  assert.ok(it.seek(40));
  assert.equal(it.v, 4);
  assert.ok(!it.seek(41));
  it.reset(c.bytes());
  assert.ok(it.seek(0));
  assert.equal(it.t, 10);
});

test("XorChunk: rejects timestamps that go back or are not integers", () => {
  const c = new XorChunk();
  c.append(100, 1);
  assert.throws(() => c.append(99, 1), /before the previous/);
  assert.throws(() => c.append(100.5, 1), /not a safe integer/);
  c.append(100, 2); // equal timestamps are encodable
  assert.equal(c.numSamples(), 2);
});

test("XorChunkIterator: truncated or corrupt chunks stop with an error, never garbage", () => {
  const { ts, vs } = randomSeries(makeRandom(3), 50);
  const bytes = encode(ts, vs).bytes();
  for (const cut of [1, 2, 5, 11, Math.floor(bytes.length / 2), bytes.length - 1]) {
    const it = new XorChunkIterator(bytes.subarray(0, cut));
    let n = 0;
    while (it.next()) {
      assert.equal(it.t, ts[n]);
      n++;
    }
    assert.ok(it.err !== undefined, `cut at ${cut}`);
    assert.ok(n < ts.length);
    assert.throws(() => decodeXorChunk(bytes.subarray(0, cut), -Infinity, Infinity, new Float64Array(50), new Float64Array(50), 0));
  }
});

test("decodeXorChunk agrees with XorChunkIterator on Prometheus's chunks, and throws at every truncation", () => {
  for (const h of PROMETHEUS_XOR_CHUNKS) {
    const bytes = fromHex(h);
    const want = decodeAll(bytes);
    const n = xorChunkNumSamples(bytes);
    const outT = new Float64Array(n);
    const outV = new Float64Array(n);
    assert.equal(decodeXorChunk(bytes, -Infinity, Infinity, outT, outV, 0), n);
    assert.deepEqual(Array.from(outT), want.ts);
    assert.deepEqual(Array.from(outV, bitsOf), want.bits);
  }
  const bytes = fromHex(PROMETHEUS_XOR_CHUNKS[0]!);
  const n = xorChunkNumSamples(bytes);
  // The last byte may hold only padding, so cutting it can leave a complete chunk.
  for (let cut = 0; cut < bytes.length - 1; cut++) {
    const part = bytes.subarray(0, cut);
    assert.throws(() => decodeXorChunk(part, -Infinity, Infinity, new Float64Array(n), new Float64Array(n), 0), /decodeXorChunk/, `cut ${cut}`);
    const it = new XorChunkIterator(part);
    while (it.next());
    assert.ok(it.err !== undefined, `cut ${cut}`);
  }
});

test("xorChunkHeaderError: accepts real chunks of any length, rejects bytes too short for the header's count", () => {
  const c = new XorChunk();
  assert.equal(xorChunkHeaderError(c.bytes()), undefined, "an empty chunk is its 2-byte header");
  for (let i = 0; i < 300; i++) {
    c.append(i * 1000, i % 3 === 0 ? 1 : i * 0.5);
    assert.equal(xorChunkHeaderError(c.bytes()), undefined, `a real chunk of ${i + 1} samples`);
  }
  for (const h of PROMETHEUS_XOR_CHUNKS) assert.equal(xorChunkHeaderError(Buffer.from(h, "hex")), undefined, "Prometheus's own chunks");
  assert.match(xorChunkHeaderError(Uint8Array.of(0))!, /1 bytes, shorter than the 2-byte header/);
  assert.match(xorChunkHeaderError(Uint8Array.of(0, 0, 7))!, /header says 0 samples but 1 bytes follow/);
  assert.match(xorChunkHeaderError(Uint8Array.of(0, 1, 0, 0, 0))!, /header says 1 samples but only 5 bytes/);
  assert.match(xorChunkHeaderError(Uint8Array.of(0xff, 0xff, ...new Array(40).fill(0)))!, /header says 65535 samples/);
});

/** The next time delta for a delta-of-delta of the given encoded width (0: '0', 64: the widest bucket). */
function deltaForWidth(rnd: () => number, prev: number, width: 0 | 14 | 17 | 20 | 64): number {
  const pick = (lo: number, hi: number): number => (rnd() < 0.5 ? -1 : 1) * (lo + Math.floor(rnd() * (hi - lo + 1)));
  // Each bucket's edges too: Prometheus's '10' bucket holds -8191..8192, and so on.
  const edges: Record<number, number[]> = { 14: [-8191, 8192, 1, -1], 17: [-65535, 65536, 8193, -8192], 20: [-524287, 524288, 65537], 64: [524289, -524288, 2 ** 40] };
  let dod = 0;
  if (width === 14) dod = rnd() < 0.2 ? edges[14]![Math.floor(rnd() * 4)]! : pick(1, 8191);
  else if (width === 17) dod = rnd() < 0.2 ? edges[17]![Math.floor(rnd() * 4)]! : pick(8193, 65535);
  else if (width === 20) dod = rnd() < 0.2 ? edges[20]![Math.floor(rnd() * 3)]! : pick(65537, 524287);
  else if (width === 64) dod = rnd() < 0.2 ? edges[64]![Math.floor(rnd() * 3)]! : pick(524289, 1e12);
  // Timestamps never go back: a delta below 0 is clamped (then the dod is whatever that gives).
  return Math.max(0, prev + dod);
}

/** A series whose dods take every bucket width and whose values need every XOR window kind. */
function everyWidthSeries(rnd: () => number, n: number): { ts: number[]; vs: Float64Array } {
  const widths = [0, 14, 17, 20, 64] as const;
  const fb = new FloatBits();
  const ts: number[] = [];
  const vs = new Float64Array(n);
  let t = Math.floor((rnd() - 0.5) * 2e12);
  let delta = 15_000;
  let v = Math.floor(rnd() * 1e6);
  for (let i = 0; i < n; i++) {
    ts.push(t);
    const r = rnd();
    if (r < 0.1) v = SPECIALS[Math.floor(rnd() * SPECIALS.length)]!;
    else if (r < 0.3) v = v; // '0': the same value
    else if (r < 0.5) v = v + Math.floor(rnd() * 100); // a counter: mostly the '10' window
    else if (r < 0.65) v = fb.fromBits((rnd() * 4294967296) >>> 0, ((rnd() * 4294967296) >>> 0) | 1); // all 64 bits
    else if (r < 0.8) v = (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 60) - 30);
    else v = Math.floor(rnd() * 1048576); // a small integer: its window lies in the high word (trailing >= 32)
    vs[i] = v;
    delta = deltaForWidth(rnd, delta, widths[Math.floor(rnd() * widths.length)]!);
    t += delta;
  }
  return { ts, vs };
}

/** What decodeXorChunk must give, from the iterator: samples in [mint, maxt] up to the first later one, or its error. */
function expectedDecode(bytes: Uint8Array, mint: number, maxt: number): { ts: number[]; bits: string[] } | string {
  const it = new XorChunkIterator(bytes);
  const ts: number[] = [];
  const bits: string[] = [];
  while (it.next()) {
    if (it.t > maxt) return { ts, bits };
    if (it.t < mint) continue;
    ts.push(it.t);
    bits.push(bitsOf(it.v));
  }
  return it.err === undefined ? { ts, bits } : `decodeXorChunk: ${it.err}`;
}

function actualDecode(bytes: Uint8Array, mint: number, maxt: number, offset: number, it: XorChunkIterator): { ts: number[]; bits: string[] } | string {
  const outT = new Float64Array(offset + xorChunkNumSamples(bytes));
  const outV = new Float64Array(outT.length);
  try {
    const n = decodeXorChunk(bytes, mint, maxt, outT, outV, offset, it);
    return { ts: Array.from(outT.subarray(offset, offset + n)), bits: Array.from(outV.subarray(offset, offset + n), bitsOf) };
  } catch (e) {
    return (e as Error).message;
  }
}

/** decodeNewestXorSample's answer in actualDecode's shape: the one sample, none, or its error. */
function actualNewest(bytes: Uint8Array, mint: number, maxt: number, it: XorChunkIterator): { ts: number[]; bits: string[] } | string {
  const outT = new Float64Array(2).fill(-1);
  const outV = new Float64Array(2).fill(-1);
  try {
    const n = decodeNewestXorSample(bytes, mint, maxt, outT, outV, it);
    assert.ok(n === 0 || n === 1, `returns 0 or 1, got ${n}`);
    assert.equal(outT[1], -1, "writes nothing after the one sample");
    return { ts: Array.from(outT.subarray(0, n)), bits: Array.from(outV.subarray(0, n), bitsOf) };
  } catch (e) {
    return (e as Error).message;
  }
}

/** The newest of expectedDecode's samples, or its error. */
function expectedNewest(bytes: Uint8Array, mint: number, maxt: number): { ts: number[]; bits: string[] } | string {
  const all = expectedDecode(bytes, mint, maxt);
  return typeof all === "string" ? all : { ts: all.ts.slice(-1), bits: all.bits.slice(-1) };
}

test("decodeXorChunk (and decodeNewestXorSample, its newest sample) equals XorChunkIterator on random chunks: every dod width and window, specials, range cuts, truncated and corrupt bytes", () => {
  const rnd = makeRandom(19);
  const it = new XorChunkIterator(new Uint8Array(2));
  let truncatedSeen = 0;
  let badWindowSeen = 0;
  for (let round = 0; round < 1500; round++) {
    const { ts, vs } = everyWidthSeries(rnd, 1 + Math.floor(rnd() * 150));
    const bytes = encode(ts, vs).bytes().slice();
    const at = (): number => ts[Math.floor(rnd() * ts.length)]! + Math.floor((rnd() - 0.5) * 30_000);
    const cut = rnd();
    const mint = cut < 0.3 ? -Infinity : at();
    const maxt = cut > 0.7 ? Infinity : Math.max(mint, at());
    const offset = Math.floor(rnd() * 3);
    const whole = actualDecode(bytes, mint, maxt, offset, it);
    assert.deepEqual(whole, expectedDecode(bytes, mint, maxt), `round ${round}`);
    assert.deepEqual(actualNewest(bytes, mint, maxt, it), expectedNewest(bytes, mint, maxt), `newest, round ${round}`);
    if (round % 10 === 0) assert.deepEqual(actualDecode(bytes, -Infinity, Infinity, 0, it), { ts, bits: Array.from(vs, storedBits) });
    // Truncated anywhere, or with a few bits flipped after the header: the same samples or the same error.
    const short = bytes.subarray(0, Math.floor(rnd() * bytes.length));
    const corrupt = bytes.slice();
    for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) corrupt[2 + Math.floor(rnd() * (corrupt.length - 2))]! ^= 1 << Math.floor(rnd() * 8);
    for (const bad of [short, corrupt]) {
      const want = expectedDecode(bad, mint, maxt);
      assert.deepEqual(actualDecode(bad, mint, maxt, offset, it), want, `round ${round}, ${bad.length} of ${bytes.length} bytes`);
      assert.deepEqual(actualNewest(bad, mint, maxt, it), expectedNewest(bad, mint, maxt), `newest, round ${round}, ${bad.length} of ${bytes.length} bytes`);
      if (typeof want === "string" && want.includes("unexpected end")) truncatedSeen++;
      if (typeof want === "string" && want.includes("bad XOR window")) badWindowSeen++;
    }
  }
  assert.ok(truncatedSeen > 500 && badWindowSeen > 20, `errors exercised: ${truncatedSeen} truncated, ${badWindowSeen} bad windows`);
});

test("decodeXorChunk reads a chunk in place within a larger buffer (no copy), whatever bytes follow it, as it reads the chunk alone", () => {
  const rnd = makeRandom(21);
  const it = new XorChunkIterator(new Uint8Array(2));
  for (let round = 0; round < 60; round++) {
    const { ts, vs } = randomSeries(rnd, 3 + Math.floor(rnd() * 118));
    const own = encode(ts, vs).bytes().slice();
    const outT = new Float64Array(ts.length);
    const outV = new Float64Array(ts.length);
    // Garbage before and after the chunk: a decoder that used those bytes would go wrong.
    const block = new Uint8Array(own.length + 200).map(() => Math.floor(rnd() * 256));
    const at = Math.floor(rnd() * 100);
    block.set(own, at);
    // A truncated chunk must still fail, not read on into the block.
    const cut = round % 3 === 0 ? Math.floor(own.length / 2) : own.length;
    const placed = block.subarray(at, at + cut);
    const alone = placed.slice();
    let want: number | Error;
    try {
      want = decodeXorChunk(alone, -Infinity, Infinity, outT, outV, 0);
    } catch (err) {
      want = err as Error;
    }
    if (want instanceof Error) {
      assert.throws(() => decodeXorChunk(placed, -Infinity, Infinity, outT, outV, 0, it), /decodeXorChunk/, `round ${round}`);
      continue;
    }
    const wantT = Array.from(outT.subarray(0, want));
    const wantBits = Array.from(outV.subarray(0, want), bitsOf);
    outT.fill(0);
    outV.fill(0);
    assert.equal(decodeXorChunk(placed, -Infinity, Infinity, outT, outV, 0, it), want);
    assert.deepEqual(Array.from(outT.subarray(0, want)), wantT);
    assert.deepEqual(Array.from(outV.subarray(0, want), bitsOf), wantBits);
  }
  assert.equal(it.byteScratch(0).bytes.length, 0, "every chunk had room after it in its block: none was copied");
});

test("decodeXorChunk sets the iterator's nonFinite when, and only when, it wrote a NaN or an infinity (the samples in range)", () => {
  const rnd = makeRandom(31);
  const it = new XorChunkIterator(new Uint8Array(2));
  let flagged = 0;
  for (let round = 0; round < 300; round++) {
    const { ts, vs } = randomSeries(rnd, 1 + Math.floor(rnd() * 120));
    // Half the rounds finite only (every NaN and infinity replaced).
    if (round % 2 === 0) for (let i = 0; i < vs.length; i++) if (!Number.isFinite(vs[i]!)) vs[i] = i;
    const bytes = encode(ts, vs).bytes();
    const lo = ts[Math.floor(rnd() * ts.length)]!;
    const outT = new Float64Array(ts.length);
    const outV = new Float64Array(ts.length);
    it.nonFinite = false;
    const n = decodeXorChunk(bytes, lo, Infinity, outT, outV, 0, it);
    const want = Array.from(outV.subarray(0, n)).some((v) => !Number.isFinite(v));
    assert.equal(it.nonFinite, want, `round ${round}`);
    if (want) flagged++;
  }
  assert.ok(flagged > 20, "specials were met");
});
