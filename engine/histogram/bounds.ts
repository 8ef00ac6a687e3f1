// Bucket boundaries of native histograms: exponential schemas -4..8 (base 2^(2^-schema), 1 is
// always a boundary) and custom buckets (NHCB, schema -53). Bucket `i` spans (bound(i-1), bound(i)].
import { CUSTOM_BUCKETS_SCHEMA, MAX_EXPONENTIAL_SCHEMA, MIN_EXPONENTIAL_SCHEMA } from "../../storeapi/index.js";
import { EXPONENTIAL_BOUND_FRACTIONS } from "./exponential_bounds.js";

export function isCustomBucketsSchema(schema: number): boolean {
  return schema === CUSTOM_BUCKETS_SCHEMA;
}

export function isExponentialSchema(schema: number): boolean {
  return schema >= MIN_EXPONENTIAL_SCHEMA && schema <= MAX_EXPONENTIAL_SCHEMA;
}

/** Schemas Prometheus can decode but not compute with are -9..52 (reserved for other resolutions). */
export function isKnownSchema(schema: number): boolean {
  return isCustomBucketsSchema(schema) || (schema >= -9 && schema <= 52);
}

export function isValidSchema(schema: number): boolean {
  return isCustomBucketsSchema(schema) || isExponentialSchema(schema);
}

const TWO_POW_1000 = 2 ** 1000;
const TWO_POW_MINUS_1000 = 2 ** -1000;
const MIN_POW2_EXPONENT = -1074;

/** 2^e for every float64 power of two (e = -1074..1023), built by exact halving: `**` is slow in V8. */
const POWERS_OF_TWO: Float64Array = (() => {
  const table = new Float64Array(1023 - MIN_POW2_EXPONENT + 1);
  let p = 2 ** 1023;
  for (let i = table.length - 1; i >= 0; i--, p /= 2) table[i] = p;
  return table;
})();

/** f · 2^e with one rounding, as Go's math.Ldexp (overflow → ±Inf, underflow through subnormals). */
export function ldexp(f: number, e: number): number {
  if (e > 1023) return f * TWO_POW_1000 * 2 ** (e - 1000);
  if (e < MIN_POW2_EXPONENT) return f * TWO_POW_MINUS_1000 * 2 ** (e + 1000);
  return f * POWERS_OF_TWO[e - MIN_POW2_EXPONENT];
}

/** Upper bound of exponential bucket `index` at `schema` (-4..8). */
export function exponentialBound(index: number, schema: number): number {
  if (schema < 0) {
    const exp = index * 2 ** -schema;
    // The bucket whose bound would be 2^1024 ends at the largest float instead.
    if (exp === 1024) return Number.MAX_VALUE;
    return ldexp(1, exp);
  }
  const frac = EXPONENTIAL_BOUND_FRACTIONS[schema][index & ((1 << schema) - 1)];
  const exp = (index >> schema) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return ldexp(frac, exp);
}

/**
 * Upper bound of bucket `index`: exponential, or for custom buckets customValues[index] with
 * -Inf below the first and +Inf for the overflow bucket (index === customValues.length).
 */
export function bucketBound(index: number, schema: number, customValues: readonly number[] | undefined): number {
  if (!isCustomBucketsSchema(schema)) return exponentialBound(index, schema);
  const n = customValues === undefined ? 0 : customValues.length;
  if (index === n) return Infinity;
  if (index === -1) return -Infinity;
  if (index < -1 || index > n || customValues === undefined) {
    throw new RangeError(`custom bucket index ${index} out of range for ${n} custom bounds`);
  }
  return customValues[index];
}

/** Index at `targetSchema` (≤ originSchema) of the bucket that contains bucket `index` of `originSchema`. */
export function targetIndex(index: number, originSchema: number, targetSchema: number): number {
  return ((index - 1) >> (originSchema - targetSchema)) + 1;
}

/** Custom bounds equal element by element (the same NHCB layout). */
export function customBoundsMatch(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  const na = a === undefined ? 0 : a.length;
  const nb = b === undefined ? 0 : b.length;
  if (na !== nb) return false;
  for (let i = 0; i < na; i++) if (a![i] !== b![i]) return false;
  return true;
}

/** The bounds present in both ascending lists (the layout mismatched NHCBs are reconciled to). */
export function intersectCustomBounds(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  const out: number[] = [];
  if (a === undefined || b === undefined) return out;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) {
      i++;
    } else {
      j++;
    }
  }
  return out;
}
