// Helpers shared by the block tests (not part of the module's public face).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XorChunk, compareLabels, labelsFromRecord, mergeSeriesChunks, formatLabels, type Labels, type Series, type Store } from "../../../storeapi/index.js";
import { BlockWriter, type BlockChunk } from "./writer.js";
import type { BlockMeta } from "./format.js";

export interface TestSeries {
  readonly labels: Record<string, string>;
  readonly ts: readonly number[];
  readonly vs: readonly number[];
}

/** XOR chunks of `perChunk` samples. */
export function xorChunks(ts: readonly number[], vs: readonly number[], perChunk = 120): BlockChunk[] {
  const out: BlockChunk[] = [];
  for (let i = 0; i < ts.length; i += perChunk) {
    const c = new XorChunk();
    const end = Math.min(i + perChunk, ts.length);
    for (let k = i; k < end; k++) c.append(ts[k]!, vs[k]!);
    out.push({ minTime: ts[i]!, maxTime: ts[end - 1]!, data: c.bytes().slice() });
  }
  return out;
}

/** Writes a block of `series` (any order) under `dir`. */
export async function writeTestBlock(
  dir: string,
  series: readonly TestSeries[],
  opts: { externalLabels?: Labels; segmentBytes?: number; perChunk?: number; minTime?: number; maxTime?: number } = {},
): Promise<BlockMeta> {
  const sorted = series.map((s) => ({ labels: labelsFromRecord(s.labels), s }));
  sorted.sort((a, b) => compareLabels(a.labels, b.labels));
  const symbols = new Set<string>();
  for (const { labels } of sorted) for (const l of labels) symbols.add(l.name).add(l.value);
  const w = await BlockWriter.create(dir, { symbols, source: "test", externalLabels: opts.externalLabels, segmentBytes: opts.segmentBytes, minTime: opts.minTime, maxTime: opts.maxTime });
  for (const { labels, s } of sorted) await w.addSeries(labels, xorChunks(s.ts, s.vs, opts.perChunk));
  return w.finish();
}

/** A temp dir removed after `fn`. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every series a Store returns as `labels → "t v" lines`, and the warnings. */
export async function dumpStore(
  store: Store,
  matchers = [{ name: "__name__", op: "=~" as const, value: ".+" }],
  mint = Number.MIN_SAFE_INTEGER,
  maxt = Number.MAX_SAFE_INTEGER,
): Promise<{ series: Map<string, string[]>; order: string[]; warnings: string[] }> {
  const series = new Map<string, string[]>();
  const order: string[] = [];
  const warnings: string[] = [];
  for await (const f of store.series({ minTime: mint, maxTime: maxt, matchers })) {
    warnings.push(...f.warnings);
    for (const s of f.series as Series[]) {
      const key = formatLabels(s.labels);
      order.push(key);
      const m = mergeSeriesChunks(s, mint, maxt);
      const lines: string[] = [];
      for (let i = 0; i < m.length; i++) lines.push(`${m.ts[i]} ${m.vs[i]}`);
      series.set(key, lines);
    }
  }
  return { series, order, warnings };
}
