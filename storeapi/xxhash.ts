// xxHash64 (seed 0) over bytes, on two uint32 halves instead of BigInt: the hash
// Thanos shards series by (cespare/xxhash), computed once per series a store
// returns, so it must be cheap. The 64-bit value is kept as hi/lo.

// The five primes as [hi, lo].
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;
const TWO32 = 4294967296;

/** One xxHash64 state: h (the result) and the four lanes, each as hi/lo uint32 in a typed array. */
export class XxHash64 {
  /** [hi, lo] of h, then of v1..v4, then a scratch pair. */
  private readonly r = new Uint32Array(12);

  /** The hash of bytes[0, length); read it with hi / lo or mod(). */
  hash(b: Uint8Array, length: number): this {
    const r = this.r;
    let i = 0;
    if (length >= 32) {
      this.set(2, P1H, P1L);
      this.add(2, P2H, P2L);
      this.set(4, P2H, P2L);
      this.set(6, 0, 0);
      this.set(8, 0, 0);
      this.sub(8, P1H, P1L);
      for (; i + 32 <= length; i += 32) {
        this.round(2, b, i);
        this.round(4, b, i + 8);
        this.round(6, b, i + 16);
        this.round(8, b, i + 24);
      }
      this.set(0, 0, 0);
      for (let k = 0; k < 4; k++) {
        this.set(10, r[2 + 2 * k]!, r[3 + 2 * k]!);
        this.rotl(10, LANE_ROTATIONS[k]!);
        this.add(0, r[10]!, r[11]!);
      }
      for (let lane = 2; lane <= 8; lane += 2) this.mergeRound(lane);
    } else this.set(0, P5H, P5L);
    this.add(0, Math.floor(length / TWO32), length >>> 0);
    for (; i + 8 <= length; i += 8) {
      // h ^= round(0, u64); h = rotl(h, 27) * P1 + P4
      this.set(10, 0, 0);
      this.round(10, b, i);
      this.xor(0, r[10]!, r[11]!);
      this.rotl(0, 27);
      this.mul(0, P1H, P1L);
      this.add(0, P4H, P4L);
    }
    if (i + 4 <= length) {
      // h ^= u32 * P1; h = rotl(h, 23) * P2 + P3
      this.set(10, 0, u32(b, i));
      this.mul(10, P1H, P1L);
      this.xor(0, r[10]!, r[11]!);
      this.rotl(0, 23);
      this.mul(0, P2H, P2L);
      this.add(0, P3H, P3L);
      i += 4;
    }
    for (; i < length; i++) {
      // h ^= byte * P5; h = rotl(h, 11) * P1
      this.set(10, 0, b[i]!);
      this.mul(10, P5H, P5L);
      this.xor(0, r[10]!, r[11]!);
      this.rotl(0, 11);
      this.mul(0, P1H, P1L);
    }
    this.xorShift(33);
    this.mul(0, P2H, P2L);
    this.xorShift(29);
    this.mul(0, P3H, P3L);
    this.xorShift(32);
    return this;
  }

  get hi(): number {
    return this.r[0]!;
  }

  get lo(): number {
    return this.r[1]!;
  }

  /** The hash modulo n (1 ≤ n < 2^21, so every product stays exact in a double). */
  mod(n: number): number {
    return (((this.r[0]! % n) * (TWO32 % n)) + (this.r[1]! % n)) % n;
  }

  /** acc = rotl(acc + lane·P2, 31)·P1, with the 8 bytes at b[i] as the lane. */
  private round(at: number, b: Uint8Array, i: number): void {
    const r = this.r;
    const save0 = r[at]!;
    const save1 = r[at + 1]!;
    this.set(at, u32(b, i + 4), u32(b, i));
    this.mul(at, P2H, P2L);
    this.add(at, save0, save1);
    this.rotl(at, 31);
    this.mul(at, P1H, P1L);
  }

  /** h = (h ^ round(0, v)) · P1 + P4, for lane v at `lane`. */
  private mergeRound(lane: number): void {
    const r = this.r;
    // round(0, v) with v taken from the lane's registers rather than from bytes.
    this.set(10, r[lane]!, r[lane + 1]!);
    this.mul(10, P2H, P2L);
    this.rotl(10, 31);
    this.mul(10, P1H, P1L);
    this.xor(0, r[10]!, r[11]!);
    this.mul(0, P1H, P1L);
    this.add(0, P4H, P4L);
  }

  private set(at: number, hi: number, lo: number): void {
    this.r[at] = hi;
    this.r[at + 1] = lo;
  }

  private add(at: number, hi: number, lo: number): void {
    const r = this.r;
    const sum = r[at + 1]! + lo;
    r[at + 1] = sum;
    r[at] = r[at]! + hi + (sum >= TWO32 ? 1 : 0);
  }

  /** x − (hi, lo): adding the two's complement. */
  private sub(at: number, hi: number, lo: number): void {
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    this.add(at, nhi, nlo);
  }

  private xor(at: number, hi: number, lo: number): void {
    this.r[at] = this.r[at]! ^ hi;
    this.r[at + 1] = this.r[at + 1]! ^ lo;
  }

  /** The low 64 bits of x · (bh, bl): the low halves' full product in 16-bit pieces, the cross terms mod 2^32. */
  private mul(at: number, bh: number, bl: number): void {
    const r = this.r;
    const ah = r[at]!;
    const al = r[at + 1]!;
    const a0 = al & 0xffff;
    const a1 = al >>> 16;
    const b0 = bl & 0xffff;
    const b1 = bl >>> 16;
    const mid = a0 * b1 + a1 * b0;
    const low = a0 * b0 + (mid % 65536) * 65536;
    const carry = Math.floor(low / TWO32);
    r[at + 1] = low;
    r[at] = a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(ah, bl) + Math.imul(al, bh);
  }

  private rotl(at: number, n: number): void {
    const r = this.r;
    let hi = r[at]!;
    let lo = r[at + 1]!;
    if (n >= 32) {
      const t = hi;
      hi = lo;
      lo = t;
      n -= 32;
    }
    if (n === 0) return this.set(at, hi, lo);
    this.set(at, (hi << n) | (lo >>> (32 - n)), (lo << n) | (hi >>> (32 - n)));
  }

  /** h ^= h >> n (0 < n ≤ 32). */
  private xorShift(n: number): void {
    const r = this.r;
    const hi = r[0]!;
    const lo = r[1]!;
    if (n === 32) return this.xor(0, 0, hi);
    if (n > 32) return this.xor(0, 0, hi >>> (n - 32));
    this.xor(0, hi >>> n, (lo >>> n) | (hi << (32 - n)));
  }
}

/** The rotations of h = rotl(v1,1) + rotl(v2,7) + rotl(v3,12) + rotl(v4,18). */
const LANE_ROTATIONS: readonly number[] = [1, 7, 12, 18];

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}
