// Go's float formatting as Prometheus uses it: strconv.FormatFloat(v, 'f', -1, 64) for scalar
// results, count_values labels and quantile labels (shortest round-trip digits, never an
// exponent), and fmt's %g for numbers in messages and annotations.

/** A float as Go's 'f', -1 formatting: "NaN", "+Inf", "-Inf", "-0", else plain decimal. */
export function formatGoFloat(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  // For finite numbers JSON.stringify writes String(v)'s digits (ECMA-262), ~25% faster in V8.
  const s = JSON.stringify(v);
  const e = s.indexOf("e");
  return e < 0 ? s : expandExponent(s, e);
}

/** Rewrites JS exponent notation ("1.5e-7", "1e+21") as plain decimal digits. */
function expandExponent(s: string, e: number): string {
  const negative = s.charCodeAt(0) === 45;
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  // Position of the decimal point relative to the start of `digits`.
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return negative ? "-" + out : out;
}

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
