// Element-wise functions of one float (plus scalar arguments), as Prometheus computes them.

export const abs = (v: number): number => Math.abs(v);
export const ceil = (v: number): number => Math.ceil(v);
export const floor = (v: number): number => Math.floor(v);
export const exp = (v: number): number => Math.exp(v);
export const ln = (v: number): number => Math.log(v);
export const log2 = (v: number): number => Math.log2(v);
export const log10 = (v: number): number => Math.log10(v);
export const sqrt = (v: number): number => Math.sqrt(v);
export const sin = (v: number): number => Math.sin(v);
export const cos = (v: number): number => Math.cos(v);
export const tan = (v: number): number => Math.tan(v);
export const asin = (v: number): number => Math.asin(v);
export const acos = (v: number): number => Math.acos(v);
export const atan = (v: number): number => Math.atan(v);
export const sinh = (v: number): number => Math.sinh(v);
export const cosh = (v: number): number => Math.cosh(v);
export const tanh = (v: number): number => Math.tanh(v);
export const asinh = (v: number): number => Math.asinh(v);
export const acosh = (v: number): number => Math.acosh(v);
export const atanh = (v: number): number => Math.atanh(v);
export const deg = (v: number): number => (v * 180) / Math.PI;
export const rad = (v: number): number => (v * Math.PI) / 180;

/** -1, 1, or the value itself for ±0 and NaN. */
export const sgn = (v: number): number => (v < 0 ? -1 : v > 0 ? 1 : v);

/** args[0]: to_nearest (default 1). Ties round up; the inverse is used as Prometheus does. */
export function round(v: number, args: number[]): number {
  const toNearest = args.length > 0 ? args[0] : 1;
  const inverse = 1 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

/**
 * args: [min, max]. NaN bounds propagate. When min > max Prometheus emits NO sample at all:
 * the engine must check clampHasOutput(min, max) first; this returns NaN in that case.
 */
export function clamp(v: number, args: number[]): number {
  const min = args[0];
  const max = args[1];
  if (max < min) return NaN;
  return Math.max(min, Math.min(max, v));
}

/** False when clamp/clamp_min/clamp_max must drop every sample (max < min). */
export function clampHasOutput(min: number, max: number): boolean {
  return !(max < min);
}

export const clampMin = (v: number, args: number[]): number => Math.max(args[0], Math.min(Infinity, v));
export const clampMax = (v: number, args: number[]): number => Math.max(-Infinity, Math.min(args[0], v));
