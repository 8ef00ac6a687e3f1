// The compliance tester's query-set file: `test_cases` with `query`, `variant_args`,
// `should_fail`, `skip_comparison`, expanded into concrete queries.
import { parseYaml, YamlError, type YamlValue } from "../../storeapi/index.js";

/** A test case as written, before its `{{.name}}` placeholders are filled in. */
export interface QueryTemplate {
  query: string;
  variantArgs: string[];
  shouldFail: boolean;
  skipComparison: boolean;
  /** 1-based line of the case's `query` in the file (0 when not known). */
  line: number;
}

/** One concrete query to run against both endpoints. */
export interface CompareCase {
  query: string;
  shouldFail: boolean;
  skipComparison: boolean;
  /** The template it came from, for reports. */
  template: string;
}

/**
 * The values each placeholder takes, as the PromLabs tester defines them in its code
 * (the query file names the placeholders but not their values). A file may override
 * or add lists with a top-level `variant_values:` mapping of name → list.
 */
export const DEFAULT_VARIANT_VALUES: Readonly<Record<string, readonly string[]>> = {
  range: ["1s", "15s", "1m", "5m", "15m", "1h"],
  offset: ["1m", "5m", "10m"],
  simpleAggrOp: ["sum", "avg", "max", "min", "count", "stddev", "stdvar"],
  simpleTimeAggrOp: ["sum", "avg", "max", "min", "count", "stddev", "stdvar", "absent", "last"],
  topBottomOp: ["topk", "bottomk"],
  quantile: ["-0.5", "0.1", "0.5", "0.75", "0.95", "0.90", "0.99", "1", "1.5"],
  arithBinOp: ["+", "-", "*", "/", "%", "^"],
  compBinOp: ["==", "!=", "<", ">", "<=", ">="],
  binOp: ["+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">="],
  simpleMathFunc: ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "round"],
  extrapolatedRateFunc: ["delta", "rate", "increase"],
  clampFunc: ["clamp_min", "clamp_max"],
  instantRateFunc: ["idelta", "irate"],
  dateFunc: ["day_of_month", "day_of_week", "days_in_month", "hour", "minute", "month", "year"],
  smoothingFactor: ["0.1", "0.5", "0.8"],
  trendFactor: ["0.1", "0.5", "0.8"],
};

export class QueryFileError extends Error {
  override name = "QueryFileError";
}

export interface QueryFile {
  templates: QueryTemplate[];
  variantValues: Record<string, readonly string[]>;
}

/** Reads the query-set file's text; errors name the file's line and what is wrong. */
export function parseQueryFile(text: string): QueryFile {
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw new QueryFileError(err.message);
    throw err;
  }
  if (!isMapping(doc)) throw new QueryFileError("the file must be a mapping with a test_cases list");
  const cases = doc["test_cases"];
  if (!Array.isArray(cases)) throw new QueryFileError("test_cases: missing or not a list");
  const variantValues: Record<string, readonly string[]> = { ...DEFAULT_VARIANT_VALUES };
  const extra = doc["variant_values"];
  if (extra !== undefined && extra !== null) {
    if (!isMapping(extra)) throw new QueryFileError("variant_values: must map names to lists");
    for (const [name, list] of Object.entries(extra)) {
      if (!Array.isArray(list) || list.length === 0) throw new QueryFileError(`variant_values.${name}: must be a non-empty list`);
      variantValues[name] = list.map((v) => String(v));
    }
  }
  const lineOf = queryLines(text);
  const templates = cases.map((c, i) => toTemplate(c, i, lineOf[i] ?? 0, variantValues));
  return { templates, variantValues };
}

function isMapping(v: YamlValue | undefined): v is { [key: string]: YamlValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const CASE_KEYS = new Set(["query", "variant_args", "should_fail", "skip_comparison"]);

function toTemplate(c: YamlValue, i: number, line: number, values: Record<string, readonly string[]>): QueryTemplate {
  const where = `test_cases[${i}]${line > 0 ? ` (line ${line})` : ""}`;
  if (!isMapping(c)) throw new QueryFileError(`${where}: must be a mapping with a query`);
  for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) throw new QueryFileError(`${where}: unknown field "${k}"`);
  const q = c["query"];
  if (typeof q !== "string" && typeof q !== "number") throw new QueryFileError(`${where}: query must be a string`);
  const va = c["variant_args"] ?? [];
  if (!Array.isArray(va) || va.some((v) => typeof v !== "string")) throw new QueryFileError(`${where}: variant_args must be a list of names`);
  const variantArgs = va as string[];
  for (const name of variantArgs) if (values[name] === undefined) throw new QueryFileError(`${where}: unknown variant arg "${name}"`);
  const query = String(q);
  for (const m of query.matchAll(/\{\{\s*\.(\w+)\s*\}\}/g)) {
    if (!variantArgs.includes(m[1])) throw new QueryFileError(`${where}: placeholder {{.${m[1]}}} is not in variant_args`);
  }
  return { query, variantArgs, shouldFail: flag(c, "should_fail", where), skipComparison: flag(c, "skip_comparison", where), line };
}

function flag(c: { [key: string]: YamlValue }, key: string, where: string): boolean {
  const v = c[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw new QueryFileError(`${where}: ${key} must be true or false`);
  return v;
}

/** Line numbers of the `query:` keys, in order, so errors and reports can point at the file. */
function queryLines(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^\s*(-\s+)?query\s*:/.test(l)) out.push(i + 1);
  });
  return out;
}

/** Every combination of the template's variant values, the first argument varying slowest. */
export function expandTemplate(t: QueryTemplate, values: Readonly<Record<string, readonly string[]>> = DEFAULT_VARIANT_VALUES): CompareCase[] {
  const names = [...new Set(t.variantArgs)];
  let combos: Record<string, string>[] = [{}];
  for (const name of names) {
    const vals = values[name];
    if (vals === undefined) throw new QueryFileError(`unknown variant arg "${name}"`);
    combos = combos.flatMap((c) => vals.map((v) => ({ ...c, [name]: v })));
  }
  return combos.map((args) => ({
    query: t.query.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, name: string) => args[name] ?? ""),
    shouldFail: t.shouldFail,
    skipComparison: t.skipComparison,
    template: t.query,
  }));
}

export function expandQueryFile(f: QueryFile): CompareCase[] {
  return f.templates.flatMap((t) => expandTemplate(t, f.variantValues));
}
