// The ruler: rule files (globs) loaded into groups, each group run on its schedule, reloads
// (SIGHUP, POST /-/reload, a changed file) that keep the previous rules when a file is bad,
// and the state the /api/v1/rules and /api/v1/alerts endpoints show.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Counter, Gauge, Summary, type Registry } from "prom-client";
import type { ApiAlert, ApiRule, ApiRuleGroup, RulesSource } from "../api/index.js";
import { formatGoG } from "../promql/index.js";
import { labelsToRecord } from "../storeapi/index.js";
import { RuleGroup, type GroupDeps } from "./group.js";
import { parseRuleFile, type RuleGroupConfig } from "./rulefile.js";
import type { RuleState } from "./rule.js";
import { RulesDir } from "./rulesdir.js";

export interface RulerOptions extends GroupDeps {
  /** Rule file paths or globs (`*`, `?` in the last path element). */
  files: readonly string[];
  /** Where groups written through the ruler configuration API are kept (--rules.dir; absent: no API). */
  rulesDir?: string;
  /** Poll for changed rule files every this many ms (0: off). */
  watchIntervalMs?: number;
  registry?: Registry;
  /** The Alertmanagers' alerts endpoints now (the notifier's), for /api/v1/alertmanagers. */
  alertmanagers?: () => Promise<string[]>;
  log?: { info(m: string): void; warn(m: string): void; error(m: string): void };
}

export class Ruler implements RulesSource {
  private groups: RuleGroup[] = [];
  private fingerprint = "";
  private watchTimer: NodeJS.Timeout | undefined;
  private started = false;
  lastReloadError = "";
  lastReloadSuccess = false;
  private readonly reloads: Counter | undefined;
  /** The groups managed over the Cortex/Mimir ruler configuration API, when --rules.dir is set. */
  readonly ruleConfig: RulesDir | undefined;
  private readonly files: readonly string[];
  readonly alertmanagers?: () => Promise<string[]>;

  constructor(private readonly opts: RulerOptions) {
    if (opts.alertmanagers !== undefined) this.alertmanagers = opts.alertmanagers;
    this.ruleConfig = opts.rulesDir === undefined || opts.rulesDir === "" ? undefined : new RulesDir(opts.rulesDir, () => this.reload());
    this.files = this.ruleConfig === undefined ? opts.files : [...opts.files, this.ruleConfig.glob];
    if (opts.registry !== undefined) {
      const registers = [opts.registry];
      const groups = (): RuleGroup[] => this.groups;
      this.reloads = new Counter({ name: "orrery_rule_reloads_total", help: "Rule reloads, by result.", labelNames: ["result"], registers });
      new Gauge({
        name: "orrery_rule_group_iterations_missed_total",
        help: "Evaluations of a group skipped because the previous one was still running.",
        labelNames: ["rule_group"],
        registers,
        collect() {
          this.reset();
          for (const g of groups()) this.set({ rule_group: `${g.file};${g.name}` }, g.iterationsMissed);
        },
      });
      new Gauge({
        name: "orrery_rule_group_last_duration_seconds",
        help: "Duration of a group's last evaluation.",
        labelNames: ["rule_group"],
        registers,
        collect() {
          this.reset();
          for (const g of groups()) this.set({ rule_group: `${g.file};${g.name}` }, g.evaluationMs / 1000);
        },
      });
      new Summary({
        name: "orrery_rule_group_duration_seconds",
        help: "Duration of group evaluations (the last 1000 of each group).",
        percentiles: [0.5, 0.9, 0.99],
        registers,
        collect() {
          this.reset();
          for (const g of groups()) for (const d of g.durations) this.observe(d / 1000);
        },
      });
    }
  }

  /** Loads the rule files and starts every group; resolves with the load errors (then no group runs). */
  async start(): Promise<string[]> {
    this.started = true;
    const errors = await this.load(true);
    const every = this.opts.watchIntervalMs ?? 0;
    if (every > 0) {
      this.watchTimer = setInterval(() => void this.reloadIfChanged(), every);
      this.watchTimer.unref();
    }
    return errors;
  }

  /** Re-reads the rule files; a bad file keeps the running rules and is reported. Unchanged rules keep their alerts. */
  reload(): Promise<string[]> {
    return this.load(false);
  }

  private async load(initial: boolean): Promise<string[]> {
    const loaded = await loadRuleFiles(this.files);
    if (loaded.errors.length > 0) {
      this.lastReloadError = loaded.errors.join("\n");
      this.lastReloadSuccess = false;
      this.reloads?.inc({ result: "failure" });
      this.opts.log?.error(`loading rule files failed, keeping the previous rules: ${this.lastReloadError}`);
      return loaded.errors;
    }
    this.fingerprint = loaded.fingerprint;
    const old = new Map(this.groups.map((g) => [`${g.file}\n${g.name}`, g]));
    const next = loaded.groups.map((cfg) => {
      const prev = old.get(`${cfg.file}\n${cfg.name}`);
      old.delete(`${cfg.file}\n${cfg.name}`);
      return new RuleGroup(cfg, this.opts, initial, prev);
    });
    for (const g of this.groups) await g.stop();
    for (const g of old.values()) await g.markStale();
    this.groups = next;
    if (this.started) for (const g of next) g.start();
    this.lastReloadError = "";
    this.lastReloadSuccess = true;
    this.reloads?.inc({ result: "success" });
    if (!initial) this.opts.log?.info(`reloaded ${next.length} rule groups`);
    return [];
  }

  private async reloadIfChanged(): Promise<void> {
    const loaded = await loadRuleFiles(this.files, true);
    if (loaded.fingerprint !== this.fingerprint) await this.reload();
  }

  async stop(): Promise<void> {
    if (this.watchTimer !== undefined) clearInterval(this.watchTimer);
    for (const g of this.groups) await g.stop();
  }

  ruleGroups(): readonly RuleGroup[] {
    return this.groups;
  }

  /** The groups in Prometheus's /api/v1/rules shape. */
  apiGroups(): ApiRuleGroup[] {
    return this.groups.map((g) => ({
      name: g.name,
      file: g.file,
      rules: g.rules.map(apiRule),
      interval: g.intervalMs / 1000,
      limit: g.config.limit,
      evaluationTime: g.evaluationMs / 1000,
      lastEvaluation: isoTime(g.lastEvaluation),
      partialResponseStrategy: g.config.partialResponseStrategy.toUpperCase(),
    }));
  }
}

function apiRule(r: RuleState): ApiRule {
  const common = {
    name: r.config.name,
    query: r.config.expr,
    labels: r.config.labels,
    health: r.health,
    ...(r.lastError === "" ? {} : { lastError: r.lastError }),
    evaluationTime: r.evaluationMs / 1000,
    lastEvaluation: isoTime(r.lastEvaluation),
  };
  if (r.kind === "recording") return { ...common, type: "recording" };
  return {
    state: r.state(),
    ...common,
    duration: r.config.forMs / 1000,
    keepFiringFor: r.config.keepFiringForMs / 1000,
    annotations: r.config.annotations,
    alerts: r.alerts().map(apiAlert),
    type: "alerting",
  };
}

export function apiAlert(a: RuleState["active"] extends Map<string, infer A> ? A : never): ApiAlert {
  return {
    labels: labelsToRecord(a.labels),
    annotations: labelsToRecord(a.annotations),
    state: a.state,
    activeAt: isoTime(a.activeAt),
    ...(a.keepFiringSince === 0 ? {} : { keepFiringSince: isoTime(a.keepFiringSince) }),
    value: formatE(a.value),
  };
}

/** Go's strconv.FormatFloat(v, 'e', -1, 64), as Prometheus prints an alert's value. */
function formatE(v: number): string {
  if (!Number.isFinite(v)) return formatGoG(v);
  return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
}

/** Go's time.Time JSON: RFC 3339 with nanoseconds trimmed; the zero time when never set. */
function isoTime(ms: number): string {
  if (ms === 0) return "0001-01-01T00:00:00Z";
  return new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
}

interface LoadedRules {
  groups: RuleGroupConfig[];
  errors: string[];
  /** A hash of every file's content, to notice changes. */
  fingerprint: string;
}

/** Reads every file the paths and globs name; all errors of all files are collected. */
export async function loadRuleFiles(patterns: readonly string[], fingerprintOnly = false): Promise<LoadedRules> {
  const hash = createHash("sha256");
  const groups: RuleGroupConfig[] = [];
  const errors: string[] = [];
  for (const file of await expandGlobs(patterns)) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    hash.update(file).update("\0").update(text).update("\0");
    if (fingerprintOnly) continue;
    const parsed = parseRuleFile(text, file);
    errors.push(...parsed.errors);
    groups.push(...parsed.groups);
  }
  return { groups, errors, fingerprint: hash.digest("hex") };
}

/** Paths as given, or the files matching `*` / `?` in the last element, sorted. */
export async function expandGlobs(patterns: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const p of patterns) {
    const base = basename(p);
    if (!/[*?[]/.test(base)) {
      out.add(p);
      continue;
    }
    const dir = dirname(p);
    const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (re.test(n)) out.add(join(dir, n));
  }
  return [...out];
}
