// The local index-header of a bucket block (the role of Thanos's index-header): the parts of the
// index every query needs before it can read anything else — the first bytes, the symbol table,
// the postings offset table and the TOC — plus the file sizes, kept in --data-dir so a restart
// does not download them again. Everything else of the index stays in the bucket.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32c } from "../../../storeapi/index.js";
import { BlockError, CHUNKS_DIR, INDEX_FILE, INDEX_TOC_BYTES, type ByteRangeSource } from "../block/index.js";
import type { ObjectBucket } from "../objstore/index.js";

export const INDEX_HEADER_FILE = "index-header";
const HEADER_MAGIC = 0x4f495848; // "OIXH"
const HEADER_VERSION = 1;

/** A byte range of the index kept locally. */
interface Span {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface IndexHeader {
  readonly indexSize: number;
  /** Sizes of chunks/000001, … in order. */
  readonly segmentSizes: readonly number[];
  readonly spans: readonly Span[];
}

/**
 * The block's index-header from `dataDir/<ulid>/index-header`, or built from the bucket (and
 * written there) when it is missing or does not check out, or when `rebuild` says so. `rebuilt` says which happened.
 */
export async function loadIndexHeader(bucket: ObjectBucket, ulid: string, dataDir: string, rebuild = false): Promise<{ header: IndexHeader; rebuilt: boolean }> {
  const path = join(dataDir, ulid, INDEX_HEADER_FILE);
  const local = rebuild ? undefined : await readFile(path).catch(() => undefined);
  const parsed = local === undefined ? undefined : decodeIndexHeader(local);
  if (parsed !== undefined) return { header: parsed, rebuilt: false };
  const header = await buildIndexHeader(bucket, ulid);
  await mkdir(join(dataDir, ulid), { recursive: true });
  await writeFile(`${path}.tmp`, encodeIndexHeader(header));
  await rename(`${path}.tmp`, path);
  return { header, rebuilt: true };
}

/** Reads the header parts of `<ulid>/index` and the chunk segment sizes from the bucket. */
export async function buildIndexHeader(bucket: ObjectBucket, ulid: string): Promise<IndexHeader> {
  const indexName = `${ulid}/${INDEX_FILE}`;
  const indexSize = (await bucket.attributes(indexName)).size;
  if (indexSize < 5 + INDEX_TOC_BYTES) throw new BlockError(ulid, INDEX_FILE, `truncated: ${indexSize} bytes is too short for an index`);
  const tocOffset = indexSize - INDEX_TOC_BYTES;
  const toc = await bucket.getRange(indexName, tocOffset, INDEX_TOC_BYTES);
  const view = new DataView(toc.buffer, toc.byteOffset, toc.byteLength);
  const sectionAt = (k: number): number => view.getUint32(k * 8) * 0x1_0000_0000 + view.getUint32(k * 8 + 4);
  const spans: Span[] = [{ offset: 0, bytes: await bucket.getRange(indexName, 0, 5) }, { offset: tocOffset, bytes: toc }];
  // TOC entries 0 and 5: the symbol table and the postings offset table, each `len <4b> | body | CRC32 <4b>`.
  for (const k of [0, 5]) {
    const offset = sectionAt(k);
    if (offset + 4 > indexSize) throw new BlockError(ulid, INDEX_FILE, `TOC points a section at ${offset}, past the end of the file`);
    const lenBytes = await bucket.getRange(indexName, offset, 4);
    if (lenBytes.length < 4) throw new BlockError(ulid, INDEX_FILE, `section at ${offset}: truncated`);
    const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0);
    spans.push({ offset, bytes: await bucket.getRange(indexName, offset, Math.min(len + 8, indexSize - offset)) });
  }
  const segmentSizes: number[] = [];
  for await (const name of bucket.list(`${ulid}/${CHUNKS_DIR}`)) {
    if (/\/\d{6}$/.test(name)) segmentSizes.push((await bucket.attributes(name)).size);
  }
  return { indexSize, segmentSizes, spans };
}

export function encodeIndexHeader(h: IndexHeader): Uint8Array {
  const size = 4 + 1 + 8 + 4 + 8 * h.segmentSizes.length + 4 + h.spans.reduce((n, s) => n + 12 + s.bytes.length, 0) + 4;
  const buf = Buffer.alloc(size);
  let p = buf.writeUInt32BE(HEADER_MAGIC, 0);
  p = buf.writeUInt8(HEADER_VERSION, p);
  p = writeU64(buf, h.indexSize, p);
  p = buf.writeUInt32BE(h.segmentSizes.length, p);
  for (const s of h.segmentSizes) p = writeU64(buf, s, p);
  p = buf.writeUInt32BE(h.spans.length, p);
  for (const s of h.spans) {
    p = writeU64(buf, s.offset, p);
    p = buf.writeUInt32BE(s.bytes.length, p);
    buf.set(s.bytes, p);
    p += s.bytes.length;
  }
  buf.writeUInt32BE(crc32c(buf, 0, p), p);
  return buf;
}

/** The header in `bytes`, or undefined when they are not a whole, checked index-header of this version. */
export function decodeIndexHeader(bytes: Uint8Array): IndexHeader | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 + 1 + 8 + 4 + 4 + 4) return undefined;
  if (buf.readUInt32BE(buf.length - 4) !== crc32c(buf, 0, buf.length - 4)) return undefined;
  if (buf.readUInt32BE(0) !== HEADER_MAGIC || buf.readUInt8(4) !== HEADER_VERSION) return undefined;
  try {
    let p = 5;
    const indexSize = readU64(buf, p);
    p += 8;
    const segments = buf.readUInt32BE(p);
    p += 4;
    const segmentSizes: number[] = [];
    for (let i = 0; i < segments; i++, p += 8) segmentSizes.push(readU64(buf, p));
    const n = buf.readUInt32BE(p);
    p += 4;
    const spans: Span[] = [];
    for (let i = 0; i < n; i++) {
      const offset = readU64(buf, p);
      const len = buf.readUInt32BE(p + 8);
      p += 12;
      if (p + len > buf.length - 4) return undefined;
      spans.push({ offset, bytes: buf.subarray(p, p + len) });
      p += len;
    }
    return p === buf.length - 4 ? { indexSize, segmentSizes, spans } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The index as a source: reads inside the header's spans come from memory, the rest from `rest`
 * (the bucket). `dropSpans()` frees the spans once the index reader has parsed them.
 */
export function headerBackedSource(header: IndexHeader, rest: ByteRangeSource): ByteRangeSource & { dropSpans(): void } {
  let spans = header.spans;
  return {
    size: header.indexSize,
    async read(offset, length) {
      const end = Math.min(offset + length, header.indexSize);
      for (const s of spans) {
        if (offset >= s.offset && end <= s.offset + s.bytes.length) return s.bytes.subarray(offset - s.offset, end - s.offset);
      }
      return rest.read(offset, length);
    },
    close: () => rest.close(),
    dropSpans() {
      spans = [];
    },
  };
}

function writeU64(buf: Buffer, n: number, p: number): number {
  buf.writeUInt32BE(Math.floor(n / 0x1_0000_0000), p);
  return buf.writeUInt32BE(n % 0x1_0000_0000, p + 4);
}

function readU64(buf: Buffer, p: number): number {
  return buf.readUInt32BE(p) * 0x1_0000_0000 + buf.readUInt32BE(p + 4);
}
