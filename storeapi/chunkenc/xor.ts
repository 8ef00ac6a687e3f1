// The XOR (Gorilla) chunk, byte-identical to Prometheus's tsdb/chunkenc XOR encoding:
// a 2-byte big-endian sample count, then a bit stream (most significant bit first):
//   sample 0: varint(t) (zigzag), 64 raw value bits
//   sample 1: uvarint(t - t0), XOR value
//   sample n: delta-of-delta of t in buckets '0' | '10'+14 | '110'+17 | '1110'+20 | '1111'+64, XOR value
// XOR value: '0' same value | '10' + bits in the previous window | '11' + 5b leading + 6b sigbits (64→0) + bits.
// 64-bit quantities are handled as two uint32 halves (hi, lo); never BigInt.
import { FloatBits, HI, LO, isStaleNaN, STALE_NAN_HI, STALE_NAN_LO } from "./float-bits.js";

const TWO_32 = 4294967296;
const HEADER_BYTES = 2;
/** Prometheus's head cuts a chunk at this many samples; so do our stores. */
export const XOR_CHUNK_TARGET_SAMPLES = 120;
const MAX_SAMPLES = 0xffff;

/** Number of samples in an XOR chunk, from its header. */
export function xorChunkNumSamples(bytes: Uint8Array): number {
  return xorChunkNumSamplesAt(bytes, 0, bytes.length);
}

/** xorChunkNumSamples of the chunk of `length` bytes at `at` in `bytes` (no view of it made). */
export function xorChunkNumSamplesAt(bytes: Uint8Array, at: number, length: number): number {
  if (length < HEADER_BYTES) return 0;
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/**
 * Why an XOR chunk's bytes cannot be what its header claims (too short for the sample count,
 * or bytes after a zero count), or undefined. A cheap check for chunks from other processes.
 */
export function xorChunkHeaderError(bytes: Uint8Array): string | undefined {
  if (bytes.length < HEADER_BYTES) return `${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  const n = xorChunkNumSamples(bytes);
  if (n === 0) return bytes.length === HEADER_BYTES ? undefined : `header says 0 samples but ${bytes.length - HEADER_BYTES} bytes follow`;
  // Fewest bits: sample 0 a 1-byte varint and 64 value bits; sample 1 a 1-byte uvarint and a '0'; then '0' dod + '0' value.
  const minBits = 72 + (n > 1 ? 9 : 0) + Math.max(0, n - 2) * 2;
  const minBytes = HEADER_BYTES + Math.ceil(minBits / 8);
  if (bytes.length < minBytes) return `header says ${n} samples but only ${bytes.length} bytes (at least ${minBytes} needed)`;
  return undefined;
}

function leadingZeros64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function trailingZeros64(hi: number, lo: number): number {
  return lo !== 0 ? trailingZeros32(lo) : 32 + trailingZeros32(hi);
}

/**
 * An appender's state outside its object (XorChunk.saveTo): the bytes' start, end of room and length
 * in the buffer, free | trailing << 4 | leading << 11, the count, the last time and time delta, and the
 * last value's halves.
 */
export const XOR_SLOT_DOUBLES = 9;
const S_START = 0;
const S_END = 1;
const S_LEN = 2;
const S_BITS = 3;
const S_COUNT = 4;
const S_T = 5;
const S_TDELTA = 6;
const S_VHI = 7;
const S_VLO = 8;

/** 2^31: the last sample's time is kept as tHi * T_SPLIT + tLo, two small integers. */
const T_SPLIT = 2147483648;

/**
 * An XOR chunk being appended to in place; bytes() is always a valid Prometheus chunk. Its fields
 * hold small integers (a time as two, value halves as signed int32; a time delta past 2^31 ms aside)
 * and its bytes may be a region of a shared block: a double field or a Uint8Array of its own would
 * each be one more object per chunk for the scavenger to copy when a head creates series.
 */
export class XorChunk {
  /** The chunk's bytes are buf[start, len); buf[len, end) is room to grow into. */
  private buf!: Uint8Array;
  private start = 0;
  private end = 0;
  private len = 0;
  /** Unused low bits in the last byte written (0: the next bit starts a new byte). */
  private free = 0;
  private count = 0;
  private tHi = 0;
  private tLo = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0xff;
  private trailing = 0;
  /** Shared by every chunk of one owner (a head): it is only used inside append. */
  readonly scratch: FloatBits;

  /**
   * With `block`, the chunk starts in block[at, at + capacity) (zeroed, at least 16 bytes), and moves
   * to a bigger buffer of its own once it outgrows that.
   */
  constructor(capacity = 128, scratch: FloatBits = new FloatBits(), block?: Uint8Array, at = 0) {
    this.scratch = scratch;
    this.reset(capacity, block, at);
  }

  /**
   * Makes this an empty chunk again, placed as the constructor places one: a head appends every
   * series' open chunk through one XorChunk, its state kept in the series' slot (saveTo, loadFrom).
   */
  reset(capacity: number, block?: Uint8Array, at = 0): void {
    const size = Math.max(capacity, 16);
    if (block !== undefined && at + size <= block.length) {
      this.buf = block;
      this.start = at;
    } else {
      this.buf = new Uint8Array(size);
      this.start = 0;
    }
    this.end = this.start + size;
    this.len = this.start + HEADER_BYTES;
    this.free = 0;
    this.count = 0;
    this.tHi = 0;
    this.tLo = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0xff;
    this.trailing = 0;
  }

  /**
   * Writes the appender state to slot[at, at + XOR_SLOT_DOUBLES) and returns the buffer: loadFrom
   * with both continues the chunk exactly.
   */
  saveTo(slot: Float64Array, at: number): Uint8Array {
    slot[at + S_START] = this.start;
    slot[at + S_END] = this.end;
    slot[at + S_LEN] = this.len;
    slot[at + S_BITS] = this.free + this.trailing * 16 + this.leading * 2048;
    slot[at + S_COUNT] = this.count;
    slot[at + S_T] = this.time();
    slot[at + S_TDELTA] = this.tDelta;
    slot[at + S_VHI] = this.vHi;
    slot[at + S_VLO] = this.vLo;
    return this.buf;
  }

  /** Continues the chunk saveTo wrote to `slot` at `at`, whose buffer it returned. */
  loadFrom(buf: Uint8Array, slot: Float64Array, at: number): void {
    this.buf = buf;
    // `| 0`: a double read from the slot stored as it is would make these fields boxed doubles (see setTime).
    this.start = slot[at + S_START]! | 0;
    this.end = slot[at + S_END]! | 0;
    this.len = slot[at + S_LEN]! | 0;
    const bits = slot[at + S_BITS]! | 0;
    this.free = bits & 15;
    this.trailing = (bits >>> 4) & 127;
    this.leading = bits >>> 11;
    this.count = slot[at + S_COUNT]! | 0;
    this.setTime(slot[at + S_T]!);
    this.setTimeDelta(slot[at + S_TDELTA]!);
    this.vHi = slot[at + S_VHI]! | 0;
    this.vLo = slot[at + S_VLO]! | 0;
  }

  /** Samples in the chunk saved at slot[at]. */
  static savedSamples(slot: Float64Array, at: number): number {
    return slot[at + S_COUNT]!;
  }

  /** The bytes of the chunk saved at slot[at] in `buf`: a view, valid until its next append. */
  static savedBytes(buf: Uint8Array, slot: Float64Array, at: number): Uint8Array {
    return buf.subarray(slot[at + S_START]!, slot[at + S_LEN]!);
  }

  /** Bytes of room the chunk saved at slot[at] has in its buffer (its bytes and the space after them). */
  static savedRoom(slot: Float64Array, at: number): number {
    return slot[at + S_END]! - slot[at + S_START]!;
  }

  /** snapshot() of the chunk saved at slot[at] in `buf`. */
  static savedSnapshot(buf: Uint8Array, slot: Float64Array, at: number): XorChunkSnapshot {
    return new XorChunkSnapshot(buf, slot[at + S_START]!, slot[at + S_LEN]!, slot[at + S_COUNT]!, slot[at + S_BITS]! & 15);
  }

  /** A chunk that continues appending to existing chunk bytes (copied). Throws on corrupt bytes. */
  static fromBytes(bytes: Uint8Array): XorChunk {
    const chunk = new XorChunk(Math.max(128, bytes.length * 2));
    chunk.buf.set(bytes);
    chunk.len = bytes.length;
    const it = new XorChunkIterator(bytes);
    while (it.next()) {
      // replay to recover the appender state
    }
    if (it.err !== undefined) throw new Error(`XorChunk.fromBytes: ${it.err}`);
    chunk.restore(it.state());
    return chunk;
  }

  private restore(s: XorAppendState): void {
    this.count = s.count;
    this.setTime(s.t);
    this.setTimeDelta(s.tDelta);
    this.vHi = s.vHi | 0;
    this.vLo = s.vLo | 0;
    // A chunk with no XOR window yet continues as a fresh one would (Prometheus's resumed appender would
    // instead reuse a 0/0 window and spend 64 bits; both decode the same).
    this.leading = s.windowSet ? s.leading : 0xff;
    this.trailing = s.trailing;
    this.free = (8 - (s.bitPos & 7)) & 7;
    this.len = this.start + (s.count === 0 ? HEADER_BYTES : (s.bitPos + 7) >>> 3);
  }

  /** Time of the last sample appended. */
  private time(): number {
    return this.tHi * T_SPLIT + this.tLo;
  }

  // `| 0` makes every value a small integer even in unoptimized code, where arithmetic on a time gives a
  // HeapNumber: storing one would turn the field into a boxed double for every chunk after.
  private setTime(t: number): void {
    const hi = Math.floor(t / T_SPLIT);
    this.tHi = hi | 0;
    this.tLo = (t - hi * T_SPLIT) | 0;
  }

  private setTimeDelta(d: number): void {
    this.tDelta = d === (d | 0) ? d | 0 : d;
  }

  /** Samples appended so far. */
  numSamples(): number {
    return this.count;
  }

  /** The chunk's bytes: a view without copying, valid until the next append. */
  bytes(): Uint8Array {
    return this.buf.subarray(this.start, this.len);
  }

  /**
   * The chunk as it is now, copied only if its bytes are asked for: appends only set the header's
   * count and bits after the current end, so the bytes as of now can be rebuilt from this buffer later.
   */
  snapshot(): XorChunkSnapshot {
    return new XorChunkSnapshot(this.buf, this.start, this.len, this.count, this.free);
  }

  /** Timestamp of the last sample appended (undefined when empty). */
  lastTime(): number | undefined {
    return this.count === 0 ? undefined : this.time();
  }

  /** Appends a sample; t must be a safe integer not below the previous sample's. */
  append(t: number, v: number): void {
    if (!Number.isSafeInteger(t)) throw new RangeError(`XorChunk.append: timestamp ${t} is not a safe integer`);
    if (this.count >= MAX_SAMPLES) throw new RangeError("XorChunk.append: chunk is full (65535 samples)");
    const prevT = this.time();
    if (this.count > 0 && t < prevT) {
      throw new RangeError(`XorChunk.append: timestamp ${t} is before the previous sample's ${prevT}`);
    }
    const s = this.scratch;
    let hi: number;
    let lo: number;
    if (isStaleNaN(v, s)) {
      // Normalise the quieted form back to Prometheus's exact stale bits.
      hi = STALE_NAN_HI;
      lo = STALE_NAN_LO;
    } else {
      s.set(v);
      hi = s.hi();
      lo = s.lo();
    }
    if (this.count === 0) {
      this.writeVarint(t);
      this.writeBits(hi, 32);
      this.writeBits(lo, 32);
      this.tDelta = 0;
    } else if (this.count === 1) {
      const tDelta = t - prevT;
      this.writeUvarint(tDelta);
      this.writeValue(hi, lo);
      this.setTimeDelta(tDelta);
    } else {
      const tDelta = t - prevT;
      this.writeDod(tDelta - this.tDelta);
      this.writeValue(hi, lo);
      this.setTimeDelta(tDelta);
    }
    this.setTime(t);
    this.vHi = hi | 0;
    this.vLo = lo | 0;
    this.count++;
    this.buf[this.start] = this.count >>> 8;
    this.buf[this.start + 1] = this.count & 0xff;
  }

  private writeDod(dod: number): void {
    if (dod === 0) {
      this.writeBits(0, 1);
    } else if (dod >= -8191 && dod <= 8192) {
      this.writeBits(0b10, 2);
      this.writeBits(dod & 0x3fff, 14);
    } else if (dod >= -65535 && dod <= 65536) {
      this.writeBits(0b110, 3);
      this.writeBits(dod & 0x1ffff, 17);
    } else if (dod >= -524287 && dod <= 524288) {
      this.writeBits(0b1110, 4);
      this.writeBits(dod & 0xfffff, 20);
    } else {
      this.writeBits(0b1111, 4);
      this.writeBits(Math.floor(dod / TWO_32) >>> 0, 32);
      this.writeBits(dod >>> 0, 32);
    }
  }

  private writeValue(hi: number, lo: number): void {
    const dHi = (hi ^ this.vHi) >>> 0;
    const dLo = (lo ^ this.vLo) >>> 0;
    if (dHi === 0 && dLo === 0) {
      this.writeBits(0, 1);
      return;
    }
    let leading = leadingZeros64(dHi, dLo);
    const trailing = trailingZeros64(dHi, dLo);
    // Prometheus clamps leading zeros to fit its 5-bit field.
    if (leading >= 32) leading = 31;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      this.writeBits(0b10, 2);
      this.writeShifted(dHi, dLo, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sigbits = 64 - leading - trailing;
    this.writeBits(0b11, 2);
    this.writeBits(leading, 5);
    this.writeBits(sigbits & 63, 6);
    this.writeShifted(dHi, dLo, trailing, sigbits);
  }

  /** Writes the low n bits of (hi:lo) >> shift. */
  private writeShifted(hi: number, lo: number, shift: number, n: number): void {
    let sHi: number;
    let sLo: number;
    if (shift === 0) {
      sHi = hi;
      sLo = lo;
    } else if (shift < 32) {
      sHi = hi >>> shift;
      sLo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    } else {
      sHi = 0;
      sLo = hi >>> (shift - 32);
    }
    if (n > 32) {
      this.writeBits(sHi, n - 32);
      this.writeBits(sLo, 32);
    } else {
      this.writeBits(sLo, n);
    }
  }

  /** Go's binary.PutVarint: zigzag, then uvarint. */
  private writeVarint(x: number): void {
    let hi = Math.floor(x / TWO_32) | 0;
    let lo = x >>> 0;
    // zigzag: (x << 1) ^ (x >> 63)
    const sign = hi >> 31;
    hi = ((hi << 1) | (lo >>> 31)) ^ sign;
    lo = (lo << 1) ^ sign;
    this.writeUvarint64(hi >>> 0, lo >>> 0);
  }

  private writeUvarint(x: number): void {
    this.writeUvarint64(Math.floor(x / TWO_32) >>> 0, x >>> 0);
  }

  private writeUvarint64(hi: number, lo: number): void {
    while (hi !== 0 || lo >= 0x80) {
      this.writeBits((lo & 0x7f) | 0x80, 8);
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.writeBits(lo, 8);
  }

  /** Writes the low n (1..32) bits of value, most significant first. */
  private writeBits(value: number, n: number): void {
    while (n > 0) {
      if (this.free === 0) {
        if (this.len === this.end) this.grow();
        this.buf[this.len++] = 0;
        this.free = 8;
      }
      const take = n < this.free ? n : this.free;
      const bits = (value >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.len - 1]! |= bits << (this.free - take);
      this.free -= take;
      n -= take;
    }
  }

  private grow(): void {
    const next = new Uint8Array((this.end - this.start) * 2);
    next.set(this.buf.subarray(this.start, this.len));
    this.len -= this.start;
    this.buf = next;
    this.start = 0;
    this.end = next.length;
  }
}

/** Where a snapshot's bytes are copied to: a slab of shared blocks, or a fresh array each. */
export interface ByteCopier {
  copy(view: Uint8Array): Uint8Array;
}

const SLICE: ByteCopier = { copy: (view) => view.slice() };

/** An XorChunk's bytes as they were when snapshot() was called, rebuilt (once) when first asked for. */
export class XorChunkSnapshot {
  private copy: Uint8Array | undefined = undefined;

  constructor(
    /** The chunk's buffer then, its bytes at [start, len): appends since may have set the header and bits past `free`, or moved on to a bigger buffer. */
    private readonly buf: Uint8Array,
    private readonly start: number,
    private readonly len: number,
    private readonly count: number,
    private readonly free: number,
  ) {}

  /** The bytes, copied (the first time) by `copier`, whose copy() must return a copy of what it is given. */
  bytes(copier: ByteCopier = SLICE): Uint8Array {
    if (this.copy !== undefined) return this.copy;
    const out = copier.copy(this.buf.subarray(this.start, this.len));
    const len = out.length;
    out[0] = this.count >>> 8;
    out[1] = this.count & 0xff;
    if (len > HEADER_BYTES) out[len - 1] = out[len - 1]! & (0xff << this.free);
    this.copy = out;
    return out;
  }
}

/** The appender state at the end of a chunk, recovered by an iterator. */
interface XorAppendState {
  readonly count: number;
  readonly t: number;
  readonly tDelta: number;
  readonly vHi: number;
  readonly vLo: number;
  readonly leading: number;
  readonly trailing: number;
  readonly windowSet: boolean;
  readonly bitPos: number;
}

/**
 * Iterates an XOR chunk's samples without allocating: call next(), then read t and v.
 * On corrupt bytes next() returns false and err says why.
 */
export class XorChunkIterator {
  /** Timestamp of the current sample (ms). */
  t = 0;
  /** Value of the current sample. */
  v = 0;
  /** Why iteration stopped early, when the chunk is corrupt. */
  err: string | undefined = undefined;
  /**
   * Set by decodeXorChunk when it wrote a NaN or an infinity (a stale marker is a NaN), never cleared
   * by it: a caller that clears it before decoding a series knows whether to look for stale markers.
   */
  nonFinite = false;
  private data: Uint8Array;
  private bitLen: number;
  private pos = HEADER_BYTES * 8;
  private total: number;
  private read = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0;
  private trailing = 0;
  private windowSet = false;
  private readonly scratch = new FloatBits();
  /** decodeXorChunk's padded copy of the chunk, made on first use. */
  private padded = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)) };

  constructor(bytes: Uint8Array) {
    this.data = bytes;
    this.bitLen = bytes.length * 8;
    this.total = xorChunkNumSamples(bytes);
    if (bytes.length < HEADER_BYTES) this.err = "XOR chunk shorter than its 2-byte header";
  }

  /** Restarts on new chunk bytes, reusing this iterator. */
  reset(bytes: Uint8Array): void {
    this.data = bytes;
    this.bitLen = bytes.length * 8;
    this.total = xorChunkNumSamples(bytes);
    this.err = bytes.length < HEADER_BYTES ? "XOR chunk shorter than its 2-byte header" : undefined;
    this.pos = HEADER_BYTES * 8;
    this.read = 0;
    this.t = 0;
    this.v = 0;
    this.tDelta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.windowSet = false;
  }

  /** Number of samples the chunk holds. */
  numSamples(): number {
    return this.total;
  }

  /** Advances to the first sample at or after t (staying put if already there). */
  seek(t: number): boolean {
    if (this.read > 0 && this.t >= t) return true;
    while (this.next()) {
      if (this.t >= t) return true;
    }
    return false;
  }

  /** Advances to the next sample; false at the end or on corrupt data (see err). */
  next(): boolean {
    if (this.read >= this.total || this.err !== undefined) return false;
    if (this.read === 0) {
      const t = this.readVarint();
      const hi = this.readBits(32);
      const lo = this.readBits(32);
      if (this.err !== undefined) return false;
      this.t = t;
      this.vHi = hi;
      this.vLo = lo;
      this.v = this.scratch.fromBits(hi, lo);
      this.read = 1;
      return true;
    }
    if (this.read === 1) {
      this.tDelta = this.readUvarintAsInt();
    } else {
      this.tDelta += this.readDod();
    }
    this.readValue();
    if (this.err !== undefined) return false;
    this.t += this.tDelta;
    this.read++;
    return true;
  }

  private wordsFor: Float64Array = new Float64Array(0);
  private words: Int32Array = new Int32Array(0);

  /** The int32 words of a float array (decodeXorChunk's output), the last one's view reused. */
  wordsOf(f: Float64Array): Int32Array {
    if (f !== this.wordsFor) {
      this.wordsFor = f;
      this.words = new Int32Array(f.buffer, f.byteOffset, 2 * f.length);
    }
    return this.words;
  }

  private viewBuffer: ArrayBufferLike | undefined = undefined;
  private bufferView: DataView = new DataView(new ArrayBuffer(0));

  /** A big-endian view of a whole buffer (the last one's reused: a run of chunks shares a few slabs). */
  viewOf(buffer: ArrayBufferLike): DataView {
    if (buffer !== this.viewBuffer) {
      this.viewBuffer = buffer;
      this.bufferView = new DataView(buffer);
    }
    return this.bufferView;
  }

  /** Where decodeXorChunk's loop ended on the last chunk. */
  readonly run: XorRunEnd = { pos: 0, forward: true, nonFinite: 0, broken: false };

  private samples = { t: new Float64Array(0), v: new Float64Array(0) };

  /** Room for n samples, for decodeNewestXorSample (grown, never shrunk). */
  sampleScratch(n: number): { readonly t: Float64Array; readonly v: Float64Array } {
    if (this.samples.t.length < n) {
      const size = Math.max(n, 2 * this.samples.t.length);
      this.samples = { t: new Float64Array(size), v: new Float64Array(size) };
    }
    return this.samples;
  }

  /** A scratch of at least n bytes for decodeXorChunk, with its view (grown, never shrunk). */
  byteScratch(n: number): { readonly bytes: Uint8Array; readonly view: DataView } {
    if (this.padded.bytes.length < n) {
      const bytes = new Uint8Array(Math.max(n, 256, 2 * this.padded.bytes.length));
      this.padded = { bytes, view: new DataView(bytes.buffer) };
    }
    return this.padded;
  }

  /** State for continuing to append after the samples read so far. */
  state(): XorAppendState {
    return {
      count: this.read,
      t: this.t,
      tDelta: this.tDelta,
      vHi: this.vHi,
      vLo: this.vLo,
      leading: this.leading,
      trailing: this.trailing,
      windowSet: this.windowSet,
      bitPos: this.pos,
    };
  }

  private readDod(): number {
    if (this.readBit() === 0) return 0;
    if (this.readBit() === 0) return signExtend(this.readBits(14), 14);
    if (this.readBit() === 0) return signExtend(this.readBits(17), 17);
    if (this.readBit() === 0) return signExtend(this.readBits(20), 20);
    const hi = this.readBits(32);
    const lo = this.readBits(32);
    return (hi | 0) * TWO_32 + lo;
  }

  private readValue(): void {
    if (this.readBit() === 0) return;
    if (this.readBit() === 1) {
      const leading = this.readBits(5);
      let mbits = this.readBits(6);
      if (mbits === 0) mbits = 64;
      const trailing = 64 - leading - mbits;
      if (trailing < 0) {
        this.fail(`bad XOR window (leading ${leading}, significant bits ${mbits})`);
        return;
      }
      this.leading = leading;
      this.trailing = trailing;
      this.windowSet = true;
    }
    const trailing = this.trailing;
    const mbits = 64 - this.leading - trailing;
    let dHi: number;
    let dLo: number;
    if (mbits > 32) {
      const a = this.readBits(mbits - 32);
      const b = this.readBits(32);
      if (trailing === 0) {
        dHi = a;
        dLo = b;
      } else {
        dHi = (a << trailing) | (b >>> (32 - trailing));
        dLo = b << trailing;
      }
    } else {
      const b = this.readBits(mbits);
      if (trailing >= 32) {
        dHi = b << (trailing - 32);
        dLo = 0;
      } else if (trailing === 0) {
        dHi = 0;
        dLo = b;
      } else {
        dHi = b >>> (32 - trailing);
        dLo = b << trailing;
      }
    }
    this.vHi = (this.vHi ^ dHi) >>> 0;
    this.vLo = (this.vLo ^ dLo) >>> 0;
    this.v = this.scratch.fromBits(this.vHi, this.vLo);
  }

  /** Go's binary.ReadVarint, as a number (exact within ±2^53). */
  private readVarint(): number {
    this.readUvarint64();
    const lo = this.uvLo;
    const hi = this.uvHi;
    const neg = lo & 1;
    let xLo = (lo >>> 1) | (hi << 31);
    let xHi = hi >>> 1;
    if (neg !== 0) {
      xLo = ~xLo;
      xHi = ~xHi;
    }
    return (xHi | 0) * TWO_32 + (xLo >>> 0);
  }

  /** Go's binary.ReadUvarint, reinterpreted as int64 the way Go's t += int64(tDelta) does. */
  private readUvarintAsInt(): number {
    this.readUvarint64();
    return (this.uvHi | 0) * TWO_32 + this.uvLo;
  }

  private uvHi = 0;
  private uvLo = 0;

  private readUvarint64(): void {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.readBits(8);
      if (this.err !== undefined) return;
      const low7 = b & 0x7f;
      if (shift < 28) {
        lo |= low7 << shift;
      } else if (shift === 28) {
        lo |= low7 << 28;
        hi |= low7 >>> 4;
      } else {
        hi |= low7 << (shift - 32);
      }
      if (b < 0x80) {
        this.uvHi = hi >>> 0;
        this.uvLo = lo >>> 0;
        return;
      }
    }
    this.fail("varint longer than 10 bytes");
  }

  private readBit(): number {
    const pos = this.pos;
    if (pos >= this.bitLen) {
      this.fail("unexpected end of XOR chunk");
      return 0;
    }
    this.pos = pos + 1;
    return (this.data[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }

  /** Reads n (1..32) bits as an unsigned number. */
  private readBits(n: number): number {
    const pos = this.pos;
    if (pos + n > this.bitLen) {
      this.fail("unexpected end of XOR chunk");
      return 0;
    }
    this.pos = pos + n;
    return wideBitsAt(this.data, pos, n);
  }

  private fail(reason: string): void {
    if (this.err === undefined) this.err = `${reason} (sample ${this.read} of ${this.total})`;
  }
}

function signExtend(bits: number, size: number): number {
  // Prometheus: values above 2^(size-1) are negative.
  return bits > 1 << (size - 1) ? bits - (1 << size) : bits;
}

/** Reads n (1..25) bits at bit position pos; the caller has checked the bounds. */
function bitsAt(d: Uint8Array, pos: number, n: number): number {
  const i = pos >>> 3;
  if (i + 3 < d.length) {
    const w = (d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!;
    return (w << (pos & 7)) >>> (32 - n);
  }
  let result = 0;
  for (let k = 0; k < n; k++) {
    const p = pos + k;
    result = result * 2 + ((d[p >>> 3]! >>> (7 - (p & 7))) & 1);
  }
  return result;
}

/** Reads n (1..32) bits at pos; the caller has checked the bounds. */
function wideBitsAt(d: Uint8Array, pos: number, n: number): number {
  if (n <= 25) return bitsAt(d, pos, n);
  const i = pos >>> 3;
  if (i + 4 < d.length) {
    // Five bytes hold any 32 bits: the first four shifted up, the top of the fifth shifted in.
    const o = pos & 7;
    const w = ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) << o;
    return ((w | (d[i + 4]! >>> (8 - o))) >>> 0) >>> (32 - n);
  }
  return bitsAt(d, pos, n - 16) * 65536 + bitsAt(d, pos + n - 16, 16);
}

/** A float64's exponent bits in its high word: all set for NaN and ±Inf only. */
const EXPONENT_HI = 0x7ff00000;
/** The lowest of them. */
const EXPONENT_LSB_HI = 0x00100000;

/** Bytes decodeXorChunk reads past a chunk's last byte: more than one sample's widest read (145 bits, plus a 64-bit lookahead). */
const XOR_READ_PAD_BYTES = 32;

/** The chunk's bytes copied into the iterator's scratch and zero-padded, as a big-endian view (from byte 0). */
function paddedCopy(d: Uint8Array, it: XorChunkIterator): DataView {
  const len = d.length;
  const s = it.byteScratch(len + XOR_READ_PAD_BYTES);
  s.bytes.set(d);
  s.bytes.fill(0, len, len + XOR_READ_PAD_BYTES);
  return s.view;
}

/**
 * Whether a chunk of `length` bytes from `offset` of a buffer of `bufferBytes` has XOR_READ_PAD_BYTES
 * after it in that buffer (a closed chunk in a slab or a shared block), so decodeXorChunk can read it
 * there: whatever those bytes hold, the decoder only peeks at them. (The copy otherwise made was ~8 %
 * of a grouped read's main-thread profile.)
 */
export function xorChunkReadableInPlace(offset: number, length: number, bufferBytes: number): boolean {
  return offset + length + XOR_READ_PAD_BYTES <= bufferBytes;
}

/** The 32 bits from bit position pos of the bytes at `base` on, as an int32 (the first bit is the sign). */
function peek32(v: DataView, base: number, pos: number): number {
  const i = base + (pos >>> 3);
  const o = pos & 7;
  return (v.getInt32(i) << o) | (v.getUint8(i + 4) >>> (8 - o));
}

/** The 64-bit mask keeping bits at and above `trailing` (0..63), as its high and low words. */
function windowMaskHi(trailing: number): number {
  return trailing >= 32 ? -1 << (trailing - 32) : -1;
}
function windowMaskLo(trailing: number): number {
  return trailing >= 32 ? 0 : -1 << trailing;
}

/**
 * The newest sample of an XOR chunk with mint <= t <= maxt, written at outT[0]/outV[0]; returns 1,
 * or 0 when there is none. The whole chunk is decoded (XOR has no other way to its end) into the
 * iterator's scratch; the iterator's nonFinite is set only when that one sample is a NaN or an infinity.
 */
export function decodeNewestXorSample(bytes: Uint8Array, mint: number, maxt: number, outT: Float64Array, outV: Float64Array, iterator: XorChunkIterator): number {
  const nonFinite = iterator.nonFinite;
  const s = iterator.sampleScratch(xorChunkNumSamples(bytes));
  const n = decodeXorChunk(bytes, mint, maxt, s.t, s.v, 0, iterator);
  iterator.nonFinite = nonFinite;
  if (n === 0) return 0;
  outT[0] = s.t[n - 1]!;
  outV[0] = s.v[n - 1]!;
  if (!Number.isFinite(outV[0])) iterator.nonFinite = true;
  return 1;
}

/**
 * Decodes the samples of an XOR chunk with mint <= t <= maxt (up to the first later one) into
 * outT/outV from outOffset; returns how many were written. Size the arrays with xorChunkNumSamples
 * (every sample of the chunk is written there on the way). Throws on corrupt bytes (the iterator's
 * reason, prefixed "decodeXorChunk: "). Pass an iterator to reuse its scratch.
 * The fastest way to get a chunk's samples: the bytes are read from a zero-padded copy, or in place
 * where the chunk has the padding after it in its buffer, so a sample's fields need no bounds checks;
 * and no sample's time is checked against the range as it is decoded (~10 % of the loop): the range
 * is cut from the decoded samples after. A chunk that ends early or holds a bad window is decoded
 * again by the iterator, sample by sample, which gives the exact answer or error.
 */
export function decodeXorChunk(
  bytes: Uint8Array,
  mint: number,
  maxt: number,
  outT: Float64Array,
  outV: Float64Array,
  outOffset: number,
  iterator: XorChunkIterator = new XorChunkIterator(bytes),
  /** A view of the chunk's buffer, the chunk from `viewBase` on, when xorChunkReadableInPlace (the caller knows its buffers); else found here. */
  view?: DataView,
  viewBase = 0,
): number {
  const it = iterator;
  it.reset(bytes);
  const total = it.numSamples();
  let n = outOffset;
  // Negative once a NaN or an infinity was decoded (its exponent bits all set, plus one, carry into the sign).
  let nonFinite = 0;
  // The first two samples use varints; the iterator reads them and hands over its state.
  for (let k = 0; k < 2 && k < total && it.next(); k++) {
    outT[n] = it.t;
    outV[n] = it.v;
    n++;
    if (!Number.isFinite(it.v)) nonFinite = -1;
  }
  let broken = it.err !== undefined;
  // Times in order (never falling: the first delta is unsigned): the range is cut at their ends.
  let forward = true;
  if (total > 2 && !broken) {
    let w = view;
    let base = viewBase;
    if (w === undefined) {
      const placed = xorChunkReadableInPlace(bytes.byteOffset, bytes.length, bytes.buffer.byteLength);
      w = placed ? it.viewOf(bytes.buffer) : paddedCopy(bytes, it);
      base = placed ? bytes.byteOffset : 0;
    }
    const run = it.run;
    // outV is written as its int32 words (decodeXorRun).
    try {
      n = decodeXorRun(w, base, it.state(), total, outT, it.wordsOf(outV), n, run);
    } catch (e) {
      // Bytes read past the end of the chunk's buffer: a chunk cut short (no padding after it there).
      if (!(e instanceof RangeError)) throw e;
      run.broken = true;
    }
    broken = run.broken || run.pos > bytes.length * 8;
    forward = run.forward;
    nonFinite |= run.nonFinite;
  }
  // One call to the iterator's way for every chunk it must read (each call site V8 had not seen run would deopt this function).
  if (broken) return decodeXorSamplesStepwise(bytes, mint, maxt, outT, outV, outOffset, it);
  return keptInRange(outT, outV, outOffset, n, mint, maxt, it, forward, nonFinite < 0);
}

/** Where decodeXorRun ended: its bit position, whether its times only rose, its nonFinite word, whether it met a bad window. */
export interface XorRunEnd {
  pos: number;
  forward: boolean;
  nonFinite: number;
  broken: boolean;
}

/**
 * decodeXorChunk's loop: samples 2… of a chunk read from `w` (the chunk from byte `base`), continuing
 * from the iterator's state `st`, written from n (times to outT, value words to ow); returns n after
 * them. A function of its own: inside decodeXorChunk, about one process in two ran it ~1.7 times
 * slower for its whole life (once the decoder deopted on a path first taken late, V8 entered a copy
 * of the loop compiled on its own at every call): `chunk.bench.js --baseline` gave 15–17 or 25–30 ns
 * a sample by the process, 15–17 in ten of ten since.
 */
function decodeXorRun(w: DataView, base: number, st: XorAppendState, total: number, outT: Float64Array, ow: Int32Array, n: number, end: XorRunEnd): number {
  // A value is stored as its two words, never made a float here (writing the words and reading
  // them back as one float stalls the CPU's store forwarding on every sample).
  let pos = st.bitPos;
  let t = st.t;
  let tDelta = st.tDelta;
  let vHi = st.vHi | 0;
  let vLo = st.vLo | 0;
  let leading = st.leading;
  let trailing = st.trailing;
  let width = 64 - leading - trailing;
  let maskHi = windowMaskHi(trailing);
  let maskLo = windowMaskLo(trailing);
  let forward = true;
  let broken = false;
  // Negative once a NaN or an infinity was decoded (its exponent bits all set, plus one, carry into the sign).
  let nonFinite = 0;
  for (let index = 2; index < total; index++) {
    // delta of delta: '0' | '10' 14 | '110' 17 | '1110' 20 | '1111' 64
    const p = peek32(w, base, pos);
    // Bits of p the dod used; the value's control and window header follow in p when they fit.
    let used: number;
    if (p >= 0) {
      used = 1;
    } else {
      if (p << 1 >= 0) {
        tDelta += signExtend((p << 2) >>> 18, 14);
        used = 16;
      } else if (p << 2 >= 0) {
        tDelta += signExtend((p << 3) >>> 15, 17);
        used = 20;
      } else if (p << 3 >= 0) {
        tDelta += signExtend((p << 4) >>> 12, 20);
        used = 24;
      } else {
        tDelta += peek32(w, base, pos + 4) * TWO_32 + (peek32(w, base, pos + 36) >>> 0);
        used = 68;
      }
      if (tDelta < 0) forward = false;
    }
    // value: '0' same | '10' window | '11' 5b leading, 6b sigbits, bits
    const c = used <= 19 ? p << used : peek32(w, base, pos + used);
    pos += used;
    if (c >= 0) {
      pos += 1;
    } else {
      if (c << 1 < 0) {
        const head = (c << 2) >>> 21;
        const lead = head >>> 6;
        const mbits = (head & 63) === 0 ? 64 : head & 63;
        if (lead + mbits > 64) {
          broken = true;
          break;
        }
        pos += 13;
        leading = lead;
        trailing = 64 - lead - mbits;
        width = mbits;
        maskHi = windowMaskHi(trailing);
        maskLo = windowMaskLo(trailing);
      } else {
        pos += 2;
      }
      // The window's bits, read 64 at a time from its start: shifted down by `leading`, then masked.
      const hi = peek32(w, base, pos);
      vHi ^= (hi >>> leading) & maskHi;
      // A window ending in the high word (trailing >= 32) needs no second read.
      if (maskLo !== 0) vLo ^= ((peek32(w, base, pos + 32) >>> leading) | ((hi << 1) << (31 - leading))) & maskLo;
      pos += width;
    }
    t += tDelta;
    outT[n] = t;
    ow[2 * n + LO] = vLo;
    ow[2 * n + HI] = vHi;
    n++;
    nonFinite |= (vHi & EXPONENT_HI) + EXPONENT_LSB_HI;
  }
  end.pos = pos;
  end.forward = forward;
  end.nonFinite = nonFinite;
  end.broken = broken;
  return n;
}

/**
 * The decoded samples [from, to) cut to mint <= t <= maxt, up to the first later sample, moved to
 * start at `from`; returns how many are kept, and sets the iterator's nonFinite when one of them is a
 * NaN or an infinity (`nonFinite`: one of the decoded ones may be). Samples in time order (`forward`)
 * are cut at their ends; others one by one.
 */
function keptInRange(outT: Float64Array, outV: Float64Array, from: number, to: number, mint: number, maxt: number, it: XorChunkIterator, forward: boolean, nonFinite: boolean): number {
  const ow = it.wordsOf(outV);
  let a = from;
  let b = to;
  if (forward) {
    while (a < b && outT[a]! < mint) a++;
    while (b > a && outT[b - 1]! > maxt) b--;
  } else {
    b = a;
    for (let k = from; k < to; k++) {
      const t = outT[k]!;
      if (t > maxt) break;
      if (t < mint) continue;
      outT[b] = t;
      ow[2 * b] = ow[2 * k]!;
      ow[2 * b + 1] = ow[2 * k + 1]!;
      b++;
    }
  }
  if (a > from) {
    outT.copyWithin(from, a, b);
    outV.copyWithin(from, a, b);
  }
  const n = b - a;
  // Exact for what was kept: a cut chunk's NaN may have been cut away.
  if (nonFinite && !it.nonFinite) it.nonFinite = n === to - from || holdsNonFinite(ow, from, from + n);
  return n;
}

/** Whether a value among words-slots [from, to) is a NaN or an infinity (its exponent bits all set). */
function holdsNonFinite(ow: Int32Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if ((ow[2 * k + HI]! & EXPONENT_HI) === EXPONENT_HI) return true;
  return false;
}

/** decodeXorChunk one sample at a time through the iterator: its answer for any bytes, or its error. */
function decodeXorSamplesStepwise(bytes: Uint8Array, mint: number, maxt: number, outT: Float64Array, outV: Float64Array, outOffset: number, it: XorChunkIterator): number {
  it.reset(bytes);
  let n = outOffset;
  while (it.next()) {
    if (it.t > maxt) return n - outOffset;
    if (it.t < mint) continue;
    outT[n] = it.t;
    outV[n] = it.v;
    n++;
    if (!Number.isFinite(it.v)) it.nonFinite = true;
  }
  if (it.err !== undefined) throw new Error(`decodeXorChunk: ${it.err}`);
  return n - outOffset;
}

