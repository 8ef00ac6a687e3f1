// Prometheus rule files: groups of recording and alerting rules, read and validated as
// Prometheus's rulefmt does, so `orrery rule check` accepts and rejects what `promtool check
// rules` does and its errors name the file, group, rule and position the same way.
// Beyond Prometheus 2.42: `query_offset` (Prometheus 2.53) and Thanos's
// `partial_response_strategy` on a group.
import { parseYaml, YamlError, type YamlPositions, type YamlValue } from "../storeapi/index.js";
import { parse as parsePromql, parseDuration, ParseError } from "../promql/index.js";
import { parseAlertTemplate, TemplateError } from "./template.js";

export interface RuleConfig {
  kind: "recording" | "alerting";
  /** The `record` or `alert` name. */
  name: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type PartialResponseStrategy = "warn" | "abort";

export interface RuleGroupConfig {
  name: string;
  file: string;
  /** undefined: the ruler's evaluation interval. */
  intervalMs: number | undefined;
  /** undefined: the ruler's default query offset. */
  queryOffsetMs: number | undefined;
  /** Most series an alerting or recording rule may produce (0: unlimited). */
  limit: number;
  labels: Record<string, string>;
  partialResponseStrategy: PartialResponseStrategy;
  rules: RuleConfig[];
}

export interface RuleFileResult {
  groups: RuleGroupConfig[];
  /** promtool's error lines, each prefixed with the file name; empty when the file is valid. */
  errors: string[];
}

const GROUP_FIELDS = ["name", "interval", "query_offset", "limit", "rules", "labels", "partial_response_strategy"];
const RULE_FIELDS = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Decoding errors that stop the file before validation (yaml.v3's strict decode). */
class DecodeError extends Error {}

/** Reads and validates one rule file's text. */
export function parseRuleFile(text: string, file: string): RuleFileResult {
  const positions: YamlPositions = new Map();
  let doc: YamlValue;
  try {
    doc = parseYaml(text, positions);
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    return { groups: [], errors: [`${file}: yaml: line ${err.line}: ${err.detail}`] };
  }
  const unknown: string[] = [];
  let raw: { groups: RawGroup[] };
  try {
    raw = decodeFile(doc, positions, unknown);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return { groups: [], errors: [`${file}: ${err.message}`] };
  }
  if (unknown.length > 0) return { groups: [], errors: [`${file}: yaml: unmarshal errors:\n${unknown.map((u) => `  ${u}`).join("\n")}`] };
  const errors = validate(raw.groups).map((e) => `${file}: ${e}`);
  return { groups: errors.length > 0 ? [] : raw.groups.map((g) => toGroup(g, file)), errors };
}

interface RawRule {
  record: string;
  alert: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  pos: { record: Pos; alert: Pos; expr: Pos };
}
interface RawGroup {
  name: string;
  intervalMs: number | undefined;
  queryOffsetMs: number | undefined;
  limit: number;
  labels: Record<string, string>;
  partialResponseStrategy: PartialResponseStrategy;
  rules: RawRule[];
  pos: Pos;
}
/** yaml.v3's position of a node; 0:0 when the node is absent. */
type Pos = { line: number; column: number };
const NO_POS: Pos = { line: 0, column: 0 };

function decodeFile(doc: YamlValue, positions: YamlPositions, unknown: string[]): { groups: RawGroup[] } {
  if (doc === null) return { groups: [] };
  const top = asMapping(doc, "rulefmt.RuleGroups");
  checkFields(top, ["groups"], "rulefmt.RuleGroups", positions, unknown);
  const groups = top["groups"] ?? null;
  if (groups === null) return { groups: [] };
  if (!Array.isArray(groups)) throw new DecodeError(`yaml: unmarshal errors:\n  line ${positions.get(top)?.values["groups"]?.line ?? 0}: cannot unmarshal !!${yamlKind(groups)} into []rulefmt.RuleGroup`);
  return { groups: groups.map((g, i) => decodeGroup(g, positions.get(groups)?.values[String(i)] ?? NO_POS, positions, unknown)) };
}

function decodeGroup(v: YamlValue, at: Pos, positions: YamlPositions, unknown: string[]): RawGroup {
  const g = asMapping(v, "rulefmt.RuleGroup", at);
  checkFields(g, GROUP_FIELDS, "rulefmt.RuleGroup", positions, unknown);
  const rules = g["rules"] ?? null;
  if (rules !== null && !Array.isArray(rules)) throw new DecodeError(`yaml: unmarshal errors:\n  line ${at.line}: cannot unmarshal !!${yamlKind(rules)} into []rulefmt.RuleNode`);
  const strategy = scalar(g["partial_response_strategy"]) ?? "warn";
  if (strategy.toLowerCase() !== "warn" && strategy.toLowerCase() !== "abort") {
    throw new DecodeError(`group ${JSON.stringify(scalar(g["name"]) ?? "")}: partial_response_strategy must be warn or abort, got ${JSON.stringify(strategy)}`);
  }
  const limit = g["limit"] ?? 0;
  if (typeof limit !== "number" || !Number.isInteger(limit)) throw new DecodeError(`yaml: unmarshal errors:\n  line ${at.line}: cannot unmarshal !!str \`${String(limit)}\` into int`);
  return {
    name: scalar(g["name"]) ?? "",
    intervalMs: optionalDuration(g["interval"]),
    queryOffsetMs: optionalDuration(g["query_offset"]),
    limit,
    labels: stringMap(g["labels"]),
    partialResponseStrategy: strategy.toLowerCase() as PartialResponseStrategy,
    rules: (rules ?? []).map((r) => decodeRule(r, positions, unknown)),
    pos: positions.get(g) ?? at,
  };
}

function decodeRule(v: YamlValue, positions: YamlPositions, unknown: string[]): RawRule {
  const r = asMapping(v, "rulefmt.RuleNode");
  checkFields(r, RULE_FIELDS, "rulefmt.RuleNode", positions, unknown);
  const at = positions.get(r)?.values ?? {};
  return {
    record: scalar(r["record"]) ?? "",
    alert: scalar(r["alert"]) ?? "",
    expr: scalar(r["expr"]) ?? "",
    forMs: optionalDuration(r["for"]) ?? 0,
    keepFiringForMs: optionalDuration(r["keep_firing_for"]) ?? 0,
    labels: stringMap(r["labels"]),
    annotations: stringMap(r["annotations"]),
    pos: { record: at["record"] ?? NO_POS, alert: at["alert"] ?? NO_POS, expr: at["expr"] ?? NO_POS },
  };
}

function asMapping(v: YamlValue, type: string, at?: Pos): Record<string, YamlValue> {
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new DecodeError(`yaml: unmarshal errors:\n  line ${at?.line ?? 0}: cannot unmarshal !!${yamlKind(v)} into ${type}`);
  return v;
}

function checkFields(m: Record<string, YamlValue>, known: readonly string[], type: string, positions: YamlPositions, unknown: string[]): void {
  for (const key of Object.keys(m)) {
    if (!known.includes(key)) unknown.push(`line ${positions.get(m)?.values[key]?.line ?? 0}: field ${key} not found in type ${type}`);
  }
}

function yamlKind(v: YamlValue): string {
  if (Array.isArray(v)) return "seq";
  if (v !== null && typeof v === "object") return "map";
  return typeof v === "number" ? (Number.isInteger(v) ? "int" : "float") : typeof v === "boolean" ? "bool" : "str";
}

/** A scalar as the string Go's yaml decodes into a string field. */
function scalar(v: YamlValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object") throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal !!${yamlKind(v)} into string`);
  return String(v);
}

function optionalDuration(v: YamlValue | undefined): number | undefined {
  const s = scalar(v);
  if (s === undefined) return undefined;
  try {
    return parseDuration(s);
  } catch {
    throw new DecodeError(`not a valid duration string: ${JSON.stringify(s)}`);
  }
}

function stringMap(v: YamlValue | undefined): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new DecodeError(`yaml: unmarshal errors:\n  cannot unmarshal !!${yamlKind(v)} into map[string]string`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = scalar(val) ?? "";
  return out;
}

// ── Validation (rulefmt's Validate, in its order) ──

function validate(groups: RawGroup[]): string[] {
  const errs: string[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    if (g.name === "") errs.push(`${g.pos.line}:${g.pos.column}: Groupname must not be empty`);
    if (seen.has(g.name)) errs.push(`${g.pos.line}:${g.pos.column}: groupname: "${g.name}" is repeated in the same file`);
    for (const k of Object.keys(g.labels)) if (!LABEL_NAME.test(k) || k === "__name__") errs.push(`invalid label name: ${k}`);
    seen.add(g.name);
    g.rules.forEach((r, i) => {
      const name = r.alert !== "" ? r.alert : r.record;
      for (const e of validateRule(r)) {
        const where = e.pos === undefined ? "" : e.alt !== undefined ? `${e.pos.line}:${e.pos.column}: ${e.alt.line}:${e.alt.column}: ` : `${e.pos.line}:${e.pos.column}: `;
        errs.push(`${where}group ${JSON.stringify(g.name)}, rule ${i + 1}, ${JSON.stringify(name)}: ${e.msg}`);
      }
    });
  }
  return errs;
}

interface RuleProblem {
  msg: string;
  pos?: Pos;
  alt?: Pos;
}

function validateRule(r: RawRule): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (r.record !== "" && r.alert !== "") out.push({ msg: "only one of 'record' and 'alert' must be set", pos: r.pos.record, alt: r.pos.alert });
  if (r.record === "" && r.alert === "") out.push({ msg: "one of 'record' or 'alert' must be set", pos: r.pos.record });
  if (r.expr === "") out.push({ msg: "field 'expr' must be set in rule", pos: r.pos.expr });
  else {
    try {
      parsePromql(r.expr);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      out.push({ msg: `could not parse expression: ${err.message}`, pos: r.pos.expr });
    }
  }
  if (r.record !== "") {
    if (Object.keys(r.annotations).length > 0) out.push({ msg: "invalid field 'annotations' in recording rule", pos: r.pos.record });
    if (r.forMs !== 0) out.push({ msg: "invalid field 'for' in recording rule", pos: r.pos.record });
    if (r.keepFiringForMs !== 0) out.push({ msg: "invalid field 'keep_firing_for' in recording rule", pos: r.pos.record });
    if (!METRIC_NAME.test(r.record)) out.push({ msg: `invalid recording rule name: ${r.record}`, pos: r.pos.record });
  }
  for (const k of Object.keys(r.labels)) if (!LABEL_NAME.test(k) || k === "__name__") out.push({ msg: `invalid label name: ${k}` });
  for (const k of Object.keys(r.annotations)) if (!LABEL_NAME.test(k)) out.push({ msg: `invalid annotation name: ${k}` });
  if (r.alert !== "") {
    for (const [k, v] of Object.entries(r.labels)) templateProblem(r.alert, `label ${JSON.stringify(k)}`, v, out);
    for (const [k, v] of Object.entries(r.annotations)) templateProblem(r.alert, `annotation ${JSON.stringify(k)}`, v, out);
  }
  return out;
}

function templateProblem(alert: string, what: string, text: string, out: RuleProblem[]): void {
  try {
    parseAlertTemplate(alert, text);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    out.push({ msg: `${what}: ${err.message}` });
  }
}

function toGroup(g: RawGroup, file: string): RuleGroupConfig {
  return {
    name: g.name,
    file,
    intervalMs: g.intervalMs,
    queryOffsetMs: g.queryOffsetMs,
    limit: g.limit,
    labels: g.labels,
    partialResponseStrategy: g.partialResponseStrategy,
    rules: g.rules.map((r) => ({
      kind: r.alert !== "" ? "alerting" : "recording",
      name: r.alert !== "" ? r.alert : r.record,
      expr: r.expr,
      forMs: r.forMs,
      keepFiringForMs: r.keepFiringForMs,
      labels: r.labels,
      annotations: r.annotations,
    })),
  };
}
