// The bit stream of Prometheus's histogram chunks (tsdb/chunkenc bstream.go, varbit.go): bits written most
// significant first, "varbit" integers bucketed for small bucket dods, and Gorilla XOR floats.
// 64-bit quantities go as two uint32 halves; never BigInt.
import { FloatBits, STALE_NAN_HI, STALE_NAN_LO, isStaleNaN } from "./float-bits.js";

const TWO_32 = 4294967296;

/** Varbit buckets: payload bit sizes after a prefix of k ones and a zero (the last prefix, eight ones, has no zero). */
const VARBIT_SIZES = [0, 3, 6, 9, 12, 18, 25, 56] as const;
/** 2^(size-1) per bucket: the largest value the bucket holds; values above it are negative. */
const VARBIT_HALF = VARBIT_SIZES.map((n) => (n === 0 ? 0 : 2 ** (n - 1)));

/** A growing byte buffer written bit by bit; bytes() is a view of what was written. */
export class BitWriter {
  private buf: Uint8Array;
  private len: number;
  /** Unused low bits in the last byte written (0: the next bit starts a new byte). */
  private free = 0;
  private readonly scratch = new FloatBits();

  /** Starts with `headerBytes` zero bytes (the chunk header, patched by the owner). */
  constructor(headerBytes: number, capacity = 128) {
    this.buf = new Uint8Array(Math.max(capacity, headerBytes + 16));
    this.len = headerBytes;
  }

  /** Back to just the zeroed header. */
  reset(headerBytes: number): void {
    this.buf.fill(0, 0, Math.min(this.len, this.buf.length));
    this.len = headerBytes;
    this.free = 0;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Sets a header byte (before the bit stream). */
  setByte(i: number, v: number): void {
    this.buf[i] = v;
  }

  byteAt(i: number): number {
    return this.buf[i]!;
  }

  /** Writes the low n (0..32) bits of value, most significant first. */
  writeBits(value: number, n: number): void {
    while (n > 0) {
      if (this.free === 0) {
        if (this.len === this.buf.length) this.grow();
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

  /** Writes the low n (33..64) bits of hi:lo. */
  private writeWide(hi: number, lo: number, n: number): void {
    this.writeBits(hi, n - 32);
    this.writeBits(lo, 32);
  }

  /** Writes the 64 bits of a float64 (Prometheus's exact stale-marker bits for a stale NaN). */
  writeFloat(v: number): void {
    if (isStaleNaN(v, this.scratch)) {
      this.writeBits(STALE_NAN_HI, 32);
      this.writeBits(STALE_NAN_LO, 32);
      return;
    }
    this.scratch.set(v);
    this.writeBits(this.scratch.hi(), 32);
    this.writeBits(this.scratch.lo(), 32);
  }

  /** Prometheus's putVarbitInt. x must be an integer within ±2^63 (exact within ±2^53). */
  writeVarbitInt(x: number): void {
    if (x === 0) {
      this.writeBits(0, 1);
      return;
    }
    // bitRange(x, n): -(2^(n-1) - 1) <= x <= 2^(n-1).
    for (let k = 1; k < VARBIT_SIZES.length; k++) {
      const n = VARBIT_SIZES[k]!;
      const half = VARBIT_HALF[k]!;
      if (x >= 1 - half && x <= half) {
        this.writeBits((1 << (k + 1)) - 2, k + 1); // k ones and a zero
        this.writeTwosComplement(x, n);
        return;
      }
    }
    this.writeBits(0xff, 8);
    this.writeTwosComplement(x, 64);
  }

  /** Prometheus's putVarbitUint. x must be a non-negative integer (exact up to 2^53). */
  writeVarbitUint(x: number): void {
    if (x === 0) {
      this.writeBits(0, 1);
      return;
    }
    for (let k = 1; k < VARBIT_SIZES.length; k++) {
      const n = VARBIT_SIZES[k]!;
      if (x < 2 * VARBIT_HALF[k]!) {
        this.writeBits((1 << (k + 1)) - 2, k + 1);
        this.writeTwosComplement(x, n);
        return;
      }
    }
    this.writeBits(0xff, 8);
    this.writeTwosComplement(x, 64);
  }

  /** Writes the low n bits of x's 64-bit two's complement. */
  private writeTwosComplement(x: number, n: number): void {
    if (n <= 32) {
      this.writeBits(x >>> 0, n); // >>> 0 keeps the low 32 bits of the two's complement
      return;
    }
    const hi = Math.floor(x / TWO_32) >>> 0;
    this.writeWide(hi, x >>> 0, n);
  }

  /**
   * Prometheus's xorWrite: v against the previous value in `state` (hi, lo, leading, trailing at `at`),
   * updating it. leading 0xff means no window yet.
   */
  writeXor(v: number, state: XorState, at: number): void {
    const s = this.scratch;
    let hi: number;
    let lo: number;
    if (isStaleNaN(v, s)) {
      hi = STALE_NAN_HI;
      lo = STALE_NAN_LO;
    } else {
      s.set(v);
      hi = s.hi();
      lo = s.lo();
    }
    const dHi = (hi ^ state.hi[at]!) >>> 0;
    const dLo = (lo ^ state.lo[at]!) >>> 0;
    state.hi[at] = hi;
    state.lo[at] = lo;
    if (dHi === 0 && dLo === 0) {
      this.writeBits(0, 1);
      return;
    }
    let leading = dHi !== 0 ? Math.clz32(dHi) : 32 + Math.clz32(dLo);
    const trailing = dLo !== 0 ? ctz32(dLo) : 32 + ctz32(dHi);
    if (leading >= 32) leading = 31; // Prometheus clamps to its 5-bit field
    const oldLeading = state.leading[at]!;
    const oldTrailing = state.trailing[at]!;
    if (oldLeading !== 0xff && leading >= oldLeading && trailing >= oldTrailing) {
      this.writeBits(0b10, 2);
      this.writeShifted(dHi, dLo, oldTrailing, 64 - oldLeading - oldTrailing);
      return;
    }
    state.leading[at] = leading;
    state.trailing[at] = trailing;
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
    if (n > 32) this.writeWide(sHi, sLo, n);
    else this.writeBits(sLo, n);
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Gorilla XOR state for a set of float streams (one per field or bucket): previous bits and window. */
export class XorState {
  hi: Uint32Array;
  lo: Uint32Array;
  leading: Uint8Array;
  trailing: Uint8Array;

  constructor(size: number) {
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.leading = new Uint8Array(size);
    this.trailing = new Uint8Array(size);
  }

  /** Resizes to `size` streams, all zero (contents are not kept). */
  resize(size: number): void {
    if (this.hi.length < size) {
      const cap = Math.max(size, this.hi.length * 2);
      this.hi = new Uint32Array(cap);
      this.lo = new Uint32Array(cap);
      this.leading = new Uint8Array(cap);
      this.trailing = new Uint8Array(cap);
    } else {
      this.hi.fill(0, 0, size);
      this.lo.fill(0, 0, size);
      this.leading.fill(0, 0, size);
      this.trailing.fill(0, 0, size);
    }
  }

  /**
   * Sets stream i to v with no window: `noWindow` 0xff for an appender (first change writes a window);
   * 0 for a reader (a '10' before any window means all 64 bits, as Prometheus's reader takes it).
   */
  start(i: number, v: number, scratch: FloatBits, noWindow = 0xff): void {
    if (isStaleNaN(v, scratch)) {
      this.hi[i] = STALE_NAN_HI;
      this.lo[i] = STALE_NAN_LO;
    } else {
      scratch.set(v);
      this.hi[i] = scratch.hi();
      this.lo[i] = scratch.lo();
    }
    this.leading[i] = noWindow;
    this.trailing[i] = 0;
  }

  /** Stream i's current value. */
  value(i: number, scratch: FloatBits): number {
    return scratch.fromBits(this.hi[i]!, this.lo[i]!);
  }

  /** Whether stream i currently holds the stale marker. */
  isStale(i: number): boolean {
    return this.hi[i] === STALE_NAN_HI && this.lo[i] === STALE_NAN_LO;
  }
}

/** Reads a bit stream written by BitWriter; on running out of bytes, err is set and reads return 0. */
export class BitReader {
  err: string | undefined = undefined;
  private data: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitLen = 0;

  /** Reads `bytes` from byte offset `start`. */
  reset(bytes: Uint8Array, start: number): void {
    this.data = bytes;
    this.pos = start * 8;
    this.bitLen = bytes.length * 8;
    this.err = undefined;
  }

  bit(): number {
    const pos = this.pos;
    if (pos >= this.bitLen) {
      this.fail();
      return 0;
    }
    this.pos = pos + 1;
    return (this.data[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }

  /** Reads n (1..32) bits as an unsigned number. */
  bits(n: number): number {
    const pos = this.pos;
    if (pos + n > this.bitLen) {
      this.fail();
      return 0;
    }
    this.pos = pos + n;
    return this.peekAt(pos, n);
  }

  /** The n (1..32) bits at pos, which the caller has checked are in bounds. */
  private peekAt(pos: number, n: number): number {
    const d = this.data;
    const i = pos >>> 3;
    const o = pos & 7;
    if (i + 4 < d.length) {
      // Five bytes hold any 32 bits at any offset: four shifted up, the top of the fifth shifted in.
      const w = ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) << o;
      return ((w | (d[i + 4]! >>> (8 - o))) >>> 0) >>> (32 - n);
    }
    let result = 0;
    for (let k = 0; k < n; k++) {
      const p = pos + k;
      result = result * 2 + ((d[p >>> 3]! >>> (7 - (p & 7))) & 1);
    }
    return result;
  }

  /** Reads 64 bits as a float64. */
  float(scratch: FloatBits): number {
    const hi = this.bits(32);
    const lo = this.bits(32);
    return scratch.fromBits(hi, lo);
  }

  /** Prometheus's readVarbitInt, as a number (exact within ±2^53). */
  varbitInt(): number {
    const k = this.prefix();
    if (k < 0) return 0;
    if (k === 0) return 0;
    if (k === 8) return this.signed64();
    const n = VARBIT_SIZES[k]!;
    const v = n <= 32 ? this.bits(n) : this.bits(n - 32) * TWO_32 + this.bits(32);
    const half = VARBIT_HALF[k]!;
    return v > half ? v - 2 * half : v;
  }

  /** Prometheus's readVarbitUint (exact up to 2^53). */
  varbitUint(): number {
    const k = this.prefix();
    if (k <= 0) return 0;
    if (k === 8) return this.bits(32) * TWO_32 + this.bits(32);
    const n = VARBIT_SIZES[k]!;
    return n <= 32 ? this.bits(n) : this.bits(n - 32) * TWO_32 + this.bits(32);
  }

  /** Number of leading ones (up to 8) ending in a zero: the varbit bucket. -1 on error. */
  private prefix(): number {
    const left = this.bitLen - this.pos;
    if (left <= 0) {
      this.fail();
      return -1;
    }
    const take = left < 8 ? left : 8;
    const p = this.peekAt(this.pos, take) << (8 - take);
    const k = Math.min(8, Math.clz32(~(p << 24)));
    if (k === 8 ? take < 8 : k >= take) {
      this.fail();
      return -1;
    }
    this.pos += k === 8 ? 8 : k + 1;
    return k;
  }

  private signed64(): number {
    const hi = this.bits(32);
    const lo = this.bits(32);
    return (hi | 0) * TWO_32 + lo;
  }

  /** Prometheus's xorRead into stream `at` of state. */
  readXor(state: XorState, at: number): void {
    if (this.bit() === 0) return;
    if (this.bit() === 1) {
      const leading = this.bits(5);
      let mbits = this.bits(6);
      if (mbits === 0) mbits = 64;
      const trailing = 64 - leading - mbits;
      if (trailing < 0) {
        if (this.err === undefined) this.err = `bad XOR window (leading ${leading}, significant bits ${mbits})`;
        return;
      }
      state.leading[at] = leading;
      state.trailing[at] = trailing;
    }
    const trailing = state.trailing[at]!;
    const mbits = 64 - state.leading[at]! - trailing;
    let dHi: number;
    let dLo: number;
    if (mbits > 32) {
      const a = this.bits(mbits - 32);
      const b = this.bits(32);
      if (trailing === 0) {
        dHi = a;
        dLo = b;
      } else {
        dHi = (a << trailing) | (b >>> (32 - trailing));
        dLo = b << trailing;
      }
    } else {
      const b = this.bits(mbits);
      if (trailing >= 32) {
        dHi = trailing === 64 ? 0 : b << (trailing - 32);
        dLo = 0;
      } else if (trailing === 0) {
        dHi = 0;
        dLo = b;
      } else {
        dHi = b >>> (32 - trailing);
        dLo = b << trailing;
      }
    }
    state.hi[at] = (state.hi[at]! ^ dHi) >>> 0;
    state.lo[at] = (state.lo[at]! ^ dLo) >>> 0;
  }

  private fail(): void {
    if (this.err === undefined) this.err = "unexpected end of chunk";
  }
}
