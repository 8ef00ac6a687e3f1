import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { Wal, createWalMetrics, segmentName, type WalSeriesRecord, type WalSampleRecord } from "./index.js";
import { writeAllFully } from "./wal.js";

const STALE_BITS = [0x00000002, 0x7ff00000]; // low, high words of Prometheus's stale marker (little-endian)

function staleNaN(): number {
  const f = new Float64Array(1);
  new Uint32Array(f.buffer).set(STALE_BITS);
  return f[0];
}

function bitsOf(vs: Float64Array, i: number): string {
  const u = new Uint32Array(vs.buffer, vs.byteOffset + i * 8, 2);
  return u[1].toString(16) + ":" + u[0].toString(16);
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fsp.mkdtemp(join(tmpdir(), "orrery-wal-"));
  t.after(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

function series(ref: number, name: string): WalSeriesRecord {
  return { ref, labels: [{ name: "__name__", value: name }, { name: "job", value: "jöb-ü" }] };
}

interface Replayed {
  series: WalSeriesRecord[];
  samples: { ref: number; t: number; bits: string }[];
}

async function replayAll(wal: Wal) {
  const out: Replayed = { series: [], samples: [] };
  const report = await wal.replayColumns(
    (recs) => out.series.push(...recs),
    (refs, ts, vs, n) => {
      for (let i = 0; i < n; i++) out.samples.push({ ref: refs[i], t: ts[i], bits: bitsOf(vs, i) });
    },
  );
  return { out, report };
}

function columns(samples: { ref: number; t: number; v: number }[]) {
  const refs = new Float64Array(samples.length);
  const ts = new Float64Array(samples.length);
  const vs = new Float64Array(samples.length);
  samples.forEach((s, i) => {
    refs[i] = s.ref;
    ts[i] = s.t;
    vs[i] = s.v;
  });
  return { refs, ts, vs };
}

function expectBits(v: number): string {
  const f = new Float64Array(1);
  f[0] = v; // not new Float64Array([v]): an array literal of doubles may quiet a signalling NaN
  return bitsOf(f, 0);
}

test("round trip: series and samples replay exactly, stale NaN bits included", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "never" });
  const stale = staleNaN();
  const samples = [
    { ref: 1, t: 1_700_000_000_000, v: 1.5 },
    { ref: 2 ** 40 + 3, t: 1_700_000_000_015, v: stale },
    { ref: 1, t: -5, v: NaN },
    { ref: 7, t: 2 ** 50, v: -0 },
    { ref: 0, t: 0, v: Infinity },
  ];
  await wal.log([series(1, "a"), series(2 ** 40 + 3, "b"), series(7, "c"), series(0, "d")], samples);
  const c = columns(samples);
  await wal.logSamples(c.refs, c.ts, c.vs, samples.length);
  await wal.close();

  const again = await Wal.open(dir, { fsync: "never" });
  const { out, report } = await replayAll(again);
  assert.deepEqual(report.warnings, []);
  assert.equal(report.series, 4);
  assert.equal(report.samples, 10);
  assert.deepEqual(out.series[1], series(2 ** 40 + 3, "b"));
  const want = samples.map((s) => ({ ref: s.ref, t: s.t, bits: expectBits(s.v) }));
  assert.deepEqual(out.samples, [...want, ...want]);
  assert.equal(out.samples[1].bits, "7ff00000:2", "stale marker bits kept");

  // The object form of replay keeps the bits too.
  const objs: WalSampleRecord[] = [];
  const third = await Wal.open(dir, { fsync: "never" });
  await third.replay(() => {}, (recs) => objs.push(...recs));
  assert.equal(expectBits(objs[1].v), "7ff00000:2");
  await Promise.all([again.close(), third.close()]);
});

async function writeBatches(dir: string, batches: number, segmentSize?: number) {
  const wal = await Wal.open(dir, { fsync: "never", segmentSize });
  const ends: { segment: number; bytes: number }[] = [];
  await wal.log([series(1, "a"), series(2, "b")], []);
  let bytesInSegment = wal.stats().bytesWritten;
  let seg = wal.stats().segment;
  for (let b = 0; b < batches; b++) {
    const before = wal.stats();
    await wal.log([], [
      { ref: 1, t: b * 1000, v: b },
      { ref: 2, t: b * 1000, v: -b },
    ]);
    const after = wal.stats();
    if (after.segment !== seg) {
      seg = after.segment;
      bytesInSegment = 0;
    }
    bytesInSegment += after.bytesWritten - before.bytesWritten;
    ends.push({ segment: seg, bytes: bytesInSegment });
  }
  await wal.close();
  return ends;
}

test("a torn tail is truncated with a warning and every complete record is recovered", async (t) => {
  const base = await tempDir(t);
  const src = join(base, "src");
  const ends = await writeBatches(src, 40);
  const seg = join(src, segmentName(0));
  const size = (await fsp.stat(seg)).size;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const offsets = [size - 1, size - 9, ends[0].bytes + 3];
  for (let i = 0; i < 12; i++) offsets.push(Math.floor(rand() * size));
  for (const cut of offsets) {
    const dir = join(base, "cut" + cut);
    await fsp.cp(src, dir, { recursive: true });
    await fsp.truncate(join(dir, segmentName(0)), cut);
    const wal = await Wal.open(dir, { fsync: "never" });
    const { out, report } = await replayAll(wal);
    const whole = ends.filter((e) => e.bytes <= cut).length;
    const atBoundary = ends.some((e) => e.bytes === cut);
    assert.equal(out.samples.length, whole * 2, `cut at ${cut}`);
    if (!atBoundary) {
      assert.equal(report.corruptions.length, 1, `cut at ${cut}: ${report.warnings.join("; ")}`);
      assert.match(report.warnings[0], /segment 00000000 .* at offset \d+/);
    }
    await wal.close();
    // The repair holds: the next start reads the same data without warnings.
    const again = await Wal.open(dir, { fsync: "never" });
    const second = await replayAll(again);
    assert.deepEqual(second.report.warnings, []);
    assert.equal(second.out.samples.length, whole * 2);
    await again.close();
  }
});

test("mid-log corruption: reported with segment and offset, everything before recovered", async (t) => {
  const dir = await tempDir(t);
  const ends = await writeBatches(dir, 60, 512);
  const segments = [...new Set(ends.map((e) => e.segment))];
  assert.ok(segments.length >= 4, `want several segments, got ${segments.length}`);
  const target = segments[2];
  const inTarget = ends.filter((e) => e.segment === target);
  const flipAt = inTarget[1].bytes + 12; // inside the third record of that segment
  const path = join(dir, segmentName(target));
  const fh = await fsp.open(path, "r+");
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, flipAt);
  b[0] ^= 0xff;
  await fh.write(b, 0, 1, flipAt);
  await fh.close();

  const wal = await Wal.open(dir, { fsync: "never" });
  const { out, report } = await replayAll(wal);
  assert.equal(report.corruptions.length, 1);
  assert.equal(report.corruptions[0].segment, target);
  assert.equal(report.corruptions[0].offset, inTarget[1].bytes);
  assert.match(report.warnings[0], new RegExp(`segment ${segmentName(target)} .* at offset ${inTarget[1].bytes}: checksum mismatch`));
  // Everything before the bad record, and the later segments, are recovered; only the rest of that segment is lost.
  const lostBatches = inTarget.length - 2;
  assert.equal(out.samples.length, (ends.length - lostBatches) * 2);
  const beforeBad = ends.findIndex((e) => e.segment === target) + 2;
  for (let i = 0; i < beforeBad; i++) assert.equal(out.samples[2 * i].t, i * 1000);
  await wal.close();
});

test("samples whose series record was corrupted are skipped and counted", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "never", segmentSize: 256 });
  await wal.log([series(1, "a")], [{ ref: 1, t: 1, v: 1 }]);
  await wal.log([series(2, "b".repeat(200))], []); // lands in segment 1 on its own
  await wal.log([], [{ ref: 1, t: 2, v: 2 }, { ref: 2, t: 2, v: 2 }]);
  await wal.close();
  const seg1 = join(dir, segmentName(1));
  const buf = await fsp.readFile(seg1);
  buf[20] ^= 1;
  await fsp.writeFile(seg1, buf);
  const again = await Wal.open(dir, { fsync: "never" });
  const { out, report } = await replayAll(again);
  assert.deepEqual(out.samples.map((s) => [s.ref, s.t]), [[1, 1], [1, 2]]);
  assert.equal(report.droppedSamples, 1);
  assert.ok(report.warnings.some((w) => /1 samples skipped/.test(w)));
  await again.close();
});

test("segments roll over at the configured size", async (t) => {
  const dir = await tempDir(t);
  const ends = await writeBatches(dir, 100, 1024);
  const names = (await fsp.readdir(dir)).filter((n) => /^\d{8}$/.test(n)).sort();
  assert.ok(names.length >= 3, `${names.length} segments`);
  for (const n of names) assert.ok((await fsp.stat(join(dir, n))).size <= 1024, n);
  const wal = await Wal.open(dir, { fsync: "never", segmentSize: 1024 });
  const { out, report } = await replayAll(wal);
  assert.deepEqual(report.warnings, []);
  assert.equal(out.samples.length, ends.length * 2);
  assert.deepEqual(out.samples.filter((s) => s.ref === 1).map((s) => s.t), ends.map((_, i) => i * 1000));
  await wal.close();
});

test("checkpoint keeps live series and recent samples, deletes covered segments, survives leftovers", async (t) => {
  const dir = await tempDir(t);
  const registry = new Registry();
  const wal = await Wal.open(dir, { fsync: "always", segmentSize: 512, metrics: createWalMetrics(registry) });
  await wal.log([series(1, "a"), series(2, "b"), series(3, "c")], []);
  for (let ts = 0; ts < 100; ts += 10) {
    await wal.log([], [1, 2, 3].map((ref) => ({ ref, t: ts, v: ts + ref })));
  }
  const live = (ref: number) => ref !== 2;
  await wal.checkpoint(live, 50);
  const names = (await fsp.readdir(dir)).sort();
  const cp = names.find((n) => n.startsWith("checkpoint."))!;
  assert.match(cp, /^checkpoint\.\d{8}$/);
  const cpIndex = Number(cp.slice(11));
  assert.ok(names.filter((n) => /^\d{8}$/.test(n)).every((n) => Number(n) > cpIndex), names.join(","));
  await wal.log([series(4, "d")], [{ ref: 4, t: 200, v: 1 }, { ref: 1, t: 200, v: 2 }]);
  // A second checkpoint folds in the first.
  await wal.log([], [{ ref: 3, t: 300, v: 3 }]);
  await wal.checkpoint(live, 60);
  await wal.log([], [{ ref: 1, t: 400, v: 4 }]);
  await wal.close();
  assert.equal((await fsp.readdir(dir)).filter((n) => n.startsWith("checkpoint.")).length, 1);
  const metricsText = await registry.metrics();
  assert.match(metricsText, /orrery_tsdb_checkpoint_creations_total 2/);

  // Leftovers of a crash: a half-written checkpoint directory must be ignored and removed.
  await fsp.mkdir(join(dir, "checkpoint.99999999.tmp"));
  await fsp.writeFile(join(dir, "checkpoint.99999999.tmp", "00000000"), "garbage");
  const again = await Wal.open(dir, { fsync: "never" });
  const { out, report } = await replayAll(again);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(out.series.map((s) => s.ref).sort(), [1, 3, 4]);
  const got = out.samples.map((s) => `${s.ref}@${s.t}`).sort();
  const want = ["1@60", "1@70", "1@80", "1@90", "3@60", "3@70", "3@80", "3@90", "4@200", "1@200", "3@300", "1@400"].sort();
  assert.deepEqual(got, want);
  assert.equal((await fsp.readdir(dir)).some((n) => n.endsWith(".tmp")), false);
  await again.close();
});

test("segments already covered by a checkpoint are not replayed twice", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "never", segmentSize: 256 });
  await wal.log([series(1, "a")], [{ ref: 1, t: 1, v: 1 }]);
  await wal.log([], [{ ref: 1, t: 2, v: 2 }]);
  const keep = join(dir, "keep");
  await fsp.cp(join(dir, segmentName(0)), keep);
  await wal.checkpoint(() => true, 0);
  await wal.close();
  // Simulate a crash after the checkpoint's rename but before segment 0 was deleted.
  await fsp.rename(keep, join(dir, segmentName(0)));
  const again = await Wal.open(dir, { fsync: "never" });
  const { out } = await replayAll(again);
  assert.deepEqual(out.samples.map((s) => s.t), [1, 2]);
  await again.close();
});

test("group commit: concurrent logs share fsyncs and all resolve", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "always" });
  await wal.log([series(1, "a")], []);
  const before = wal.stats().fsyncs;
  const calls = 200;
  await Promise.all(Array.from({ length: calls }, (_, i) => wal.log([], [{ ref: 1, t: i, v: i }])));
  const fsyncs = wal.stats().fsyncs - before;
  assert.ok(fsyncs >= 1 && fsyncs < calls / 4, `${fsyncs} fsyncs for ${calls} calls`);
  await wal.close();
  const again = await Wal.open(dir, { fsync: "never" });
  const { out } = await replayAll(again);
  assert.deepEqual(out.samples.map((s) => s.t), Array.from({ length: calls }, (_, i) => i));
  await again.close();
});

test("timestamps and refs that cannot be encoded exactly are rejected, not corrupted", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "never" });
  await wal.log([series(1, "a")], []);
  await assert.rejects(wal.log([], [{ ref: 1, t: 1.5, v: 1 }]), /must be integers/);
  await assert.rejects(wal.log([], [{ ref: 1, t: -(2 ** 52), v: 1 }, { ref: 1, t: 2 ** 52, v: 1 }]), /must be integers/);
  await wal.log([], [{ ref: 1, t: 2, v: 2 }]);
  await wal.close();
  const again = await Wal.open(dir, { fsync: "never" });
  const { out, report } = await replayAll(again);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(out.samples.map((s) => s.t), [2]);
  await again.close();
});

test("a failed write rejects its batch; the WAL moves to a new segment and keeps working", async (t) => {
  const dir = await tempDir(t);
  const wal = await Wal.open(dir, { fsync: "always" });
  await wal.log([series(1, "a")], [{ ref: 1, t: 1, v: 1 }]);
  // Pull the segment's file handle out from under the WAL: the next write fails (EBADF).
  await (wal as unknown as { fh: { close(): Promise<void> } }).fh.close();
  await assert.rejects(wal.log([], [{ ref: 1, t: 2, v: 2 }]));
  const before = wal.stats().segment;
  await wal.log([], [{ ref: 1, t: 3, v: 3 }]);
  assert.equal(wal.stats().segment, before + 1);
  await wal.close();
  const again = await Wal.open(dir, { fsync: "never" });
  const { out } = await replayAll(again);
  assert.deepEqual(out.samples.map((s) => s.t), [1, 3]);
  await again.close();
});

test("records are written back to back by vectored writes, whatever part of them each write takes", async () => {
  let seed = 11;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 40; round++) {
    const bufs = Array.from({ length: round === 0 ? 2500 : 1 + rand(30) }, () => Uint8Array.from({ length: rand(3) === 0 ? 0 : rand(40) }, () => rand(256)));
    const want = Buffer.concat(bufs);
    const file = Buffer.alloc(want.length + 10);
    const most = 1 + rand(50);
    let calls = 0;
    // A file that takes at most `most` bytes a call (0 on the first call of some rounds is an error, below).
    const fh = {
      async writev(batch: Uint8Array[], position: number) {
        calls++;
        assert.ok(batch.length <= 1024, "at most IOV_MAX buffers a call");
        let n = 0;
        for (const b of batch) for (const byte of b) if (n < most) file[position + n++] = byte;
        return { bytesWritten: n, buffers: batch };
      },
    };
    await writeAllFully(fh, bufs, 10);
    assert.deepEqual(file.subarray(10), want);
    assert.ok(calls >= Math.ceil(want.length / most));
  }
  const stuck = { writev: async (batch: Uint8Array[]) => ({ bytesWritten: 0, buffers: batch }) };
  await assert.rejects(writeAllFully(stuck, [Buffer.from("x")], 0), /no progress/);
  await writeAllFully(stuck, [Buffer.alloc(0)], 0);
});

test("fsync policies: never does not sync, batch syncs in the background, closed WAL rejects", async (t) => {
  const dir = await tempDir(t);
  const never = await Wal.open(join(dir, "n"), { fsync: "never" });
  await never.log([series(1, "a")], [{ ref: 1, t: 1, v: 1 }]);
  assert.equal(never.stats().fsyncs, 0);
  await never.close();
  await assert.rejects(never.log([], [{ ref: 1, t: 2, v: 2 }]), /closed/);

  const batch = await Wal.open(join(dir, "b"), { fsync: "batch", fsyncIntervalMs: 10 });
  await batch.log([series(1, "a")], [{ ref: 1, t: 1, v: 1 }]);
  assert.equal(batch.stats().fsyncs, 0);
  for (let i = 0; i < 100 && batch.stats().fsyncs === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(batch.stats().fsyncs >= 1);
  await batch.close();
});

test("corruptions are counted in the metrics", async (t) => {
  const dir = await tempDir(t);
  await writeBatches(dir, 5);
  const seg = join(dir, segmentName(0));
  await fsp.truncate(seg, (await fsp.stat(seg)).size - 3);
  const registry = new Registry();
  const wal = await Wal.open(dir, { fsync: "never", metrics: createWalMetrics(registry) });
  const { report } = await replayAll(wal);
  assert.equal(report.corruptions.length, 1);
  assert.equal(report.corruptions[0].torn, true);
  assert.match(await registry.metrics(), /orrery_tsdb_wal_corruptions_total 1/);
  await wal.close();
});
