// Go's float formatting verbs as Prometheus uses them in messages (%g), without allocation
// beyond the returned string.

/** Go's fmt "%g" (strconv.FormatFloat(x, 'g', -1, 64)): shortest digits, exponent form when exp < -4 or exp >= 6. */
export function formatGoG(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const e = x.toExponential(); // Shortest round-trip digits, e.g. "-1.234567e+6".
  const at = e.indexOf("e");
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 6) {
    const digits = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${e.slice(0, at)}e${exp < 0 ? "-" : "+"}${digits}`;
  }
  return String(x); // JS prints fixed notation for these exponents, with the same digits.
}

/** Prometheus's warning for a φ outside [0, 1] (histogram_quantile, quantile_over_time, quantile). */
export function invalidQuantileWarning(q: number): string | undefined {
  if (q !== q || q < 0 || q > 1) return `quantile value should be between 0 and 1, got ${formatGoG(q)}`;
  return undefined;
}
