// The head's estimate is exact: the series and chunk samples series() would return, without copying a chunk.
import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord, xorChunkNumSamples, type Matcher, type Store } from "../../storeapi/index.js";
import { openHead } from "../index.js";
import { floatHistogram, intHistogram } from "./histogram-fixtures.js";

async function actual(store: Store, matchers: Matcher[], minTime: number, maxTime: number): Promise<{ series: number; samples: number }> {
  let series = 0;
  let samples = 0;
  for await (const f of store.series({ matchers, minTime, maxTime })) {
    for (const s of f.series) {
      series++;
      for (const c of s.chunks) samples += xorChunkNumSamples(c.raw!.data);
    }
  }
  return { series, samples };
}

test("head estimate equals what series() returns, for every matcher kind and range, external labels included", async () => {
  const { head } = await openHead(undefined, { externalLabels: labelsFromRecord({ region: "eu" }) });
  try {
    // 300 samples a series at 10 s: three chunks (120, 120, 60 open).
    const batch = ["a", "b", "c", "d"].map((job, i) => {
      const t = Array.from({ length: 300 - i * 50 }, (_, k) => k * 10_000);
      return { labels: labelsFromRecord({ __name__: "m", job }), t, v: t.map((_, k) => k) };
    });
    await head.appendBatch(batch);
    const cases: [Matcher[], number, number][] = [
      [[{ name: "__name__", op: "=", value: "m" }], 0, 3_000_000],
      [[{ name: "job", op: "=~", value: "a|c" }], 1_300_000, 1_300_000],
      [[{ name: "job", op: "!=", value: "a" }], 2_000_000, 2_900_000],
      [[{ name: "region", op: "=", value: "eu" }, { name: "job", op: "!~", value: "b" }], 0, 10_000],
      [[{ name: "region", op: "=", value: "us" }], 0, 3_000_000],
      [[{ name: "__name__", op: "=", value: "m" }], 5_000_000, 6_000_000],
    ];
    for (const [matchers, minTime, maxTime] of cases) {
      const est = await head.estimate({ matchers, minTime, maxTime });
      assert.deepEqual({ series: est.series, samples: est.samples }, await actual(head, matchers, minTime, maxTime), JSON.stringify(matchers));
      assert.equal(est.basis, "exact");
    }
  } finally {
    await head.close();
  }
});

test("numSamples counts every chunk's samples, closed and open, and drops with truncation", async () => {
  const { head } = await openHead(undefined, {});
  try {
    assert.equal(head.numSamples(), 0);
    // 300 and 250 samples at 10 s: chunks of 120, 120, 60 (open) and 120, 120, 10 (open).
    const batch = ["a", "b"].map((job, i) => {
      const t = Array.from({ length: 300 - i * 50 }, (_, k) => k * 10_000);
      return { labels: labelsFromRecord({ __name__: "m", job }), t, v: t.map((_, k) => k) };
    });
    await head.appendBatch(batch);
    assert.equal(head.numSamples(), 550);
    assert.equal(head.numChunks(), 6);
    assert.ok(head.memoryBytes() > 0);
    // Chunks wholly before 1,200 s go: the first 120 of each series.
    await head.truncate(1_200_000);
    assert.equal(head.numSamples(), 310);
  } finally {
    await head.close();
  }
});

test("the estimate counts closed histogram chunks and chunks cut by a change of kind", async () => {
  const { head } = await openHead(undefined, {});
  try {
    const times = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * 10_000);
    const labels = labelsFromRecord({ __name__: "h", job: "a" });
    // Floats, then integer histograms, then float histograms, then floats again: four chunks, three closed.
    await head.appendBatch([{ labels, t: times(0, 50), v: times(0, 50).map((_, k) => k) }]);
    await head.appendBatch([{ labels, t: [], v: [], histograms: { t: times(500_000, 30), h: times(0, 30).map((_, k) => intHistogram(k)) } }]);
    await head.appendBatch([{ labels, t: [], v: [], histograms: { t: times(800_000, 20), h: times(0, 20).map((_, k) => floatHistogram(k)) } }]);
    await head.appendBatch([{ labels, t: times(1_000_000, 7), v: times(0, 7) }]);
    const matchers: Matcher[] = [{ name: "__name__", op: "=", value: "h" }];
    for (const [minTime, maxTime] of [[0, 2_000_000], [600_000, 900_000], [0, 100_000], [1_050_000, 1_050_000]] as const) {
      const est = await head.estimate({ matchers, minTime, maxTime });
      assert.deepEqual({ series: est.series, samples: est.samples }, await actual(head, matchers, minTime, maxTime), `[${minTime}, ${maxTime}]`);
    }
    assert.equal(head.numSamples(), 107);
  } finally {
    await head.close();
  }
});
