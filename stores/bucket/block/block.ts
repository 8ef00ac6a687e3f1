// One block opened for reading: meta.json, the index and the chunk segments, each a
// ByteRangeSource. `openBlockDir` opens a local block directory; object storage opens
// the same files through its own sources.
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  ChunkEncoding,
  decodeAggrChunk,
  extendLabels,
  labelsFromRecord,
  type Aggregate,
  type AggrChunk,
  type Chunk,
  type Labels,
  type Matcher,
} from "../../../storeapi/index.js";
import { BlockError, CHUNKS_DIR, INDEX_FILE, META_FILE, metaExternalLabels, parseMeta, type BlockMeta } from "./format.js";
import { ChunkReader, type ChunkCache } from "./chunk-reader.js";
import { IndexReader, type ChunkMeta, type IndexCache, type IndexSeries } from "./index-reader.js";

/** Series read per batch of select(): their entries, then their chunks, each in few range reads. */
const SELECT_BATCH_SERIES = 4096;
import { openFileSource, type ByteRangeSource } from "./source.js";

/** The files of one block, wherever they are. */
export interface BlockFiles {
  readonly metaJson: string;
  readonly index: ByteRangeSource;
  /** Segment files in order (000001 first). */
  readonly chunks: readonly ByteRangeSource[];
}

/** A series of one block, without the block's external labels. */
export interface BlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly AggrChunk[];
}

export class Block {
  /** The block's Thanos external labels. */
  readonly externalLabels: Labels;
  /** Series labels with the external labels, by the series' own labels (kept while those are, e.g. in the index cache). */
  private readonly extended = new WeakMap<Labels, Labels>();

  private constructor(
    readonly meta: BlockMeta,
    readonly index: IndexReader,
    readonly chunks: ChunkReader,
    private readonly files: BlockFiles,
  ) {
    this.externalLabels = labelsFromRecord(metaExternalLabels(meta));
  }

  /**
   * `name` names the block in errors until meta.json gives its ULID (the directory name).
   * `chunkCache` is given the ULID and the segment count once meta.json has named the block.
   */
  static async open(files: BlockFiles, name: string, cache?: IndexCache, chunkCache?: (ulid: string, segments: number) => ChunkCache): Promise<Block> {
    const meta = parseMeta(files.metaJson, name);
    const index = await IndexReader.open(files.index, meta.ulid, cache);
    const chunks = await ChunkReader.open(files.chunks, meta.ulid, chunkCache?.(meta.ulid, files.chunks.length));
    return new Block(meta, index, chunks, files);
  }

  get ulid(): string {
    return this.meta.ulid;
  }

  /**
   * A series' labels with the block's external labels: the same object each time for the same
   * labels object, so what is derived from a label set (its encoded fields) is derived once.
   */
  withExternalLabels(labels: Labels): Labels {
    if (this.externalLabels.length === 0) return labels;
    let out = this.extended.get(labels);
    if (out === undefined) this.extended.set(labels, (out = extendLabels(labels, this.externalLabels)));
    return out;
  }

  /** Whether the block's [minTime, maxTime) touches the inclusive range [mint, maxt]. */
  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime > mint;
  }

  /**
   * Series matching `matchers` (on the block's own labels) with their chunks overlapping the
   * inclusive [mint, maxt], in label order. Series with no such chunk are left out;
   * with `skipChunks`, series are kept by their chunk metas but no chunk is read. A downsampled
   * block's chunks carry the `aggregates` asked for (all it holds when none are).
   */
  async *select(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    skipChunks = false,
    aggregates?: readonly Aggregate[],
  ): AsyncGenerator<BlockSeries> {
    for await (const batch of this.selectBatches(matchers, mint, maxt, skipChunks, aggregates)) yield* batch;
  }

  /**
   * select() a batch at a time (up to 4096 series): one await per batch, not per series. With
   * `firstBatch`, the first batch holds at most that many and each next one twice the one before,
   * so a streaming reader sends its first frames soon and then keeps sending.
   */
  async *selectBatches(
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
    skipChunks = false,
    aggregates?: readonly Aggregate[],
    firstBatch = SELECT_BATCH_SERIES,
  ): AsyncGenerator<BlockSeries[]> {
    const refs = await this.index.postingsForMatchers(matchers);
    for (let start = 0, size = Math.max(1, firstBatch); start < refs.length; start += size, size = Math.min(SELECT_BATCH_SERIES, 2 * size)) {
      const entries = await this.index.seriesBatch(refs.subarray(start, start + size));
      // Only the chunk metas inside [mint, maxt] are read: an instant query reads the last chunk or two of each series.
      // The series kept and how many of their metas (in `metas`, in order): no object made per series here.
      const kept: IndexSeries[] = [];
      const inRange: number[] = [];
      const metas: ChunkMeta[] = [];
      for (const s of entries) {
        const before = metas.length;
        for (const c of s.chunks) if (c.maxTime >= mint && c.minTime <= maxt) metas.push(c);
        if (metas.length === before) continue;
        kept.push(s);
        inRange.push(metas.length - before);
      }
      if (skipChunks) {
        yield kept.map(({ labels }) => ({ labels, chunks: [] }));
        continue;
      }
      const chunkRefs = new Array<number>(metas.length);
      for (let i = 0; i < metas.length; i++) chunkRefs[i] = metas[i]!.ref;
      const chunks = await this.chunks.chunksBatch(chunkRefs);
      const out = new Array<BlockSeries>(kept.length);
      let next = 0;
      for (let i = 0; i < kept.length; i++) {
        const n = inRange[i]!;
        const aggr = new Array<AggrChunk>(n);
        for (let k = 0; k < n; k++, next++) {
          const m = metas[next]!;
          aggr[k] = this.toAggrChunk(m.minTime, m.maxTime, chunks[next]!, aggregates);
        }
        out[i] = { labels: kept[i]!.labels, chunks: aggr };
      }
      yield out;
    }
  }

  /**
   * The series matching `matchers` with chunks overlapping [mint, maxt], each with how many: read
   * from postings and series entries only, never a chunk (the planner's estimate).
   */
  async chunkCounts(matchers: readonly Matcher[], mint: number, maxt: number): Promise<{ labels: Labels; chunks: number }[]> {
    const refs = await this.index.postingsForMatchers(matchers);
    const out: { labels: Labels; chunks: number }[] = [];
    for (let start = 0; start < refs.length; start += SELECT_BATCH_SERIES) {
      for (const s of await this.index.seriesBatch(refs.subarray(start, start + SELECT_BATCH_SERIES))) {
        let chunks = 0;
        for (const c of s.chunks) if (c.maxTime >= mint && c.minTime <= maxt) chunks++;
        if (chunks > 0) out.push({ labels: s.labels, chunks });
      }
    }
    return out;
  }

  /** Mean samples per chunk, from meta.json's stats (0 for a block without chunks). */
  get samplesPerChunk(): number {
    const { numSamples, numChunks } = this.meta.stats;
    return numChunks > 0 ? numSamples / numChunks : 0;
  }

  /** A chunk as read from the chunk file: raw, or (encoding 0xff) split into the aggregates asked for. */
  toAggrChunk(minTime: number, maxTime: number, c: Chunk, aggregates?: readonly Aggregate[]): AggrChunk {
    if (c.encoding !== ChunkEncoding.Aggr) return { minTime, maxTime, raw: c };
    let parts;
    try {
      // A plain Uint8Array view: its sub-chunk views cost far less to cut than a Node Buffer's.
      parts = decodeAggrChunk(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.length));
    } catch (err) {
      throw new BlockError(this.ulid, "chunks", `chunk [${minTime}, ${maxTime}]: ${(err as Error).message}`);
    }
    if (aggregates === undefined || aggregates.length === 0) return { minTime, maxTime, ...parts };
    const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime, maxTime };
    // A native histogram series has no min or max (Thanos): the chunk goes without, and the reader says it skipped it.
    const histogram = parts.counter !== undefined && parts.counter.encoding !== ChunkEncoding.XOR;
    for (const a of aggregates) {
      if (parts[a] === undefined && !histogram) throw new BlockError(this.ulid, "chunks", `chunk [${minTime}, ${maxTime}] has no ${a} aggregate`);
      if (parts[a] !== undefined) out[a] = parts[a];
    }
    return out;
  }

  /** Downsampling resolution in ms (0: raw). */
  get resolution(): number {
    return this.meta.thanos?.downsample.resolution ?? 0;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.files.index.close(), ...this.files.chunks.map((c) => c.close())]);
  }
}

/** Opens a local block directory. Every failure is a BlockError naming the block and the file. */
export async function openBlockDir(dir: string): Promise<Block> {
  const name = basename(dir);
  const metaJson = await readFile(join(dir, META_FILE), "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new BlockError(name, META_FILE, err.code === "ENOENT" ? "missing" : err.message);
  });
  const ulid = parseMeta(metaJson, name).ulid;
  const opened: ByteRangeSource[] = [];
  try {
    const index = await openFileSource(join(dir, INDEX_FILE)).catch((err: NodeJS.ErrnoException) => {
      throw new BlockError(ulid, INDEX_FILE, err.code === "ENOENT" ? "missing" : err.message);
    });
    opened.push(index);
    const names = await readdir(join(dir, CHUNKS_DIR)).catch((err: NodeJS.ErrnoException) => {
      throw new BlockError(ulid, CHUNKS_DIR, err.code === "ENOENT" ? "missing" : err.message);
    });
    const segments = names.filter((n) => /^\d{6}$/.test(n)).sort();
    segments.forEach((n, i) => {
      if (Number(n) !== i + 1) throw new BlockError(ulid, `${CHUNKS_DIR}/${n}`, `segment files are not numbered 000001 onwards without gaps`);
    });
    const chunks: ByteRangeSource[] = [];
    for (const n of segments) {
      const src = await openFileSource(join(dir, CHUNKS_DIR, n));
      opened.push(src);
      chunks.push(src);
    }
    return await Block.open({ metaJson, index, chunks }, name);
  } catch (err) {
    await Promise.allSettled(opened.map((s) => s.close()));
    throw err;
  }
}
