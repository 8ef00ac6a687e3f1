// Test helper (Node only, not part of the library): the PromQL queries of the
// shared spec corpus — promqltest scripts and the compliance query list.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface CorpusQuery {
  query: string;
  /** file:line */
  source: string;
  /** The script or config says this query fails; the message when one is given. */
  expectFail?: string;
}

/** Every `eval …` query of the promqltest scripts, with its `expect fail` expectation. */
export function promqltestQueries(dir: string): CorpusQuery[] {
  const out: CorpusQuery[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".test"))
    .sort();
  const instant = /^eval(?:_fail|_warn|_info|_ordered)?\s+instant\s+at\s+\S+\s+(.*)$/;
  const range = /^eval(?:_fail|_warn|_info|_ordered)?\s+range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+\s+(.*)$/;
  for (const f of files) {
    const lines = readFileSync(join(dir, f), "utf8").split("\n");
    let current: CorpusQuery | undefined;
    lines.forEach((raw, i) => {
      const line = raw.trim();
      const m = instant.exec(line) ?? range.exec(line);
      if (m !== null) {
        current = { query: m[1]!.trim(), source: `${f}:${i + 1}` };
        if (line.startsWith("eval_fail")) current.expectFail = "";
        out.push(current);
        return;
      }
      if (current === undefined) return;
      const fail = /^expect\s+fail(?:\s+(?:msg|regex):\s*(.*))?$/.exec(line) ?? /^expected_fail_(?:message|regexp)\s+(.*)$/.exec(line);
      if (fail !== null) current.expectFail = fail[1] ?? "";
      else if (line === "" || /^(load|clear|eval)/.test(line)) current = undefined;
    });
  }
  return out;
}

/** Values the compliance tester substitutes for `{{.name}}` (promql/testcases/expand.go). */
export const complianceVariantArgs: Readonly<Record<string, string[]>> = {
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

/** A YAML scalar as the compliance file writes them: 'single', "double" or plain. */
export function yamlScalar(text: string): string {
  const s = text.trim();
  if (s.startsWith("'")) {
    const end = s.lastIndexOf("'");
    return s.slice(1, end).replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    const end = s.lastIndexOf('"');
    return JSON.parse(s.slice(0, end + 1)) as string;
  }
  const hash = s.search(/\s#/);
  return (hash >= 0 ? s.slice(0, hash) : s).trim();
}

/** A YAML flow list of scalars: ['a', 'b']. */
export function yamlFlowList(text: string): string[] {
  const s = text.trim();
  if (!s.startsWith("[") || !s.endsWith("]")) throw new Error(`not a flow list: ${s}`);
  const inner = s.slice(1, -1).trim();
  return inner === "" ? [] : inner.split(",").map(yamlScalar);
}

interface ComplianceCase {
  query: string;
  variantArgs: string[];
  shouldFail: boolean;
  line: number;
}

/** Reads the `test_cases:` list of promql-test-queries.yml (the YAML subset it uses). */
export function complianceCases(text: string): ComplianceCase[] {
  const cases: ComplianceCase[] = [];
  let current: ComplianceCase | undefined;
  let inCases = false;
  text.split("\n").forEach((raw, i) => {
    if (/^test_cases:\s*$/.test(raw)) {
      inCases = true;
      return;
    }
    if (!inCases) return;
    if (/^\S/.test(raw) && !raw.startsWith("#")) {
      inCases = false;
      return;
    }
    const item = /^\s*-\s+(.*)$/.exec(raw);
    let body = raw.trim();
    if (item !== null) {
      current = { query: "", variantArgs: [], shouldFail: false, line: i + 1 };
      cases.push(current);
      body = item[1]!.trim();
    }
    if (current === undefined || body === "" || body.startsWith("#")) return;
    const kv = /^([a-z_]+):\s*(.*)$/.exec(body);
    if (kv === null) return;
    const [, key, value] = kv;
    if (key === "query") current.query = yamlScalar(value!);
    else if (key === "variant_args") current.variantArgs = yamlFlowList(value!);
    else if (key === "should_fail") current.shouldFail = yamlScalar(value!) === "true";
  });
  return cases.filter((c) => c.query !== "");
}

function expand(query: string, names: string[], args: Record<string, string>): string[] {
  if (names.length === 0) return [query.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, n: string) => args[n] ?? `{{.${n}}}`)];
  const [name, ...rest] = names;
  const values = complianceVariantArgs[name!];
  if (values === undefined) throw new Error(`unknown variant arg ${name}`);
  return values.flatMap((v) => expand(query, rest, { ...args, [name!]: v }));
}

/** Every query of the compliance list with its variants expanded. */
export function complianceQueries(file: string): CorpusQuery[] {
  const text = readFileSync(file, "utf8");
  const out: CorpusQuery[] = [];
  for (const c of complianceCases(text)) {
    for (const q of expand(c.query, c.variantArgs, {})) {
      const entry: CorpusQuery = { query: q, source: `${file.split("/").pop()}:${c.line}` };
      if (c.shouldFail) entry.expectFail = "";
      out.push(entry);
    }
  }
  return out;
}

/** The whole corpus, or undefined when ../shared is not there. */
export function specCorpus(shared: string): CorpusQuery[] {
  return [...promqltestQueries(join(shared, "promqltest")), ...complianceQueries(join(shared, "compliance", "promql-test-queries.yml"))];
}
