// Thanos's aggregate chunk, the unit of downsampled data: chunk encoding 0xff in a block's chunk
// file, its data five sub-chunks in the order count, sum, min, max, counter. Each sub-chunk is a
// uvarint length of its bytes, then (when the length is not 0) its encoding byte and its bytes;
// length 0 marks the aggregate absent. Byte-compatible with Thanos's downsample.AggrChunk (whose
// native histogram series carry sum and counter as histogram chunks, and no min or max).
import { ChunkEncoding, type Aggregate, type Chunk } from "../types.js";

/** The sub-chunks in their order inside the aggregate chunk (Thanos's AggrType numbers 0..4). */
export const AGGREGATE_ORDER: readonly Aggregate[] = ["count", "sum", "min", "max", "counter"];

/** The sub-chunks of one aggregate chunk; absent ones are unset. */
export type AggrParts = Partial<Record<Aggregate, Chunk>>;

/** Encodes the aggregate chunk's data (what follows the 0xff encoding byte in a chunk file). */
export function encodeAggrChunk(parts: AggrParts): Uint8Array {
  let size = 0;
  for (const a of AGGREGATE_ORDER) size += 5 + 1 + (parts[a]?.data.length ?? 0);
  const out = new Uint8Array(size);
  let pos = 0;
  for (const a of AGGREGATE_ORDER) {
    const c = parts[a];
    if (c === undefined || c.data.length === 0) {
      out[pos++] = 0;
      continue;
    }
    pos = putUvarint32(out, pos, c.data.length);
    out[pos++] = c.encoding;
    out.set(c.data, pos);
    pos += c.data.length;
  }
  return out.slice(0, pos);
}

/**
 * The sub-chunks of an aggregate chunk's data (views into `data`, not copies). Throws an Error
 * naming the sub-chunk when the bytes are truncated or malformed.
 */
export function decodeAggrChunk(data: Uint8Array): AggrParts {
  const parts: AggrParts = {};
  let pos = 0;
  for (const a of AGGREGATE_ORDER) {
    const len = readUvarint32(data, pos);
    if (len === undefined) throw new Error(`aggregate chunk: ${a} sub-chunk: bad or truncated length at byte ${pos}`);
    pos = len.next;
    if (len.value === 0) continue;
    if (pos + 1 + len.value > data.length) {
      throw new Error(`aggregate chunk: ${a} sub-chunk: ${len.value} bytes claimed at byte ${pos}, only ${Math.max(0, data.length - pos - 1)} follow`);
    }
    const encoding = data[pos]! as ChunkEncoding;
    if (!encodingAllowed(a, encoding)) {
      throw new Error(`aggregate chunk: ${a} sub-chunk has encoding ${encoding}; XOR (1) is defined${HISTOGRAM_AGGREGATES.has(a) ? ", and for a native histogram series HISTOGRAM (2) or FLOAT_HISTOGRAM (3)" : ""}`);
    }
    parts[a] = { encoding, data: data.subarray(pos + 1, pos + 1 + len.value) };
    pos += 1 + len.value;
  }
  return parts;
}

/** Thanos's histogram aggregate chunks: count stays XOR, sum and counter are histogram chunks, min and max absent. */
const HISTOGRAM_AGGREGATES: ReadonlySet<Aggregate> = new Set(["sum", "counter"]);

function encodingAllowed(a: Aggregate, e: ChunkEncoding): boolean {
  if (e === ChunkEncoding.XOR) return true;
  return (e === ChunkEncoding.Histogram || e === ChunkEncoding.FloatHistogram) && HISTOGRAM_AGGREGATES.has(a);
}

// Sub-chunk lengths fit 32 bits; storeapi sits below stores/, whose WAL varint code it cannot import.
function putUvarint32(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

function readUvarint32(buf: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= buf.length) return undefined;
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { value, next: pos };
  }
  return undefined;
}
