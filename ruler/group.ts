// A rule group on its schedule, as Prometheus runs one: evaluations at Prometheus's
// hash-based offset within the interval, rules in order (a recording rule's output is
// written before the next rule runs, so later rules see it), stale markers for series a
// rule stops producing, missed iterations counted, `for` state restored after a restart.
import { labelsKey, STALE_NAN, XxHash64, type Labels } from "../storeapi/index.js";
import { RuleState, type RuleEnv } from "./rule.js";
import type { RuleGroupConfig } from "./rulefile.js";
import type { AppendFunc, EvaluationQuerier, NotifyFunc, OutputSample, RuleQuerier } from "./types.js";

export interface GroupDeps {
  querier: RuleQuerier;
  append: AppendFunc;
  notify: NotifyFunc;
  externalLabels: Labels;
  externalURL: string;
  /** Used when a group has no `interval`. */
  defaultIntervalMs: number;
  defaultQueryOffsetMs: number;
  resendDelayMs: number;
  /** How far back ALERTS_FOR_STATE is looked for on restore (--rules.alert.for-outage-tolerance). */
  outageToleranceMs: number;
  /** Minimum `for` left after a restore (--rules.alert.for-grace-period). */
  forGracePeriodMs: number;
  now: () => number;
  onError?: (group: string, rule: string, err: Error) => void;
}

/** The first evaluation time at or after nowMs, at the group's offset: Prometheus's EvalTimestamp + interval. */
export function groupOffsetMs(name: string, file: string, intervalMs: number): number {
  const raw = hashInput(name, file);
  const intervalNs = BigInt(intervalMs) * 1_000_000n;
  const h = new XxHash64().hash(raw, raw.length);
  return Number(((BigInt(h.hi) << 32n) | BigInt(h.lo)) % intervalNs) / 1e6;
}

/** labels.Hash's input for {file, name}: each name and value followed by the byte 0xff (not valid UTF-8, so written as a byte). */
function hashInput(name: string, file: string): Uint8Array {
  const enc = new TextEncoder();
  const parts = [enc.encode("file"), enc.encode(file), enc.encode("name"), enc.encode(name)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
    out[i++] = 0xff;
  }
  return out;
}

/** The evaluation slot at or before nowMs: base of the interval plus the group's offset (in ms, floored as Prometheus's timestamps). */
export function evalTimestamp(nowMs: number, intervalMs: number, offsetMs: number): number {
  const adj = nowMs - offsetMs;
  return Math.floor(adj - (((adj % intervalMs) + intervalMs) % intervalMs) + offsetMs);
}

export class RuleGroup {
  readonly rules: RuleState[];
  readonly intervalMs: number;
  readonly queryOffsetMs: number;
  lastEvaluation = 0;
  evaluationMs = 0;
  iterationsMissed = 0;
  iterations = 0;
  /** Recent evaluation durations (ms), for quantiles. */
  readonly durations: number[] = [];
  private readonly offsetMs: number;
  private readonly seriesReturned: Map<string, Labels>[];
  /** Alerting rules' generatorURL, built at the first notification. */
  private readonly generatorURLs: (string | undefined)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextEval = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  private shouldRestore: boolean;

  constructor(
    readonly config: RuleGroupConfig,
    private readonly deps: GroupDeps,
    /** Restore `for` state from ALERTS_FOR_STATE after the first evaluation (a fresh start, not a reload). */
    restore: boolean,
    previous?: RuleGroup,
  ) {
    this.intervalMs = config.intervalMs ?? deps.defaultIntervalMs;
    this.queryOffsetMs = config.queryOffsetMs ?? deps.defaultQueryOffsetMs;
    this.offsetMs = groupOffsetMs(config.name, config.file, this.intervalMs);
    this.rules = config.rules.map((r) => new RuleState(r, config.labels));
    this.seriesReturned = this.rules.map(() => new Map());
    this.shouldRestore = restore;
    if (previous !== undefined) this.adopt(previous);
    else if (!restore) for (const r of this.rules) r.restored = true;
  }

  get name(): string {
    return this.config.name;
  }

  get file(): string {
    return this.config.file;
  }

  /** Keeps the alert state of rules that are unchanged across a reload (Prometheus's CopyState). */
  private adopt(prev: RuleGroup): void {
    this.shouldRestore = false;
    this.rules.forEach((r, i) => {
      const old = prev.rules.find((o) => o.config.name === r.config.name && o.config.expr === r.config.expr && o.kind === r.kind);
      r.restored = true;
      if (old === undefined) return;
      for (const [k, a] of old.active) r.active.set(k, a);
      r.health = old.health;
      r.lastError = old.lastError;
      r.lastEvaluation = old.lastEvaluation;
      r.evaluationMs = old.evaluationMs;
      const j = prev.rules.indexOf(old);
      for (const [k, l] of prev.seriesReturned[j]!) this.seriesReturned[i]!.set(k, l);
    });
  }

  start(): void {
    const now = this.deps.now();
    this.nextEval = evalTimestamp(now, this.intervalMs, this.offsetMs) + this.intervalMs;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, this.nextEval - this.deps.now()));
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const missed = Math.floor((this.deps.now() - this.nextEval) / this.intervalMs);
    if (missed > 0) {
      this.iterationsMissed += missed;
      this.nextEval += missed * this.intervalMs;
    }
    const ts = this.nextEval;
    this.nextEval += this.intervalMs;
    this.running = this.evaluate(ts);
    await this.running;
    this.schedule();
  }

  /** One evaluation of every rule at ts (the slot time; queries run at ts - query_offset). */
  async evaluate(ts: number): Promise<void> {
    const start = performance.now();
    const t = ts - this.queryOffsetMs;
    const evaluation = this.deps.querier.forEvaluation?.(this.deps.externalLabels) ?? { querier: this.deps.querier, written: () => undefined };
    for (let i = 0; i < this.rules.length; i++) await this.evalRule(i, t, evaluation);
    if (this.shouldRestore) {
      this.shouldRestore = false;
      await this.restoreForState(t);
    }
    this.iterations++;
    this.lastEvaluation = this.deps.now();
    this.evaluationMs = performance.now() - start;
    this.durations.push(this.evaluationMs);
    if (this.durations.length > 1000) this.durations.shift();
  }

  private async evalRule(i: number, t: number, evaluation: EvaluationQuerier): Promise<void> {
    const rule = this.rules[i]!;
    const env: RuleEnv = {
      querier: evaluation.querier,
      externalLabels: this.deps.externalLabels,
      externalURL: this.deps.externalURL,
      strategy: this.config.partialResponseStrategy,
      limit: this.config.limit,
    };
    const start = performance.now();
    rule.lastEvaluation = this.deps.now();
    let samples: OutputSample[];
    try {
      samples = await rule.eval(t, env);
    } catch (err) {
      rule.health = "err";
      rule.lastError = (err as Error).message;
      rule.evaluationMs = performance.now() - start;
      this.deps.onError?.(this.name, rule.config.name, err as Error);
      return;
    }
    const current = new Map<string, Labels>();
    for (const s of samples) current.set(labelsKey(s.labels), s.labels);
    const stale: OutputSample[] = [];
    for (const [k, l] of this.seriesReturned[i]!) if (!current.has(k)) stale.push({ labels: l, t, v: STALE_NAN });
    this.seriesReturned[i] = current;
    for (const s of samples) evaluation.written(s.labels);
    for (const s of stale) evaluation.written(s.labels);
    try {
      await this.deps.append(samples.length === 0 ? stale : stale.length === 0 ? samples : [...samples, ...stale]);
      rule.health = "ok";
      rule.lastError = "";
    } catch (err) {
      rule.health = "err";
      rule.lastError = `writing the rule's samples: ${(err as Error).message}`;
      this.deps.onError?.(this.name, rule.config.name, err as Error);
    }
    if (rule.kind === "alerting") {
      const alerts = rule.alertsToSend(t, this.deps.resendDelayMs, this.intervalMs, (this.generatorURLs[i] ??= `${this.deps.externalURL}/graph?g0.expr=${encodeURIComponent(rule.config.expr)}&g0.tab=1`));
      if (alerts.length > 0) this.deps.notify(alerts);
    }
    rule.evaluationMs = performance.now() - start;
  }

  /** Prometheus's RestoreForState: `for` progress from the ALERTS_FOR_STATE samples written before a restart. */
  private async restoreForState(ts: number): Promise<void> {
    const tolerance = this.deps.outageToleranceMs;
    for (const rule of this.rules) {
      if (rule.kind !== "alerting") continue;
      const hold = rule.config.forMs;
      if (hold === 0 || hold < this.deps.forGracePeriodMs || rule.active.size === 0) {
        rule.restored = true;
        continue;
      }
      let series;
      try {
        series = await this.deps.querier.matrix(`ALERTS_FOR_STATE{alertname=${JSON.stringify(rule.config.name)}}[${Math.max(1, Math.floor(tolerance / 1000))}s]`, ts);
      } catch (err) {
        this.deps.onError?.(this.name, rule.config.name, new Error(`restoring for state: ${(err as Error).message}`));
        rule.restored = true;
        continue;
      }
      const byKey = new Map<string, { t: number; v: number }>();
      for (const s of series) {
        const n = s.t.length;
        if (n === 0) continue;
        // The store adds its external labels; the alert's own labels are the rest.
        const labels = s.labels.filter((l) => l.name !== "__name__" && !this.deps.externalLabels.some((e) => e.name === l.name));
        byKey.set(labelsKey(labels), { t: s.t[n - 1]!, v: s.v[n - 1]! });
      }
      for (const [key, a] of rule.active) {
        const last = byKey.get(key);
        if (last === undefined) continue;
        const downAt = Math.floor(last.t / 1000) * 1000;
        let activeAt = last.v * 1000;
        const remaining = hold - (downAt - activeAt);
        if (remaining <= 0) {
          // It was firing: the next evaluation fires it again.
        } else if (remaining < this.deps.forGracePeriodMs) activeAt = ts - hold + this.deps.forGracePeriodMs;
        else activeAt += ts - downAt;
        a.activeAt = activeAt;
      }
      rule.restored = true;
    }
  }

  /** Stops scheduling and waits for a running evaluation. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** Stale markers for every series the group last produced (the group is removed). */
  async markStale(): Promise<void> {
    const t = this.deps.now();
    const stale: OutputSample[] = [];
    for (const m of this.seriesReturned) for (const l of m.values()) stale.push({ labels: l, t, v: STALE_NAN });
    if (stale.length > 0) await this.deps.append(stale).catch(() => undefined);
  }
}
