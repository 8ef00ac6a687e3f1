// The *_over_time family and double_exponential_smoothing over one window.
import { kahanCompensation } from "./kahan.js";
import { quantileInPlace } from "./quantile.js";
import type { RangeWindow } from "./window.js";

function isInf(x: number): boolean {
  return x === Infinity || x === -Infinity;
}

export function sumOverTime(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  let sum = 0;
  let c = 0;
  for (let i = start; i < end; i++) {
    const x = v[i];
    c = kahanCompensation(x, sum, c);
    sum += x;
  }
  return isInf(sum) ? sum : sum + c;
}

/**
 * Direct mean with Kahan summation while the running sum stays finite, switching to an
 * incremental mean once it would overflow (Prometheus 3, see prometheus#16714).
 */
export function avgOverTime(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  let sum = v[start];
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = start + 1; i < end; i++) {
    const x = v[i];
    count = i - start + 1;
    if (!incremental) {
      const newSum = sum + x;
      if (!isInf(newSum)) {
        c = kahanCompensation(x, sum, c);
        sum = newSum;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    const inc = x / count;
    const base = q * mean;
    c = kahanCompensation(inc, base, q * c);
    mean = base + inc;
  }
  return incremental ? mean + c : sum / count + c / count;
}

export function countOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? w.end - w.start : undefined;
}

export function presentOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? 1 : undefined;
}

export function lastOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? w.v[w.end - 1] : undefined;
}

export function firstOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? w.v[w.start] : undefined;
}

export function tsOfLastOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? w.t[w.end - 1] / 1000 : undefined;
}

export function tsOfFirstOverTime(w: RangeWindow): number | undefined {
  return w.end > w.start ? w.t[w.start] / 1000 : undefined;
}

// NaN is replaced by any later value, so it wins only when every value is NaN.
export function maxOverTime(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  let m = v[start];
  for (let i = start; i < end; i++) {
    const x = v[i];
    if (x > m || m !== m) m = x;
  }
  return m;
}

export function minOverTime(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  let m = v[start];
  for (let i = start; i < end; i++) {
    const x = v[i];
    if (x < m || m !== m) m = x;
  }
  return m;
}

/** Timestamp (seconds) of the maximum; ties go to the latest sample. */
export function tsOfMaxOverTime(w: RangeWindow): number | undefined {
  const { t, v, start, end } = w;
  if (end <= start) return undefined;
  let m = v[start];
  let at = t[start];
  for (let i = start; i < end; i++) {
    const x = v[i];
    if (x >= m || m !== m) {
      m = x;
      at = t[i];
    }
  }
  return at / 1000;
}

/** Timestamp (seconds) of the minimum; ties go to the latest sample. */
export function tsOfMinOverTime(w: RangeWindow): number | undefined {
  const { t, v, start, end } = w;
  if (end <= start) return undefined;
  let m = v[start];
  let at = t[start];
  for (let i = start; i < end; i++) {
    const x = v[i];
    if (x <= m || m !== m) {
      m = x;
      at = t[i];
    }
  }
  return at / 1000;
}

/** Welford's online variance with Kahan-compensated mean and sum of squares. */
function variance(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  let count = 0;
  let mean = 0, cMean = 0;
  let aux = 0, cAux = 0;
  for (let i = start; i < end; i++) {
    const x = v[i];
    count++;
    const d = x - (mean + cMean);
    const incMean = d / count;
    cMean = kahanCompensation(incMean, mean, cMean);
    mean += incMean;
    const incAux = d * (x - (mean + cMean));
    cAux = kahanCompensation(incAux, aux, cAux);
    aux += incAux;
  }
  return (aux + cAux) / count;
}

export const stdvarOverTime = variance;

export function stddevOverTime(w: RangeWindow): number | undefined {
  const r = variance(w);
  return r === undefined ? undefined : Math.sqrt(r);
}

/** Copies the window's values into scratch space the caller may sort. */
function copyValues(w: RangeWindow): Float64Array {
  const n = w.end - w.start;
  const buf = w.scratch !== undefined && w.scratch.length >= n ? w.scratch : new Float64Array(n);
  const v = w.v;
  for (let i = 0, j = w.start; i < n; i++, j++) buf[i] = v[j];
  return buf;
}

/** args[0]: φ; outside [0, 1] gives ±Inf (the engine adds the warning). */
export function quantileOverTime(w: RangeWindow, args: number[]): number | undefined {
  if (w.end <= w.start) return undefined;
  return quantileInPlace(args[0], copyValues(w), w.end - w.start);
}

/** Median absolute deviation from the median; any NaN makes it NaN. */
export function madOverTime(w: RangeWindow): number | undefined {
  const { v, start, end } = w;
  if (end <= start) return undefined;
  for (let i = start; i < end; i++) if (v[i] !== v[i]) return NaN;
  const n = end - start;
  const buf = copyValues(w);
  const median = quantileInPlace(0.5, buf, n);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(buf[i] - median);
  return quantileInPlace(0.5, buf, n);
}

/**
 * The error message Prometheus raises for invalid double_exponential_smoothing factors,
 * or undefined when both are in (0, 1). Go formats the factor with %f (six decimals).
 */
export function doubleExponentialSmoothingArgsError(sf: number, tf: number): string | undefined {
  if (!(sf > 0 && sf < 1)) return `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoF(sf)}`;
  if (!(tf > 0 && tf < 1)) return `invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoF(tf)}`;
  return undefined;
}

/** Go's %f: six decimals, NaN and ±Inf spelled as Go spells them. */
export function formatGoF(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return x.toFixed(6);
}

/**
 * args: [sf, tf]. Holt's linear (double exponential) smoothing; the engine validates the
 * factors with doubleExponentialSmoothingArgsError first. Fewer than two samples: no output.
 */
export function doubleExponentialSmoothing(w: RangeWindow, args: number[]): number | undefined {
  const { v, start, end } = w;
  if (end - start < 2) return undefined;
  const sf = args[0];
  const tf = args[1];
  let s0 = 0;
  let s1 = v[start];
  let b = v[start + 1] - v[start];
  for (let i = start + 1; i < end; i++) {
    const x = sf * v[i];
    // The trend of the first step is the raw difference; afterwards it is smoothed.
    if (i - 1 !== start) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}
