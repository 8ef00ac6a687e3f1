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

/** Below this a float's integer and short-decimal forms are exact in float64 arithmetic (fast path of writeSampleValue). */
const EXACT_BELOW = 2 ** 49;
/** Decimal places the short-decimal fast path tries; six keeps it ≥ 1e-6, where JS and Go write no exponent. */
const SHORT_DECIMALS = 6;
const POW10 = Array.from({ length: 17 }, (_, i) => 10 ** i);

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
  if (k / POW10[d]! !== a) return writeAscii(buf, pos, formatSampleValue(v));
  for (; d > 0 && k % 10 === 0; d--) k /= 10;
  if (v < 0) buf[pos++] = 45;
  return writeDigits(buf, pos, k, d);
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
