// Reads a block's index (format v2) through a ByteRangeSource: the TOC, symbol table and
// postings offset table once at open; postings lists and series entries on demand.
// Every check failure is a BlockError naming the block and "index".
import { compareUtf8, compileMatcher, crc32c, type Label, type Labels, type Matcher } from "../../../storeapi/index.js";
import { BlockError, INDEX_FILE, INDEX_MAGIC, INDEX_TOC_BYTES, INDEX_VERSION_V2 } from "./format.js";
import { Decbuf, be32At } from "./decbuf.js";
import { mapLimited, partitionReads, READ_CONCURRENCY, WindowedReader, type ByteRangeSource } from "./source.js";
// One sorted-postings algebra for the head and the blocks.
import { intersect, subtract, union } from "../../head/postings.js";

/** A chunk's place in the chunk segments and its first and last sample times. */
export interface ChunkMeta {
  readonly ref: number;
  readonly minTime: number;
  readonly maxTime: number;
}

export interface IndexSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

/** What one series entry is assumed to take when reads are planned (a longer one is re-read alone). */
const SERIES_ENTRY_ESTIMATE = 1024;
/** Series entries this close are read together: reading the gap costs less than another request. */
const SERIES_MAX_GAP = 64 * 1024;

interface Toc {
  readonly symbols: number;
  readonly series: number;
  readonly labelIndices: number;
  readonly labelOffsetTable: number;
  readonly postings: number;
  readonly postingsTable: number;
}

/**
 * Where an index reader keeps postings lists and series it has read (the bucket gateway's
 * byte-bounded LRU); keys are per block. Absent: every read goes to the source.
 */
export interface IndexCache {
  getPostings(block: string, name: string, value: string): Uint32Array | undefined;
  setPostings(block: string, name: string, value: string, postings: Uint32Array): void;
  getSeries(block: string, ref: number): IndexSeries | undefined;
  setSeries(block: string, ref: number, series: IndexSeries): void;
}

/** A label name's values (sorted) and where each value's postings list starts. */
interface NamePostings {
  readonly values: string[];
  readonly offsets: number[];
}

export class IndexReader {
  private readonly seriesReader: WindowedReader;

  private constructor(
    private readonly source: ByteRangeSource,
    readonly block: string,
    private readonly symbols: readonly string[],
    private readonly table: ReadonlyMap<string, NamePostings>,
    private readonly cache: IndexCache | undefined,
  ) {
    this.seriesReader = new WindowedReader(source);
  }

  static async open(source: ByteRangeSource, block: string, cache?: IndexCache): Promise<IndexReader> {
    const fail = (detail: string): never => {
      throw new BlockError(block, INDEX_FILE, detail);
    };
    if (source.size < 5 + INDEX_TOC_BYTES) fail(`truncated: ${source.size} bytes is too short for an index`);
    const header = await source.read(0, 5);
    if (be32At(header, 0) !== INDEX_MAGIC) fail(`bad magic 0x${be32At(header, 0).toString(16)} (want 0x${INDEX_MAGIC.toString(16)})`);
    if (header[4] !== INDEX_VERSION_V2) fail(`unsupported index version ${header[4]} (only ${INDEX_VERSION_V2})`);
    const toc = await readToc(source, fail);
    const symbols = await readSection(source, toc.symbols, "symbol table", fail, (d) => {
      const n = d.be32();
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = d.uvarintStr();
      return out;
    });
    const table = await readSection(source, toc.postingsTable, "postings offset table", fail, (d) => {
      const n = d.be32();
      const out = new Map<string, NamePostings>();
      for (let i = 0; i < n; i++) {
        if (d.uvarint() !== 2) throw new RangeError(`entry ${i} does not have 2 keys`);
        const name = d.uvarintStr();
        const value = d.uvarintStr();
        const offset = d.uvarint();
        let entry = out.get(name);
        if (entry === undefined) out.set(name, (entry = { values: [], offsets: [] }));
        entry.values.push(value);
        entry.offsets.push(offset);
      }
      return out;
    });
    return new IndexReader(source, block, symbols, table, cache);
  }

  private fail(detail: string): never {
    throw new BlockError(this.block, INDEX_FILE, detail);
  }

  /** Label names with postings, sorted (without the all-series key ""). */
  labelNames(): string[] {
    return [...this.table.keys()].filter((n) => n !== "");
  }

  /** A label name's values, sorted. */
  labelValues(name: string): readonly string[] {
    return name === "" ? [] : (this.table.get(name)?.values ?? []);
  }

  /** The series refs of one label pair (empty when absent), sorted. */
  async postings(name: string, value: string): Promise<Uint32Array> {
    const entry = this.table.get(name);
    if (entry === undefined) return new Uint32Array(0);
    const i = findSorted(entry.values, value);
    return i < 0 ? new Uint32Array(0) : this.postingsAt(entry.offsets[i]!, name, value);
  }

  private async postingsAt(offset: number, name: string, value: string): Promise<Uint32Array> {
    const cached = this.cache?.getPostings(this.block, name, value);
    if (cached !== undefined) return cached;
    const postings = await this.readPostingsAt(offset, name, value);
    this.cache?.setPostings(this.block, name, value, postings);
    return postings;
  }

  private async readPostingsAt(offset: number, name: string, value: string): Promise<Uint32Array> {
    const what = `postings of ${name}=${JSON.stringify(value)}`;
    return readSection(this.source, offset, what, (d) => this.fail(d), (d) => {
      const n = d.be32();
      if (d.remaining() < n * 4) throw new RangeError(`${n} entries do not fit`);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = d.be32();
      return out;
    });
  }

  /** The series refs matching all matchers (Prometheus semantics: a matcher that matches "" also matches series without the label), sorted. */
  async postingsForMatchers(matchers: readonly Matcher[]): Promise<Uint32Array> {
    const include: Uint32Array[] = [];
    const exclude: Uint32Array[] = [];
    for (const m of matchers) {
      const test = compileMatcher(m);
      const matchesEmpty = test("");
      const values = this.labelValues(m.name);
      const entry = this.table.get(m.name);
      const lists: Uint32Array[] = [];
      for (let i = 0; i < values.length; i++) {
        // A matcher matching "" keeps series without the label: remove those whose value fails it.
        if (test(values[i]!) !== matchesEmpty) lists.push(await this.postingsAt(entry!.offsets[i]!, m.name, values[i]!));
      }
      if (matchesEmpty) exclude.push(...lists);
      else {
        if (lists.length === 0) return new Uint32Array(0);
        include.push(union(lists, true)); // values of one label name never share a series
      }
    }
    let result = include.length > 0 ? [...include].sort((a, b) => a.length - b.length).reduce((acc, l) => intersect(acc, l)) : await this.allPostings();
    if (exclude.length > 0) result = subtract(result, union(exclude, false));
    return result;
  }

  allPostings(): Promise<Uint32Array> {
    return this.postings("", "");
  }

  /** One series' labels and chunk metas. Reads forward through a window, so ascending refs are cheap. */
  async series(ref: number): Promise<IndexSeries> {
    const cached = this.cache?.getSeries(this.block, ref);
    if (cached !== undefined) return cached;
    const series = await this.readSeries(ref);
    this.cache?.setSeries(this.block, ref, series);
    return series;
  }

  /**
   * The series entries of `refs` (ascending), in that order: cached ones from the cache, the rest
   * in few range reads (entries close together share one), several in flight.
   */
  async seriesBatch(refs: ArrayLike<number>): Promise<IndexSeries[]> {
    const out: IndexSeries[] = new Array(refs.length);
    const missing: number[] = [];
    for (let i = 0; i < refs.length; i++) {
      const cached = this.cache?.getSeries(this.block, refs[i]!);
      if (cached === undefined) missing.push(i);
      else out[i] = cached;
    }
    const offsets = missing.map((i) => refs[i]! * 16);
    const reads = partitionReads(offsets, SERIES_ENTRY_ESTIMATE, SERIES_MAX_GAP);
    await mapLimited(reads, READ_CONCURRENCY, async (r) => {
      const bytes = await this.source.read(r.start, Math.max(0, Math.min(r.end, this.source.size) - r.start));
      for (let k = r.first; k <= r.last; k++) {
        const ref = refs[missing[k]!]!;
        // An entry running past the bytes read (longer than estimated, or truncated) is read alone.
        const series = this.seriesIn(bytes, ref * 16 - r.start, ref) ?? (await this.readSeries(ref));
        this.cache?.setSeries(this.block, ref, series);
        out[missing[k]!] = series;
      }
    });
    return out;
  }

  /** The entry of series `ref` at `pos` in `bytes`, or undefined when `bytes` end before it does. */
  private seriesIn(bytes: Uint8Array, pos: number, ref: number): IndexSeries | undefined {
    const d = new Decbuf(bytes, pos);
    let len: number;
    try {
      len = d.uvarint();
    } catch {
      return undefined;
    }
    if (d.pos + len + 4 > bytes.length) return undefined;
    return this.checkedSeries(bytes.subarray(d.pos, d.pos + len + 4), len, ref);
  }

  private async readSeries(ref: number): Promise<IndexSeries> {
    const offset = ref * 16;
    const where = `series ${ref} (offset ${offset})`;
    if (offset >= this.source.size) this.fail(`${where} is past the end of the file (${this.source.size} bytes)`);
    try {
      const head = await this.seriesReader.read(offset, 10);
      const lenBuf = new Decbuf(head);
      const len = lenBuf.uvarint();
      const start = offset + lenBuf.pos;
      const body = await this.seriesReader.read(start, len + 4);
      if (body.length < len + 4) this.fail(`${where}: truncated (the file ends inside the entry)`);
      return this.checkedSeries(body, len, ref);
    } catch (err) {
      if (err instanceof BlockError) throw err;
      return this.fail(`${where}: ${(err as Error).message}`);
    }
  }

  /** Checks the CRC32 after the `len` bytes of an entry's body and decodes it. */
  private checkedSeries(body: Uint8Array, len: number, ref: number): IndexSeries {
    const where = `series ${ref} (offset ${ref * 16})`;
    const want = be32At(body, len);
    const got = crc32c(body, 0, len);
    if (want !== got) this.fail(`${where}: CRC32 mismatch (stored 0x${hex(want)}, computed 0x${hex(got)})`);
    try {
      return this.decodeSeries(new Decbuf(body, 0, len));
    } catch (err) {
      return this.fail(`${where}: ${(err as Error).message}`);
    }
  }

  private decodeSeries(d: Decbuf): IndexSeries {
    const nLabels = d.uvarint();
    const labels: Label[] = [];
    for (let i = 0; i < nLabels; i++) labels.push({ name: this.symbol(d.uvarint()), value: this.symbol(d.uvarint()) });
    const nChunks = d.uvarint();
    const chunks: ChunkMeta[] = [];
    let ref = 0;
    let maxTime = 0;
    for (let i = 0; i < nChunks; i++) {
      const minTime = i === 0 ? d.varint() : maxTime + d.uvarint();
      maxTime = minTime + d.uvarint();
      ref = i === 0 ? d.uvarint() : ref + d.varint();
      chunks.push({ ref, minTime, maxTime });
    }
    return { labels, chunks };
  }

  private symbol(i: number): string {
    const s = this.symbols[i];
    if (s === undefined) throw new RangeError(`symbol reference ${i} is outside the symbol table (${this.symbols.length} symbols)`);
    return s;
  }
}

async function readToc(source: ByteRangeSource, fail: (d: string) => never): Promise<Toc> {
  const b = await source.read(source.size - INDEX_TOC_BYTES, INDEX_TOC_BYTES);
  const want = be32At(b, 48);
  const got = crc32c(b, 0, 48);
  if (want !== got) fail(`TOC CRC32 mismatch (stored 0x${hex(want)}, computed 0x${hex(got)}): truncated or corrupt`);
  const d = new Decbuf(b);
  const toc: Toc = {
    symbols: d.be64(),
    series: d.be64(),
    labelIndices: d.be64(),
    labelOffsetTable: d.be64(),
    postings: d.be64(),
    postingsTable: d.be64(),
  };
  for (const [k, v] of Object.entries(toc)) if (v >= source.size) fail(`TOC points ${k} at ${v}, past the end of the file`);
  return toc;
}

/** Reads a `len <4b> | contents | CRC32 <4b>` section at `offset`, checks it and decodes its contents. */
async function readSection<T>(
  source: ByteRangeSource,
  offset: number,
  what: string,
  fail: (d: string) => never,
  decode: (d: Decbuf) => T,
): Promise<T> {
  const lenBytes = await source.read(offset, 4);
  if (lenBytes.length < 4) fail(`${what} at ${offset}: truncated`);
  const len = be32At(lenBytes, 0);
  const body = await source.read(offset + 4, len + 4);
  if (body.length < len + 4) fail(`${what} at ${offset}: truncated (needs ${len + 8} bytes, file ends after ${body.length + 4})`);
  const want = be32At(body, len);
  const got = crc32c(body, 0, len);
  if (want !== got) fail(`${what} at ${offset}: CRC32 mismatch (stored 0x${hex(want)}, computed 0x${hex(got)})`);
  try {
    return decode(new Decbuf(body, 0, len));
  } catch (err) {
    return fail(`${what} at ${offset}: ${(err as Error).message}`);
  }
}

/** Index of `value` in `values` (sorted in Go's byte order), or -1. */
function findSorted(values: readonly string[], value: string): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareUtf8(values[mid]!, value) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length && values[lo] === value ? lo : -1;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
