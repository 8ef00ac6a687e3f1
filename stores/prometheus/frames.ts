// Reads remote_read's STREAMED_XOR_CHUNKS body: frames of [uvarint length][CRC32C of the message,
// big-endian uint32][ChunkedReadResponse]. Every CRC is checked; a short or corrupt frame is an error
// naming the frame and its byte offset in the body.
import { crc32c, prompb, type PrompbChunkedReadResponse } from "../../storeapi/index.js";

/** Frames larger than this are refused (Prometheus sends about 1 MiB at most by default). */
export const MAX_FRAME_BYTES = 64 << 20;

/** A malformed remote_read stream: what is wrong, in which frame, at which byte of the body. */
export class FrameError extends Error {
  override name = "FrameError";
}

/** Bytes received but not yet consumed, across network chunks; joined only once a frame is whole. */
class ByteQueue {
  private parts: Uint8Array[] = [];
  /** Bytes in parts, less what was consumed of parts[0]. */
  length = 0;
  /** Body offset of the first unconsumed byte. */
  offset = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.length += chunk.length;
  }

  /** Makes parts[0] hold at least n bytes (n <= length). */
  private gather(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.parts[0]!;
    if (first.length >= n) return first;
    const joined = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      joined.set(p, at);
      at += p.length;
    }
    this.parts = [joined];
    return joined;
  }

  byte(i: number): number {
    return this.gather(Math.min(this.length, 16))[i]!;
  }

  /** Consumes n bytes (n <= length); the result is a view no later push overwrites. */
  take(n: number): Uint8Array {
    const head = this.gather(n);
    const out = head.subarray(0, n);
    if (n === 0) return out;
    if (head.length === n) this.parts.shift();
    else this.parts[0] = head.subarray(n);
    this.length -= n;
    this.offset += n;
    return out;
  }
}

/** Length prefix at the head of q: [value, bytes used], or undefined when q holds too few bytes yet. */
function peekUvarint(q: ByteQueue, frame: number): [number, number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (i >= q.length) return undefined;
    const b = q.byte(i);
    value += (b & 0x7f) * mul;
    if (b < 0x80) return [value, i + 1];
    mul *= 128;
  }
  throw new FrameError(`frame ${frame} at byte ${q.offset}: overlong length varint`);
}

/** Decodes the frames of a streamed remote_read body, checking each CRC32C. */
export async function* readChunkedFrames(body: AsyncIterable<Uint8Array>): AsyncGenerator<PrompbChunkedReadResponse> {
  const q = new ByteQueue();
  let frame = 0;
  for await (const chunk of body) {
    q.push(chunk);
    for (;;) {
      const head = peekUvarint(q, frame);
      if (head === undefined) break;
      const [size, used] = head;
      if (size > MAX_FRAME_BYTES) throw new FrameError(`frame ${frame} at byte ${q.offset}: length ${size} exceeds ${MAX_FRAME_BYTES}`);
      if (q.length < used + 4 + size) break;
      const at = q.offset;
      q.take(used);
      const c = q.take(4);
      const want = ((c[0]! << 24) | (c[1]! << 16) | (c[2]! << 8) | c[3]!) >>> 0;
      const msg = q.take(size);
      const got = crc32c(msg);
      if (got !== want) {
        throw new FrameError(`frame ${frame} at byte ${at}: CRC32C mismatch (got ${hex(got)}, frame says ${hex(want)})`);
      }
      let decoded: PrompbChunkedReadResponse;
      try {
        decoded = prompb.ChunkedReadResponse.decode(msg) as unknown as PrompbChunkedReadResponse;
      } catch (err) {
        throw new FrameError(`frame ${frame} at byte ${at}: not a ChunkedReadResponse: ${(err as Error).message}`);
      }
      frame++;
      yield decoded;
    }
  }
  if (q.length > 0) throw new FrameError(`truncated frame ${frame} at byte ${q.offset}: ${q.length} bytes left at the end of the body`);
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}
