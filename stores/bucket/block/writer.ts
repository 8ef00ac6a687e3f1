// Writes one Prometheus TSDB block directory (index v2, chunk segments, empty tombstones,
// meta.json with Thanos's section) front to back: chunks go to their segment file as each
// series is added, so memory holds only the symbols and the postings, never the chunks.
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compareLabels, compareUtf8, crc32c, decodeAggrChunk, formatLabels, histogramChunkNumSamples, labelsToRecord, xorChunkNumSamples } from "../../../storeapi/index.js";
import { ChunkEncoding, type Labels } from "../../../storeapi/index.js";
import {
  BlockError,
  CHUNKS_DIR,
  CHUNKS_FORMAT_V1,
  CHUNKS_HEADER_BYTES,
  CHUNKS_MAGIC,
  DEFAULT_SEGMENT_BYTES,
  INDEX_FILE,
  INDEX_MAGIC,
  INDEX_VERSION_V2,
  META_FILE,
  TOMBSTONES_FILE,
  TOMBSTONES_FORMAT_V1,
  TOMBSTONES_MAGIC,
  chunkRef,
  formatMeta,
  segmentFileName,
  type BlockMeta,
  type ThanosSource,
} from "./format.js";
import { Encbuf, FileSink } from "./sink.js";
import { newUlid } from "./ulid.js";

/** A chunk to write: its bytes exactly as chunkenc encodes them, and its first and last sample times. */
export interface BlockChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding?: ChunkEncoding;
  readonly data: Uint8Array;
}

export interface BlockWriterOptions {
  /** Every label name and value of the series to come (any order, duplicates allowed): the index's symbol table precedes its series. */
  readonly symbols: Iterable<string>;
  /** The Thanos section: external labels and who made the block. */
  readonly externalLabels?: Labels;
  readonly source: ThanosSource;
  /** Block bounds for meta.json (maxTime exclusive); by default the samples' bounds, maxTime one past the last. */
  readonly minTime?: number;
  readonly maxTime?: number;
  readonly ulid?: string;
  /** Chunk segment files are cut before passing this size (default 512 MiB, as Prometheus). */
  readonly segmentBytes?: number;
  /** meta.json `thanos.downsample.resolution` in ms (default 0: raw). */
  readonly resolution?: number;
  /** meta.json `compaction` (default: level 1, this block its own source). */
  readonly compaction?: BlockMeta["compaction"];
}

const TMP_SUFFIX = ".tmp-for-creation";

/**
 * Use: `const w = await BlockWriter.create(parentDir, opts)`, then `addSeries` in label order,
 * then `finish()` (renames `<ulid>.tmp-for-creation` to `<ulid>`), or `abort()` on failure.
 */
export class BlockWriter {
  readonly ulid: string;
  private readonly tmpDir: string;
  private readonly symbolRefs = new Map<string, number>();
  private readonly symbolList: string[];
  /** name → value → series refs (increasing, since series arrive in label order). */
  private readonly postings = new Map<string, Map<string, number[]>>();
  private readonly allSeries: number[] = [];
  private readonly segmentFiles: string[] = [];
  private segment!: FileSink;
  private lastLabels: Labels | undefined;
  private readonly enc = new Encbuf();
  private readonly chunkHead = new Encbuf();
  private numSamples = 0;
  private numHistogramSamples = 0;
  private numChunks = 0;
  private dataMin = Infinity;
  private dataMax = -Infinity;
  private seriesStart = 0;
  private done = false;

  private constructor(
    private readonly parentDir: string,
    private readonly opts: BlockWriterOptions,
    private readonly index: FileSink,
    ulid: string,
  ) {
    this.ulid = ulid;
    this.tmpDir = join(parentDir, ulid + TMP_SUFFIX);
    this.symbolList = [...new Set(opts.symbols)].sort(compareUtf8);
    this.symbolList.forEach((s, i) => this.symbolRefs.set(s, i));
  }

  static async create(parentDir: string, opts: BlockWriterOptions): Promise<BlockWriter> {
    const ulid = opts.ulid ?? newUlid();
    const tmpDir = join(parentDir, ulid + TMP_SUFFIX);
    await mkdir(join(tmpDir, CHUNKS_DIR), { recursive: true });
    const index = await FileSink.create(join(tmpDir, INDEX_FILE));
    const w = new BlockWriter(parentDir, opts, index, ulid);
    try {
      await w.writeIndexHeader();
      await w.cutSegment();
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w;
  }

  private fail(file: string, detail: string): never {
    throw new BlockError(this.ulid, file, detail);
  }

  private async writeIndexHeader(): Promise<void> {
    const e = this.enc;
    e.reset();
    e.be32(INDEX_MAGIC);
    e.byte(INDEX_VERSION_V2);
    const lenPos = e.len;
    e.be32(0);
    e.be32(this.symbolList.length);
    for (const s of this.symbolList) e.uvarintStr(s);
    e.putBe32At(lenPos, e.len - lenPos - 4);
    e.be32(crc32c(e.buf, lenPos + 4, e.len));
    await this.index.write(e.bytes());
    await this.index.pad(16);
    this.seriesStart = this.index.offset;
  }

  private async cutSegment(): Promise<void> {
    if (this.segmentFiles.length > 0) await this.segment.close();
    const name = segmentFileName(this.segmentFiles.length);
    this.segmentFiles.push(name);
    this.segment = await FileSink.create(join(this.tmpDir, CHUNKS_DIR, name));
    const header = new Uint8Array(CHUNKS_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, CHUNKS_MAGIC);
    header[4] = CHUNKS_FORMAT_V1;
    await this.segment.write(header);
  }

  /** Writes one series and its chunks (sorted by time, not overlapping). Series must come in strictly increasing label order. */
  async addSeries(labels: Labels, chunks: readonly BlockChunk[]): Promise<void> {
    if (this.done) this.fail(INDEX_FILE, "addSeries after finish");
    if (labels.length === 0) this.fail(INDEX_FILE, "a series with no labels");
    if (this.lastLabels !== undefined && compareLabels(this.lastLabels, labels) >= 0) {
      this.fail(INDEX_FILE, `series ${formatLabels(labels)} added after ${formatLabels(this.lastLabels)}: series must come in strictly increasing label order`);
    }
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (c.maxTime < c.minTime) this.fail(CHUNKS_DIR, `series ${formatLabels(labels)} chunk ${i}: maxTime ${c.maxTime} before minTime ${c.minTime}`);
      if (i > 0 && c.minTime <= chunks[i - 1]!.maxTime) {
        this.fail(CHUNKS_DIR, `series ${formatLabels(labels)} chunk ${i} starts at ${c.minTime}, not after the previous chunk's end ${chunks[i - 1]!.maxTime}`);
      }
    }
    const refs = await this.writeChunks(chunks);
    const e = this.enc;
    e.reset();
    e.uvarint(labels.length);
    for (const l of labels) {
      e.uvarint(this.symbol(l.name, labels));
      e.uvarint(this.symbol(l.value, labels));
    }
    e.uvarint(chunks.length);
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (i === 0) {
        e.varint(c.minTime);
        e.uvarint(c.maxTime - c.minTime);
        e.uvarint(refs[0]!);
      } else {
        e.uvarint(c.minTime - chunks[i - 1]!.maxTime);
        e.uvarint(c.maxTime - c.minTime);
        e.varint(refs[i]! - refs[i - 1]!);
      }
    }
    const body = e.len;
    e.be32(crc32c(e.buf, 0, body));
    await this.index.pad(16);
    const ref = this.index.offset / 16;
    if (ref > 0xffffffff) this.fail(INDEX_FILE, "series section passes 64 GiB (series refs are 32-bit)");
    this.chunkHead.reset();
    this.chunkHead.uvarint(body);
    await this.index.write(this.chunkHead.bytes());
    await this.index.write(e.bytes());
    this.allSeries.push(ref);
    for (const l of labels) this.posting(l.name, l.value).push(ref);
    this.lastLabels = labels;
  }

  private symbol(s: string, labels: Labels): number {
    const ref = this.symbolRefs.get(s);
    if (ref === undefined) this.fail(INDEX_FILE, `series ${formatLabels(labels)}: "${s}" is not among the symbols given to BlockWriter.create`);
    return ref;
  }

  private posting(name: string, value: string): number[] {
    let values = this.postings.get(name);
    if (values === undefined) this.postings.set(name, (values = new Map()));
    let list = values.get(value);
    if (list === undefined) values.set(value, (list = []));
    return list;
  }

  private async writeChunks(chunks: readonly BlockChunk[]): Promise<number[]> {
    const maxBytes = this.opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const refs: number[] = [];
    const head = this.chunkHead;
    for (const c of chunks) {
      const encoding = c.encoding ?? ChunkEncoding.XOR;
      head.reset();
      head.uvarint(c.data.length);
      head.byte(encoding);
      const size = head.len + c.data.length + 4;
      if (this.segment.offset > CHUNKS_HEADER_BYTES && this.segment.offset + size > maxBytes) await this.cutSegment();
      refs.push(chunkRef(this.segmentFiles.length - 1, this.segment.offset));
      const encByte = head.len - 1;
      let crc = crc32c(head.buf, encByte, head.len);
      crc = crc32c(c.data, 0, c.data.length, crc);
      head.be32(crc);
      await this.segment.write(head.buf.subarray(0, encByte + 1));
      await this.segment.write(c.data);
      await this.segment.write(head.buf.subarray(encByte + 1, head.len));
      this.numChunks++;
      if (encoding === ChunkEncoding.XOR) this.numSamples += xorChunkNumSamples(c.data);
      if (encoding === ChunkEncoding.Histogram || encoding === ChunkEncoding.FloatHistogram) {
        const n = histogramChunkNumSamples(c.data);
        this.numSamples += n;
        this.numHistogramSamples += n;
      }
      // A downsampled block counts its windows, the points of the count aggregate.
      if (encoding === ChunkEncoding.Aggr) this.numSamples += xorChunkNumSamples(decodeAggrChunk(c.data).count?.data ?? new Uint8Array(0));
      if (c.minTime < this.dataMin) this.dataMin = c.minTime;
      if (c.maxTime > this.dataMax) this.dataMax = c.maxTime;
    }
    return refs;
  }

  /** Writes the index's remaining sections, tombstones and meta.json, and moves the block into place. */
  async finish(): Promise<BlockMeta> {
    if (this.done) this.fail(INDEX_FILE, "finish called twice");
    this.done = true;
    try {
      const names = [...this.postings.keys()].sort(compareUtf8);
      const labelIndices = await this.writeLabelIndices(names);
      const labelOffsets = this.index.offset;
      await this.writeOffsetTable(names.map((n) => ({ key: [n], offset: labelIndices.get(n)! })));
      const postingsStart = this.index.offset;
      const postingOffsets = await this.writePostings(names);
      const postingsTable = this.index.offset;
      await this.writeOffsetTable(postingOffsets);
      await this.writeToc([4 + 1, this.seriesStart, labelIndices.size > 0 ? labelIndices.get(names[0]!)! : 0, labelOffsets, postingsStart, postingsTable]);
      await this.index.close();
      await this.segment.close();
      await writeFile(join(this.tmpDir, TOMBSTONES_FILE), emptyTombstones());
      const meta = await this.meta();
      await writeFile(join(this.tmpDir, META_FILE), formatMeta(meta));
      await rename(this.tmpDir, join(this.parentDir, this.ulid));
      return meta;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  private async writeLabelIndices(names: readonly string[]): Promise<Map<string, number>> {
    const offsets = new Map<string, number>();
    const e = this.enc;
    for (const name of names) {
      const values = [...this.postings.get(name)!.keys()].sort(compareUtf8);
      await this.index.pad(4);
      offsets.set(name, this.index.offset);
      e.reset();
      e.be32(4 + 4 + 4 * values.length);
      e.be32(1);
      e.be32(values.length);
      for (const v of values) e.be32(this.symbolRefs.get(v)!);
      e.be32(crc32c(e.buf, 4, e.len));
      await this.index.write(e.bytes());
    }
    return offsets;
  }

  /** Postings lists: the all-series list under ("", "") first, then by name and value. */
  private async writePostings(names: readonly string[]): Promise<{ key: string[]; offset: number }[]> {
    const out: { key: string[]; offset: number }[] = [];
    out.push({ key: ["", ""], offset: await this.writePostingsList(this.allSeries) });
    for (const name of names) {
      const values = this.postings.get(name)!;
      for (const value of [...values.keys()].sort(compareUtf8)) {
        out.push({ key: [name, value], offset: await this.writePostingsList(values.get(value)!) });
      }
    }
    return out;
  }

  private async writePostingsList(refs: readonly number[]): Promise<number> {
    await this.index.pad(4);
    const offset = this.index.offset;
    const e = this.enc;
    e.reset();
    e.be32(4 + 4 * refs.length);
    e.be32(refs.length);
    for (const r of refs) e.be32(r);
    e.be32(crc32c(e.buf, 4, e.len));
    await this.index.write(e.bytes());
    return offset;
  }

  /** A label offset table (keys of one name) or postings offset table (name and value). */
  private async writeOffsetTable(entries: readonly { key: readonly string[]; offset: number }[]): Promise<void> {
    await this.index.pad(4);
    const e = this.enc;
    e.reset();
    e.be32(0);
    e.be32(entries.length);
    for (const { key, offset } of entries) {
      e.uvarint(key.length);
      for (const k of key) e.uvarintStr(k);
      e.uvarint(offset);
    }
    e.putBe32At(0, e.len - 4);
    e.be32(crc32c(e.buf, 4, e.len));
    await this.index.write(e.bytes());
  }

  private async writeToc(offsets: readonly number[]): Promise<void> {
    const e = this.enc;
    e.reset();
    for (const o of offsets) e.be64(o);
    e.be32(crc32c(e.buf, 0, e.len));
    await this.index.write(e.bytes());
  }

  private async meta(): Promise<BlockMeta> {
    const hasData = this.numChunks > 0;
    const minTime = this.opts.minTime ?? (hasData ? this.dataMin : 0);
    const maxTime = this.opts.maxTime ?? (hasData ? this.dataMax + 1 : 0);
    const files: { rel_path: string; size_bytes?: number }[] = [];
    for (const name of this.segmentFiles) {
      const rel = `${CHUNKS_DIR}/${name}`;
      files.push({ rel_path: rel, size_bytes: (await stat(join(this.tmpDir, rel))).size });
    }
    files.push({ rel_path: INDEX_FILE, size_bytes: (await stat(join(this.tmpDir, INDEX_FILE))).size });
    files.push({ rel_path: META_FILE });
    return {
      ulid: this.ulid,
      minTime,
      maxTime,
      stats: {
        numSamples: this.numSamples,
        numSeries: this.allSeries.length,
        numChunks: this.numChunks,
        ...(this.numHistogramSamples > 0 ? { numHistogramSamples: this.numHistogramSamples } : {}),
      },
      compaction: this.opts.compaction ?? { level: 1, sources: [this.ulid] },
      version: 1,
      thanos: {
        labels: labelsToRecord(this.opts.externalLabels ?? []),
        downsample: { resolution: this.opts.resolution ?? 0 },
        source: this.opts.source,
        files,
      },
    };
  }

  /** Removes the unfinished block directory. */
  async abort(): Promise<void> {
    this.done = true;
    await this.index.abort();
    if (this.segment !== undefined) await this.segment.abort();
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/** Magic, version, and the CRC32 of no tombstones. */
function emptyTombstones(): Uint8Array {
  const b = new Uint8Array(9);
  new DataView(b.buffer).setUint32(0, TOMBSTONES_MAGIC);
  b[4] = TOMBSTONES_FORMAT_V1;
  return b;
}
