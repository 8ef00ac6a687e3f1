// Merging N blocks into one: series k-way merged by labels from every source's index, each series'
// chunks passed through when they do not overlap, otherwise merged by time (each timestamp once) and
// re-cut into chunks of at most 120 samples. With replica deduplication, a series several replicas
// hold becomes one through the querier's replica walk (federation's dedupSamples).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chunksNeedMerge, compareLabels, formatLabels, mergeXorChunks, ChunkEncoding, labelsFromRecord, type Chunk, type Labels } from "../../../storeapi/index.js";
import { Block, BlockWriter, formatMeta, META_FILE, type BlockChunk, type BlockMeta, type IndexSeries } from "../block/index.js";

/** The querier's replica walk and chunk cutting, loaded by the compaction that needs them (a receiver never does). */
type ReplicaMerge = Pick<typeof import("../../../federation/index.js"), "dedupSamples" | "encodeXorChunks">;

/** A compaction that cannot be done by retrying (its input is wrong): the compactor halts, as Thanos does. */
export class CompactionHaltError extends Error {
  override name = "CompactionHaltError";
}

export interface MergeOptions {
  /** Where the new block's directory is written. */
  readonly outDir: string;
  /** The new block's external labels (the group's: replica labels already removed). */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** The group's downsampling resolution (ms), kept in meta.json. */
  readonly resolution: number;
  /**
   * Which replica a source block is (its full external labels). Given: series several replicas hold
   * are deduplicated; absent: every source is the same replica and samples merge by time.
   */
  readonly replicaOf?: (block: Block) => string;
  readonly ulid?: string;
}

/** One source's read position: its series refs in label order, and the current series. */
interface Cursor {
  readonly block: Block;
  readonly replica: string;
  readonly refs: Uint32Array;
  next: number;
  current: IndexSeries | undefined;
}

/** Merges `sources` (opened blocks) into one new block under `opts.outDir`; returns its meta (level, sources and parents set). */
export async function mergeBlocks(sources: readonly Block[], opts: MergeOptions): Promise<BlockMeta> {
  if (sources.length === 0) throw new CompactionHaltError("nothing to compact: no source blocks");
  const federation: ReplicaMerge = await import("../../../federation/index.js");
  const cursors: Cursor[] = [];
  for (const block of sources) {
    const c: Cursor = { block, replica: opts.replicaOf?.(block) ?? "", refs: await block.index.allPostings(), next: 0, current: undefined };
    await advance(c);
    cursors.push(c);
  }
  const writer = await BlockWriter.create(opts.outDir, {
    symbols: symbolsOf(sources),
    source: "compactor",
    externalLabels: labelsFromRecord(opts.externalLabels),
    minTime: Math.min(...sources.map((b) => b.meta.minTime)),
    maxTime: Math.max(...sources.map((b) => b.meta.maxTime)),
    ulid: opts.ulid,
  });
  try {
    for (;;) {
      const labels = smallestLabels(cursors);
      if (labels === undefined) break;
      const parts: { replica: string; chunks: BlockChunk[] }[] = [];
      for (const c of cursors) {
        if (c.current === undefined || compareLabels(c.current.labels, labels) !== 0) continue;
        const chunks: BlockChunk[] = [];
        for (const m of c.current.chunks) {
          const chunk = await c.block.chunks.chunk(m.ref);
          chunks.push({ minTime: m.minTime, maxTime: m.maxTime, encoding: chunk.encoding, data: chunk.data });
        }
        parts.push({ replica: c.replica, chunks });
        await advance(c);
      }
      const chunks = mergeSeriesParts(labels, parts, federation);
      if (chunks.length > 0) await writer.addSeries(labels, chunks);
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const written = await writer.finish();
  const meta = compactedMeta(written, sources, opts.resolution);
  await writeFile(join(opts.outDir, meta.ulid, META_FILE), formatMeta(meta));
  return meta;
}

async function advance(c: Cursor): Promise<void> {
  c.current = c.next < c.refs.length ? await c.block.index.series(c.refs[c.next++]!) : undefined;
}

function smallestLabels(cursors: readonly Cursor[]): Labels | undefined {
  let min: Labels | undefined;
  for (const c of cursors) if (c.current !== undefined && (min === undefined || compareLabels(c.current.labels, min) < 0)) min = c.current.labels;
  return min;
}

/** Every label name and value of the sources' series: the new index's symbol table. */
function symbolsOf(sources: readonly Block[]): Set<string> {
  const symbols = new Set<string>();
  for (const b of sources) {
    for (const name of b.index.labelNames()) {
      symbols.add(name);
      for (const v of b.index.labelValues(name)) symbols.add(v);
    }
  }
  return symbols;
}

/** One series' chunks from every source holding it → the new block's chunks. */
function mergeSeriesParts(labels: Labels, parts: readonly { replica: string; chunks: BlockChunk[] }[], federation: ReplicaMerge): BlockChunk[] {
  const { dedupSamples, encodeXorChunks } = federation;
  const replicas = new Map<string, BlockChunk[]>();
  for (const p of parts) replicas.set(p.replica, [...(replicas.get(p.replica) ?? []), ...p.chunks]);
  if (replicas.size > 1) {
    const samples = [...replicas.values()].map((chunks) => mergeXorChunks(xorData(labels, sortByTime(chunks)), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    // Offline there is no enclosing function to say "counter": replicas' own values are kept, never offset.
    return toBlockChunks(encodeXorChunks(dedupSamples(samples, { counter: false })));
  }
  const chunks = sortByTime(parts.flatMap((p) => p.chunks));
  if (!chunksNeedMerge(chunks)) return chunks;
  return toBlockChunks(encodeXorChunks(mergeXorChunks(xorData(labels, chunks), Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)));
}

function sortByTime(chunks: readonly BlockChunk[]): BlockChunk[] {
  return [...chunks].sort((a, b) => a.minTime - b.minTime);
}

function xorData(labels: Labels, chunks: readonly BlockChunk[]): Uint8Array[] {
  return chunks.map((c) => {
    if ((c.encoding ?? ChunkEncoding.XOR) !== ChunkEncoding.XOR) {
      throw new CompactionHaltError(`series ${formatLabels(labels)}: overlapping chunks of encoding ${c.encoding} (only XOR float chunks can be merged or deduplicated)`);
    }
    return c.data;
  });
}

function toBlockChunks(chunks: readonly { minTime: number; maxTime: number; raw?: Chunk }[]): BlockChunk[] {
  return chunks.map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, encoding: c.raw!.encoding, data: c.raw!.data }));
}

/** The writer's meta with what a compaction records: level, sources, parents, resolution. */
function compactedMeta(written: BlockMeta, sources: readonly Block[], resolution: number): BlockMeta {
  const allSources = [...new Set(sources.flatMap((b) => b.meta.compaction.sources))].sort();
  return {
    ...written,
    compaction: {
      level: Math.max(...sources.map((b) => b.meta.compaction.level)) + 1,
      sources: allSources,
      parents: sources.map((b) => ({ ulid: b.ulid, minTime: b.meta.minTime, maxTime: b.meta.maxTime })),
    },
    thanos: { ...written.thanos!, downsample: { resolution } },
  };
}
