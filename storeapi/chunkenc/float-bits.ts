// Float64 <-> two uint32 halves through a typed-array scratch, so 64-bit work never needs BigInt.

/** Whether this machine stores a Float64's low word first (true on every platform Node ships for). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Index of the low 32 bits of a float64 inside a Uint32Array view of it. */
export const LO = LITTLE_ENDIAN ? 0 : 1;
/** Index of the high 32 bits (sign, exponent, top of mantissa). */
export const HI = LITTLE_ENDIAN ? 1 : 0;

/** A one-float scratch with a uint32 view; each owner (chunk, iterator) holds its own. */
export class FloatBits {
  readonly f = new Float64Array(1);
  readonly u = new Uint32Array(this.f.buffer);

  /** Loads v; read the halves from hi()/lo(). */
  set(v: number): void {
    this.f[0] = v;
  }
  hi(): number {
    return this.u[HI]!;
  }
  lo(): number {
    return this.u[LO]!;
  }
  /** The float whose bits are hi:lo. */
  fromBits(hi: number, lo: number): number {
    this.u[HI] = hi;
    this.u[LO] = lo;
    return this.f[0]!;
  }
}

/** High word of Prometheus's stale marker, 0x7ff0000000000002. */
export const STALE_NAN_HI = 0x7ff00000;
/** Low word of Prometheus's stale marker. */
export const STALE_NAN_LO = 0x00000002;

/** Prometheus's stale-marker NaN (bits 0x7ff0000000000002). Keep it in Float64Arrays or plain variables:
 * V8 sets the quiet bit when a NaN is stored in a plain number[] (giving 0x7ff8000000000002). */
export const STALE_NAN: number = new FloatBits().fromBits(STALE_NAN_HI, STALE_NAN_LO);

/** Whether v is a stale marker. Accepts the quieted form V8 makes of it in number[] arrays; Go's ordinary
 * NaN (…0001) and JS's (…0000) differ in the payload, so neither is mistaken for one. Costs one comparison
 * for non-NaN values; for NaNs it uses the given scratch or allocates one. */
export function isStaleNaN(v: number, scratch?: FloatBits): boolean {
  if (v === v) return false;
  const s = scratch ?? new FloatBits();
  s.set(v);
  return s.lo() === STALE_NAN_LO && (s.hi() & 0xfff7ffff) === STALE_NAN_HI;
}
