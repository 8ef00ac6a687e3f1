// Number, timestamp and string formatting exactly as Prometheus writes them in
// its JSON responses (checked byte for byte against Prometheus 2.42).

import { formatGoFloat } from "../promql/index.js";

/** Go's 'f', -1 float format, for scalar and string results (shared with the engine). */
export const formatFloatF = formatGoFloat;

/**
 * A sample value in a vector or matrix, as Prometheus's JSON codec writes it:
 * Go 'f' format, except 'e' format (two-digit exponent at least) when
 * |v| < 1e-6 or |v| >= 1e21. JS switches to exponents at the same bounds.
 */
export function formatSampleValue(v: number): string {
  const special = formatSpecial(v);
  if (special !== undefined) return special;
  // For finite numbers JSON.stringify writes String(v)'s digits (ECMA-262), ~25% faster in V8.
  const s = JSON.stringify(v);
  const n = s.length;
  // JS writes "1e-7" where Go writes "1e-07": pad a one-digit exponent.
  if (n > 3 && s.charCodeAt(n - 3) === 101 /* e */) return s.slice(0, n - 1) + "0" + s.slice(n - 1);
  return s;
}

function formatSpecial(v: number): string | undefined {
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  return undefined;
}

const FRACTION_DIGITS = ["000", "001", "002", "003", "004", "005", "006", "007", "008", "009"];

/**
 * A sample timestamp (ms) in a vector or matrix: whole seconds, then when the
 * milliseconds are not zero a point and exactly three digits ("1.500").
 */
export function formatSampleTime(ms: number): string {
  let sign = "";
  if (ms < 0) {
    sign = "-";
    ms = -ms;
  }
  const frac = ms % 1000;
  const secs = (ms - frac) / 1000;
  if (frac === 0) return sign + secs;
  const f = frac < 10 ? FRACTION_DIGITS[frac] : frac < 100 ? "0" + frac : String(frac);
  return sign + secs + "." + f;
}

/** formatSampleTime(ms)'s bytes written at buf[pos] (room for 24 is the caller's), returning the position after them. */
export function writeSampleTime(buf: Uint8Array, pos: number, ms: number): number {
  const a = ms < 0 ? -ms : ms;
  if (!Number.isInteger(a) || a >= EXACT_BELOW) return writeAscii(buf, pos, formatSampleTime(ms));
  if (ms < 0) buf[pos++] = 45; // "-"
  const secs = Math.floor(a / 1000);
  const frac = a - secs * 1000;
  const end = writeUint(buf, pos, secs);
  if (frac === 0) return end;
  buf[end] = 46; // "."
  writeFixedWidth(buf, end + 1, frac, 3);
  return end + 4;
}

/** A scalar or string result's timestamp: Go's JSON encoding of ms/1000 ("1.5"). */
export function formatScalarTime(ms: number): string {
  return formatFloatF(ms / 1000);
}

// Characters Go's encoding/json escapes: controls, quote, backslash, HTML
// characters, U+2028/9, and surrogates (a lone one becomes U+FFFD).
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
const HEX = "0123456789abcdef";

/** A JSON string literal, escaped as Go's encoding/json escapes it. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      rep = c === 10 ? "\\n" : c === 13 ? "\\r" : c === 9 ? "\\t" : "\\u00" + HEX[c >> 4] + HEX[c & 15];
    } else if (c === 34) rep = '\\"';
    else if (c === 92) rep = "\\\\";
    else if (c === 60) rep = "\\u003c";
    else if (c === 62) rep = "\\u003e";
    else if (c === 38) rep = "\\u0026";
    else if (c === 0x2028) rep = "\\u2028";
    else if (c === 0x2029) rep = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair passes through unchanged
        continue;
      }
      rep = "\\ufffd";
    }
    if (rep === undefined) continue;
    if (i > from) out += s.slice(from, i);
    out += rep;
    from = i + 1;
  }
  if (from < n) out += s.slice(from);
  return out + '"';
}

/**
 * jsonString(s)'s bytes written at buf[pos] when s is printable ASCII that Go leaves unescaped
 * (the label names and values of nearly every series), returning the position after them; -1 for
 * any other s, whose bytes past pos are then garbage. The caller leaves room for s.length + 2.
 */
export function writePlainJsonString(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  buf[pos++] = 34; // '"'
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // Controls, '"', '&', '<', '>', '\\' and everything past '~' take jsonString's path.
    if (c < 0x20 || c > 0x7e || c === 34 || c === 38 || c === 60 || c === 62 || c === 92) return -1;
    buf[pos++] = c;
  }
  buf[pos++] = 34;
  return pos;
}

/** Below this a float's integer and short-decimal forms are exact in float64 arithmetic (fast path of writeSampleValue). */
const EXACT_BELOW = 2 ** 49;
/** Decimal places the short-decimal fast path tries; six keeps it ≥ 1e-6, where JS and Go write no exponent. */
const SHORT_DECIMALS = 6;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * formatSampleValue(v)'s bytes written at buf[pos], returning the position after them.
 * Integers below 2^49 and values with at most six decimal places are written from their
 * digits; the rest go through formatSampleValue. The caller leaves room for 32 bytes.
 */
export function writeSampleValue(buf: Uint8Array, pos: number, v: number): number {
  const a = v < 0 ? -v : v;
  if (Number.isInteger(a)) {
    if (a === 0 || a >= EXACT_BELOW) return writeAscii(buf, pos, formatSampleValue(v));
    if (v < 0) buf[pos++] = 45; // "-"
    return writeUint(buf, pos, a);
  }
  if (!(a < EXACT_BELOW)) return writeAscii(buf, pos, formatSampleValue(v));
  // The most decimal places (≤ 6) whose scaled value is exact: then at most one multiple of
  // 10^-d lies within half an ulp of a, so k / 10^d === a says k's digits are a's shortest form.
  let d = SHORT_DECIMALS;
  while (d > 0 && a * POW10[d]! >= EXACT_BELOW) d--;
  let k = Math.round(a * POW10[d]!);
  if (k / POW10[d]! !== a) {
    const end = writeShortestFraction(buf, v < 0 ? pos + 1 : pos, a);
    if (end < 0) return writeAscii(buf, pos, formatSampleValue(v));
    if (v < 0) buf[pos] = 45;
    return end;
  }
  for (; d > 0 && k % 10 === 0; d--) k /= 10;
  if (v < 0) buf[pos++] = 45;
  return writeDigits(buf, pos, k, d);
}

/** 2^i for i in [-80, 60], at POW2[i + 80]: exact, built by halving and doubling. */
const POW2 = Array.from({ length: 141 }, (_, i) => 2 ** (i - 80));
/** Dekker's splitter for float64: 2^27 + 1. */
const SPLITTER = 134217729;
const TEN_16 = 1e16;
const TEN_17 = 1e17;
const TEN_8 = 1e8;
const LOG10_2 = Math.log10(2);

/**
 * The shortest digits that read back as a (1e-6 ≤ a < 2^53, not an integer), as ECMAScript's
 * Number::toString picks them (fewest digits, then the closest, then the even one), written at
 * buf[pos]; returns the position after them, or −1 for a case left to formatSampleValue (a power
 * of two, or nine digits or fewer: the short-decimal path's). X = a·10^p ∈ [1e16, 1e17) is taken
 * exactly as hi + lo (Dekker's product), hi's 17 digits as two integers high·1e8 + low, and the
 * half-ulp δ around X is exact too: the answer is the multiple of the largest 10^j within δ of X.
 */
export function writeShortestFraction(buf: Uint8Array, pos: number, a: number): number {
  // a ∈ [2^e, 2^(e+1)): its neighbours are 2^(e−52) away (a power of two has a nearer one below).
  const e = binaryExponent(a);
  const mantissa = a * POW2[52 - e + 80]!;
  if (mantissa === 2 ** 52) return -1;
  // log10(a) ∈ [0.30103·e, 0.30103·(e+1)): p is right or one more, set right by the product's size.
  const p0 = 16 - Math.floor(e * LOG10_2);
  let p = p0 > 22 ? 22 : p0;
  let hi = a * POW10[p]!;
  if (hi >= TEN_17) hi = a * POW10[--p]!;
  if (p < 1 || p > 22 || hi < TEN_16 || hi >= TEN_17) return -1;
  const scale = POW10[p]!;
  const lo = productError(a, scale, hi);
  // A decimal exactly halfway to a neighbour reads back as the one with the even mantissa.
  const inclusive = mantissa === 2 * Math.floor(mantissa / 2);
  const delta = POW2[e - 53 + 80]! * scale;
  // lo − δ and lo + δ exactly, as sum and error (Knuth's two-sum).
  const below = lo - delta;
  const belowErr = twoSumError(lo, -delta, below);
  const above = lo + delta;
  const aboveErr = twoSumError(lo, delta, above);
  let high = Math.floor(hi / TEN_8);
  let lowPart = hi - high * TEN_8;
  if (lowPart < 0) {
    high--;
    lowPart += TEN_8;
  } else if (lowPart >= TEN_8) {
    high++;
    lowPart -= TEN_8;
  }
  const low = lowPart | 0;
  // j: digits dropped from 17. A multiple of 10^j within δ means one of 10^(j−1) too: climb until
  // none. q = low mod 10^j, built digit by digit (division by a constant, no modulo).
  let j = 0;
  let q = 0;
  let unit = 1;
  let rest = low;
  for (; j < 8; j++) {
    const next = (rest / 10) | 0;
    const nextQ = q + (rest - next * 10) * unit;
    const nextUnit = unit * 10;
    if (!withinDelta(nearestOffset(nextQ, nextUnit, lo), below, belowErr, above, aboveErr, inclusive)) break;
    q = nextQ;
    unit = nextUnit;
    rest = next;
  }
  if (j === 8) return -1;
  // X − candidate = n + lo; exactly halfway (n + lo = −unit/2) the upper one was taken: keep it if its last digit is even.
  let n = j === 0 ? -Math.round(lo) : nearestOffset(q, unit, lo);
  if (lo === -n - unit / 2 && (((low - n) / unit) & 1) !== 0) n += unit;
  let digits = low - n;
  if (digits < 0) {
    digits += TEN_8;
    high--;
  } else if (digits >= TEN_8) {
    digits -= TEN_8;
    high++;
  }
  if (high < TEN_8 || high >= 10 * TEN_8) return -1;
  // a = 0.D1…D17 × 10^point; 17 − j digits are kept.
  const point = 17 - p;
  const kept = 17 - j;
  if (kept <= point) return -1;
  let out = pos;
  if (point <= 0) {
    buf[out++] = 48; // "0"
    buf[out++] = 46; // "."
    for (let z = point; z < 0; z++) buf[out++] = 48;
    writeFixedWidth(buf, out, high, 9);
    writeFixedWidth(buf, out + 9, digits, 8);
    return out + kept;
  }
  writeFixedWidth(buf, out, high, 9);
  writeFixedWidth(buf, out + 9, digits, 8);
  for (let x = out + kept; x > out + point; x--) buf[x] = buf[x - 1]!;
  buf[out + point] = 46;
  return out + kept + 1;
}

/** floor(log2(a)) for 2^-32 ≤ a < 2^53, from the leading zeros of a 32-bit integer part. */
function binaryExponent(a: number): number {
  if (a < 1) return -1 - Math.clz32(a * 4294967296);
  if (a < 4294967296) return 31 - Math.clz32(a);
  return 63 - Math.clz32(a / 4294967296);
}

/** x·y − product exactly (Dekker's two-product; no overflow or underflow in this range). */
function productError(x: number, y: number, product: number): number {
  const cx = SPLITTER * x;
  const xh = cx - (cx - x);
  const xl = x - xh;
  const cy = SPLITTER * y;
  const yh = cy - (cy - y);
  const yl = y - yh;
  return xh * yh - product + xh * yl + xl * yh + xl * yl;
}

/** x + y − sum exactly (Knuth's two-sum). */
function twoSumError(x: number, y: number, sum: number): number {
  const yv = sum - x;
  return x - (sum - yv) + (y - yv);
}

/**
 * X − c for the multiple c of unit = 10^j (j ≥ 1) nearest X, as the integer n with X − c = n + lo, X's low
 * part being low + lo and q = low mod unit (halfway: the upper multiple). lo is compared with integers: exactly.
 */
function nearestOffset(q: number, unit: number, lo: number): number {
  const half = unit >> 1;
  if (lo < -half - q) return q + unit;
  if (lo < half - q) return q;
  if (lo < unit + half - q) return q - unit;
  return q - 2 * unit;
}

/** Whether n + lo lies within δ, given lo − δ and lo + δ as exact sum-and-error pairs (n an integer, the sums small). */
function withinDelta(n: number, below: number, belowErr: number, above: number, aboveErr: number, inclusive: boolean): boolean {
  // Distinct from −n, a sum differs from it by an ulp or more, more than its error: only equality needs the error.
  const m = -n;
  const notAbove = below < m || (below === m && (inclusive ? belowErr <= 0 : belowErr < 0));
  const notBelow = above > m || (above === m && (inclusive ? aboveErr >= 0 : aboveErr > 0));
  return notAbove && notBelow;
}

/** The integer k < 2^49 written with its last `decimals` digits after a point ("0.05" for 5, 2). */
function writeDigits(buf: Uint8Array, pos: number, k: number, decimals: number): number {
  if (decimals === 0) return writeUint(buf, pos, k);
  const scale = POW10[decimals]!;
  const frac = k % scale;
  const end = writeUint(buf, pos, (k - frac) / scale);
  buf[end] = 46; // "."
  writeFixedWidth(buf, end + 1, frac, decimals);
  return end + 1 + decimals;
}

/** The integer n < 2^49 in decimal, in two int32 halves of up to eight digits (no float division per digit). */
function writeUint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 1e8) return writeSmallUint(buf, pos, n);
  const high = Math.floor(n / 1e8);
  const end = writeSmallUint(buf, pos, high);
  writeFixedWidth(buf, end, n - high * 1e8, 8);
  return end + 8;
}

function writeSmallUint(buf: Uint8Array, pos: number, n: number): number {
  let width = 1;
  while (width < 8 && n >= POW10[width]!) width++;
  writeFixedWidth(buf, pos, n, width);
  return pos + width;
}

/** n < 2^31 as exactly `width` digits, zero-padded on the left. */
function writeFixedWidth(buf: Uint8Array, pos: number, n: number, width: number): void {
  let m = n | 0;
  for (let p = pos + width - 1; p >= pos; p--) {
    const q = (m / 10) | 0;
    buf[p] = 48 + m - q * 10;
    m = q;
  }
}

/** An ASCII string's bytes at buf[pos] (room for them is the caller's), returning the position after them. */
export function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
  return pos + n;
}
