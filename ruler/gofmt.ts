// Go's fmt formatting of numbers and values, as alert templates print them: `%v` of a float64
// (promql's formatGoG, the one shortest 'g'), `%.4g` (humanize), and the printf verbs templates use.
import { formatGoG } from "../promql/index.js";

/** Go's strconv.FormatFloat(v, 'g', prec, 64); prec < 0 is the shortest form that round-trips (Go's %v). */
export function formatG(v: number, prec: number): string {
  const special = finite(v);
  if (special !== undefined) return special;
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  if (prec < 0) return formatGoG(v);
  const digits = Math.max(prec, 1);
  const expForm = v.toExponential(digits - 1);
  const exp = Number(expForm.split("e")[1]);
  // Go: exponent form when the exponent is < -4 or ≥ the precision (6 for the shortest form).
  if (exp < -4 || exp >= digits) return goExponent(trimMantissa(expForm));
  const fixed = goFixed(v, Math.max(0, digits - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

function trimMantissa(s: string): string {
  const [m, e] = s.split("e");
  const mant = m!.includes(".") ? m!.replace(/\.?0+$/, "") : m!;
  return `${mant}e${e}`;
}

/** JS "1.5e+6" → Go "1.5e+06". */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** Go's %v of a template value. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "<no value>";
  if (typeof v === "number") return formatG(v, -1);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(" ")}]`;
  if (typeof v === "object") {
    const rec = v as Record<string, unknown>;
    if ("Labels" in rec && "Value" in rec) return `{${formatValue(rec["Labels"])} ${formatValue(rec["Value"])}}`;
    const keys = Object.keys(rec).sort();
    return `map[${keys.map((k) => `${k}:${formatValue(rec[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's fmt.Sprintf for the verbs templates use: %v %s %d %f %e %g %q %x %t %%, with flags, width and precision. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== "%") {
      out += c;
      continue;
    }
    const m = /^([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z%])/.exec(format.slice(i + 1));
    if (m === null) {
      out += "%!(NOVERB)";
      break;
    }
    i += m[0].length;
    const [, flags, width, precText, verb] = m;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    const prec = precText === undefined ? -1 : precText === "" ? 0 : Number(precText);
    out += pad(formatVerb(verb!, arg, prec, flags!), Number(width || 0), flags!);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goTypeName(a)}=${formatValue(a)}`).join(", ")})`;
  return out;
}

function formatVerb(verb: string, arg: unknown, prec: number, flags: string): string {
  const sign = (s: string, n: number): string => (n >= 0 && flags.includes("+") ? `+${s}` : n >= 0 && flags.includes(" ") ? ` ${s}` : s);
  switch (verb) {
    case "v":
      return formatValue(arg);
    case "s":
      return typeof arg === "string" ? (prec >= 0 ? arg.slice(0, prec) : arg) : bad(verb, arg);
    case "q":
      return typeof arg === "string" ? JSON.stringify(arg) : bad(verb, arg);
    case "t":
      return typeof arg === "boolean" ? String(arg) : bad(verb, arg);
    case "d":
      return typeof arg === "number" && Number.isInteger(arg) ? sign(String(arg), arg) : bad(verb, arg);
    case "x":
      if (typeof arg === "number" && Number.isInteger(arg)) return arg.toString(16);
      return typeof arg === "string" ? Buffer.from(arg, "utf8").toString("hex") : bad(verb, arg);
    case "f":
    case "F":
      return typeof arg === "number" ? sign(finite(arg) ?? goFixed(arg, prec < 0 ? 6 : prec), arg) : bad(verb, arg);
    case "e":
      return typeof arg === "number" ? sign(finite(arg) ?? goExponent(arg.toExponential(prec < 0 ? 6 : prec)), arg) : bad(verb, arg);
    case "g":
      return typeof arg === "number" ? sign(formatG(arg, prec), arg) : bad(verb, arg);
    default:
      return bad(verb, arg);
  }
}

/** toFixed rounding an exact half to even, as Go does (JS rounds it up): 2.25 → "2.2". */
export function goFixed(v: number, digits: number): string {
  const rounded = v.toFixed(digits);
  if (digits + 25 > 100) return rounded;
  const exact = Math.abs(v).toFixed(digits + 25);
  const tail = exact.slice(exact.length - 25);
  if (!/^50*$/.test(tail)) return rounded;
  const kept = exact.slice(0, exact.length - 25).replace(/\.$/, "");
  if (Number(kept[kept.length - 1]) % 2 === 1) return rounded;
  return (v < 0 ? "-" : "") + kept;
}

function finite(v: number): string | undefined {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return undefined;
}

function pad(s: string, width: number, flags: string): string {
  if (s.length >= width) return s;
  if (flags.includes("-")) return s.padEnd(width);
  if (flags.includes("0") && /^[-+]?[\d.]/.test(s)) {
    const signChar = /^[-+]/.test(s) ? s[0] : "";
    return signChar + s.slice(signChar.length).padStart(width - signChar.length, "0");
  }
  return s.padStart(width);
}

function bad(verb: string, arg: unknown): string {
  return `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;
}

function goTypeName(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (v === null || v === undefined) return "<nil>";
  return Array.isArray(v) ? "[]interface {}" : "map[string]string";
}
