// Snappy block decoding with every length and offset checked: damaged or hostile input is an
// error naming what is wrong, never an endless loop or a write past the output (snappyjs's
// decoder loops forever on some 21-byte inputs, so remote_write and remote_read decode here).

import { scratchCapacity } from "./scratch-capacity.js";

export class SnappyError extends Error {}

/** The uncompressed length a snappy block declares (its leading varint), or -1 when malformed. */
export function snappyDeclaredLength(b: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < b.length; i++, shift += 7) {
    const c = b[i]!;
    result += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return result <= 0xffffffff ? result : -1;
  }
  return -1;
}

/** Decodes of a block of every tag kind as the module loads (see the end of this file). */
const PRIMING_CALLS = 32;

/** Literals up to this many bytes are copied in a loop rather than through a view. */
const SHORT_LITERAL = 64;

function varintSize(b: Uint8Array): number {
  let i = 0;
  while (b[i]! >= 0x80) i++;
  return i + 1;
}

/**
 * The decoded bytes of a snappy block of at most `maxBytes`. Throws SnappyError. With `into` at
 * least the declared length, they are written there (the result is a view of it); with a smaller
 * `into`, into a new buffer with room to spare (scratchCapacity), for the caller to keep instead.
 */
export function snappyUncompress(input: Uint8Array, maxBytes: number, into?: Uint8Array): Uint8Array {
  // Read through a plain Uint8Array view: Buffers have maps of their own (one made in JS, another
  // made in C++, as a socket's data is), and the decoder's optimized code deopts on a map it has not met.
  const src = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const len = snappyDeclaredLength(src);
  if (len < 0) throw new SnappyError("bad length header");
  if (len > maxBytes) throw new SnappyError(`declared length ${len} exceeds the limit of ${maxBytes}`);
  const out =
    into === undefined
      ? new Uint8Array(len)
      : into.length >= len
        ? new Uint8Array(into.buffer, into.byteOffset, len)
        : new Uint8Array(Math.min(scratchCapacity(len), maxBytes)).subarray(0, len);
  let pos = varintSize(src);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++]!;
    const kind = tag & 3;
    let n: number;
    if (kind === 0) {
      n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (pos + extra > src.length) throw new SnappyError(`literal length at byte ${pos - 1} runs past the input`);
        // Integer arithmetic: a float here would make pos a float, and the loop's code deopt and index slower.
        n = src[pos]!;
        if (extra > 1) n |= src[pos + 1]! << 8;
        if (extra > 2) n |= src[pos + 2]! << 16;
        if (extra > 3) n += src[pos + 3]! * 16777216;
        pos += extra;
      }
      n += 1;
      if (n > src.length - pos) throw new SnappyError(`literal of ${n} bytes at byte ${pos} runs past the input`);
      if (n > len - o) throw new SnappyError(`output exceeds the declared length ${len}`);
      // Short literals (most of them) byte by byte: a subarray view per literal costs more than the copy.
      if (n <= SHORT_LITERAL) for (let k = 0; k < n; k++) out[o + k] = src[pos + k]!;
      else out.set(src.subarray(pos, pos + n), o);
      pos += n;
      o += n;
      continue;
    }
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > src.length) throw new SnappyError(`copy at byte ${pos - 1} runs past the input`);
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > src.length) throw new SnappyError(`copy at byte ${pos - 1} runs past the input`);
      n = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > src.length) throw new SnappyError(`copy at byte ${pos - 1} runs past the input`);
      n = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) + src[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > o) throw new SnappyError(`copy offset ${offset} at output byte ${o} is out of range`);
    if (n > len - o) throw new SnappyError(`output exceeds the declared length ${len}`);
    // Byte by byte: a copy may overlap the bytes it writes (a run).
    for (let k = 0; k < n; k++) out[o + k] = out[o - offset + k]!;
    o += n;
  }
  if (o !== len) throw new SnappyError(`decoded ${o} bytes, the header declares ${len}`);
  return out;
}

/**
 * A block with one element of every kind the decoder reads: literals with their length in the tag
 * and in 1–4 extra bytes, one longer than SHORT_LITERAL, and copies with 1-, 2- and 4-byte offsets.
 */
function everyTagKind(): Uint8Array {
  const literal = (lengthBytes: number, n: number): number[] => {
    const tag = lengthBytes === 0 ? (n - 1) << 2 : (59 + lengthBytes) << 2;
    const length = Array.from({ length: lengthBytes }, (_, k) => ((n - 1) >>> (8 * k)) & 0xff);
    return [tag, ...length, ...Array.from({ length: n }, (_, i) => (i * 7) & 0xff)];
  };
  const elements = [
    ...literal(0, 4),
    ...literal(1, SHORT_LITERAL + 1),
    ...literal(2, 2),
    ...literal(3, 2),
    ...literal(4, 2),
    ((8 - 4) << 2) | 1, 16, // copy: 8 bytes from 16 back, 1-byte offset
    ((8 - 1) << 2) | 2, 16, 0, // 2-byte offset
    ((8 - 1) << 2) | 3, 16, 0, 0, 0, // 4-byte offset
  ];
  const decoded = 4 + SHORT_LITERAL + 1 + 2 + 2 + 2 + 8 + 8 + 8;
  return Uint8Array.from([decoded, ...elements]);
}

// Decoded as the module loads, so V8's first optimized code of the decoder covers every tag kind,
// into a buffer given or its own: otherwise the first long literal (typically the first
// remote_write body with new label values) deopts it, and the rest of that body decodes in the
// interpreter (~10 ms a MB). V8 records type feedback only once a function has run a few times
// (lazy feedback allocation), hence the repeats.
function primeDecoder(): void {
  const block = everyTagKind();
  const into = new Uint8Array(block.length);
  for (let i = 0; i < PRIMING_CALLS; i++) snappyUncompress(block, 1 << 10, i % 2 === 0 ? undefined : into);
}
primeDecoder();
