// Histogram samples survive a crash: the WAL as it stands once appends are acknowledged (fsync
// "always") is copied away, as a SIGKILL would leave it, and a new head replays it — through a
// checkpoint too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STALE_NAN, isStaleNaN, labelsFromRecord, type NativeHistogram } from "../../storeapi/index.js";
import { floatHistogram, headHistograms, intHistogram, nhcb } from "./histogram-fixtures.js";
import { openHead } from "./open.js";

const stale: NativeHistogram = { ...intHistogram(0), sum: STALE_NAN, count: 0, zeroCount: 0, positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: [] };

/** What a chunk keeps of a histogram (its hint is the chunk's to decide; a stale marker is only that). */
function comparable(h: NativeHistogram): unknown {
  if (isStaleNaN(h.sum)) return "stale";
  const { counterResetHint: _hint, customValues, ...rest } = h;
  return { ...rest, customValues: customValues ?? undefined };
}

test("histograms in the WAL are replayed after a crash, also from a checkpoint, floats and histograms of a series in order", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-hwal-"));
  const opts = { fsync: "always" as const, segmentSize: 4096, windowMs: 100_000, chunkRangeMs: 50_000, checkpointIntervalMs: 1 };
  try {
    const live = join(dir, "live");
    const { head } = await openHead(live, opts);
    const int = labelsFromRecord({ __name__: "h", kind: "int" });
    const float = labelsFromRecord({ __name__: "h", kind: "float" });
    const custom = labelsFromRecord({ __name__: "h", kind: "nhcb" });
    const times = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * 10_000);
    await head.appendBatch([
      { labels: int, t: [0], v: [7], histograms: { t: times(10_000, 14), h: times(10_000, 14).map((_, k) => intHistogram(k)) } },
      { labels: float, t: [], v: [], histograms: { t: times(0, 3), h: [0, 1, 2].map(floatHistogram) } },
    ]);
    // The checkpoint keeps what is at or after mint 50,000: replay starts from it.
    assert.equal((await head.truncate(50_000)).checkpointed, true);
    await head.appendBatch([
      { labels: custom, t: [], v: [], histograms: { t: [150_000, 160_000], h: [nhcb(0), nhcb(1)] } },
      { labels: float, t: [], v: [], histograms: { t: [150_000], h: [stale] } },
    ]);
    const crashed = join(dir, "crashed");
    await cp(join(live, "wal"), join(crashed, "wal"), { recursive: true });
    await head.close();

    const reopened = await openHead(crashed, opts);
    try {
      assert.deepEqual(reopened.warnings, []);
      const byKind = new Map((await headHistograms(reopened.head, "h")).map((s) => [s.labels.find((l) => l.name === "kind")!.value, s.samples]));
      const want = (ts: number[], hs: NativeHistogram[]) => ts.map((t, i) => [t, comparable(hs[i]!)]);
      const got = (kind: string) => byKind.get(kind)!.map(([t, h]) => [t, comparable(h)]);
      const kept = times(50_000, 10);
      assert.deepEqual(got("int"), want(kept, kept.map((t) => intHistogram(t / 10_000 - 1))));
      assert.deepEqual(got("nhcb"), want([150_000, 160_000], [nhcb(0), nhcb(1)]));
      assert.deepEqual(got("float"), want([150_000], [stale]), "the stale marker after the truncated samples");
    } finally {
      await reopened.head.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
