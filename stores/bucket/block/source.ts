// Byte-range access to a block's files: a local file here; object storage's getRange plugs in
// through the same interface, so the readers never know where the bytes live.
import { open, type FileHandle } from "node:fs/promises";
import type { ObjectBucket } from "../objstore/index.js";

/** One file readable by range. Reads past the end return fewer bytes, never throw for that. */
export interface ByteRangeSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A local file read with an fs.FileHandle. */
export async function openFileSource(path: string): Promise<ByteRangeSource> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    return new FileSource(fh, size);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

class FileSource implements ByteRangeSource {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Bytes in memory as a source (tests, small files). */
export function bytesSource(bytes: Uint8Array): ByteRangeSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
    close: async () => {},
  };
}

/**
 * Reads forward through a source in windows, so many small adjacent reads (series entries,
 * chunks of one series) cost one I/O each window rather than one each.
 */
export class WindowedReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly source: ByteRangeSource,
    private readonly windowBytes = 64 * 1024,
  ) {}

  /** Bytes [offset, offset+length), fewer at the end of the file. The view is valid until the next call. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    if (offset >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(offset - this.windowStart, end - this.windowStart);
    }
    if (length > this.windowBytes) return this.source.read(offset, length);
    this.window = await this.source.read(offset, this.windowBytes);
    this.windowStart = offset;
    return this.window.subarray(0, Math.min(length, this.window.length));
  }
}

/**
 * An object in a bucket as a source, read by range GETs. A read shorter than `minReadBytes` fetches
 * that much and keeps it, so nearby small reads (a section's length, then its body; neighbouring
 * postings lists) share one GET.
 */
export function bucketObjectSource(bucket: ObjectBucket, name: string, size: number, minReadBytes = 16 * 1024): ByteRangeSource {
  let kept: Uint8Array = new Uint8Array(0);
  let keptStart = 0;
  return {
    size,
    async read(offset, length) {
      const end = Math.min(offset + length, size);
      if (offset >= size) return new Uint8Array(0);
      if (offset >= keptStart && end <= keptStart + kept.length) return kept.subarray(offset - keptStart, end - keptStart);
      if (end - offset >= minReadBytes) return bucket.getRange(name, offset, end - offset);
      kept = await bucket.getRange(name, offset, Math.min(minReadBytes, size - offset));
      keptStart = offset;
      return kept.subarray(0, Math.min(end - offset, kept.length));
    },
    close: async () => {
      kept = new Uint8Array(0);
    },
  };
}

/** Range reads of one batch (series entries, chunks) in flight at once. */
export const READ_CONCURRENCY = 8;

/** One read covering several wanted offsets: bytes [start, end) hold items first..last (indices into the sorted offsets). */
export interface ReadPartition {
  readonly start: number;
  readonly end: number;
  readonly first: number;
  readonly last: number;
}

/**
 * Groups ascending `offsets` into few reads (Thanos's gap-based partitioner): an item joins the
 * previous read when it starts within `maxGap` bytes of that read's end; each item is assumed to
 * take at most `itemBytes` (a reader re-reads alone any item that turns out longer).
 */
export function partitionReads(offsets: ArrayLike<number>, itemBytes: number, maxGap: number): ReadPartition[] {
  const out: ReadPartition[] = [];
  let first = 0;
  let start = 0;
  let end = 0;
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    if (i > 0 && o <= end + maxGap) {
      end = Math.max(end, o + itemBytes);
      continue;
    }
    if (i > 0) out.push({ start, end, first, last: i - 1 });
    first = i;
    start = o;
    end = o + itemBytes;
  }
  if (offsets.length > 0) out.push({ start, end, first, last: offsets.length - 1 });
  return out;
}

/** Runs `work` on every item with at most `limit` running at once; results in item order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
