// Helpers of the compactor's tests and bench (not part of the module's public face).
import { join } from "node:path";
import { labelsFromRecord } from "../../../storeapi/index.js";
import { BucketStore, type ObjectBucket } from "../index.js";
import { openBlockDir, uploadBlock, type BlockMeta } from "../block/index.js";
import { dumpStore, writeTestBlock, type TestSeries } from "../block/test-helpers.js";
import { mergeBlocks } from "./merge.js";
import type { Downsampler } from "./compactor.js";

const H = 3600_000;

/** A counter with a reset, a gauge and a series that stops halfway, sampled every `stepMs` over [fromMs, toMs). */
export function testSeries(fromMs: number, toMs: number, stepMs: number, job = "a"): TestSeries[] {
  const ts: number[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) ts.push(t);
  const half = ts.filter((t) => Math.floor(t / H) % 4 < 2);
  return [
    { labels: { __name__: "requests_total", job }, ts, vs: ts.map((t) => (t % (5 * H)) / 1000) },
    { labels: { __name__: "temperature", job }, ts, vs: ts.map((t) => 20 + Math.sin(t / H)) },
    ...(half.length > 0 ? [{ labels: { __name__: "flaky", job }, ts: half, vs: half.map((t) => t / H) }] : []),
  ];
}

/** Writes blocks [start, start+len) for each range under `localDir` and uploads them; returns their metas in order. */
export async function seedBucket(
  bucket: ObjectBucket,
  localDir: string,
  ranges: readonly (readonly [number, number])[],
  opts: { stepMs?: number; externalLabels?: Record<string, string>; job?: string } = {},
): Promise<BlockMeta[]> {
  const metas: BlockMeta[] = [];
  for (const [from, to] of ranges) {
    const meta = await writeTestBlock(localDir, testSeries(from, to, opts.stepMs ?? 60_000, opts.job), {
      externalLabels: labelsFromRecord(opts.externalLabels ?? { cluster: "x" }),
      minTime: from,
      maxTime: to,
    });
    await uploadBlock(bucket, join(localDir, meta.ulid), meta.ulid);
    metas.push(meta);
  }
  return metas;
}

/** Every series and sample a fresh store gateway over the bucket serves, as text lines (what any query reads). */
export async function bucketAnswers(bucket: ObjectBucket, dataDir: string): Promise<{ series: Map<string, string[]>; blocks: string[] }> {
  const store = await BucketStore.open(bucket, { dataDir, indexCacheBytes: 0 });
  try {
    const { series, warnings } = await dumpStore(store);
    if (warnings.length > 0) throw new Error(`store warnings: ${warnings.join("; ")}`);
    return { series, blocks: store.blockIds };
  } finally {
    await store.close();
  }
}

/** A stand-in for stores/bucket/downsample's downsampleBlock: the same samples, meta.json saying `resolution`, the source's sources. */
export const copyingDownsampler: Downsampler = async (blockDir, resolution, outDir) => {
  const src = await openBlockDir(blockDir);
  try {
    return await mergeBlocks([src], { outDir, externalLabels: src.meta.thanos?.labels ?? {}, resolution });
  } finally {
    await src.close();
  }
};
