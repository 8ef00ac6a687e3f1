// A recording or alerting rule and its state over evaluations, as Prometheus's rules package
// keeps it: recording rules rename and relabel their result; alerting rules run the
// pending → firing → inactive machine with `for` and `keep_firing_for`, and produce the ALERTS
// and ALERTS_FOR_STATE samples.
import { compareLabels, labelsFromRecord, labelsKey, labelsToRecord, LabelsBuilder, METRIC_NAME, type Labels } from "../storeapi/index.js";
import type { PartialResponseStrategy, RuleConfig } from "./rulefile.js";
import { prepareAlertTemplate, type AlertTemplateFn, type TemplateSample } from "./template.js";
import type { AlertState, Health, NotifyAlert, OutputSample, RuleQuerier } from "./types.js";

/** How long a resolved alert is kept (and re-sent as resolved) after it stops firing (Prometheus's resolvedRetention). */
const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface RuleEnv {
  querier: RuleQuerier;
  externalLabels: Labels;
  externalURL: string;
  strategy: PartialResponseStrategy;
  /** The group's `limit` (0: none). */
  limit: number;
}

export interface Alert {
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  value: number;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
  keepFiringSince: number;
  /** The ALERTS labels of the state they were last built for, and the ALERTS_FOR_STATE labels: built once, not every evaluation. */
  series?: { state: AlertState; alerts: Labels; forState: Labels };
}

export class RuleState {
  health: Health = "unknown";
  lastError = "";
  lastEvaluation = 0;
  evaluationMs = 0;
  /** Alerting rules: active alerts by label-set key. */
  readonly active = new Map<string, Alert>();
  /** Alerting rules: whether `for` state has been restored (ALERTS is written only after). */
  restored = false;
  /** The group's labels under the rule's own, in the order they are set. */
  private readonly ruleLabels: readonly [string, string][];
  /** Alerting rules: the label and annotation templates, parsed once. */
  private readonly labelTemplates: readonly [string, AlertTemplateFn][];
  private readonly annotationTemplates: readonly [string, AlertTemplateFn][];
  /** Whether the templates are pure functions of the sample's labels and value and the external labels and URL (no `query`). */
  private readonly pureTemplates: boolean;
  /** Alerting rules: the last evaluation's expansions by input series key, reused while the value stays the same. */
  private expanded = new Map<string, Expansion>();

  constructor(
    readonly config: RuleConfig,
    /** The group's labels, applied under the rule's own. */
    groupLabels: Record<string, string> = {},
  ) {
    this.ruleLabels = Object.entries({ ...groupLabels, ...config.labels });
    const prepared = (entries: [string, string][]): [string, AlertTemplateFn][] => (config.kind === "alerting" ? entries.map(([k, v]) => [k, prepareAlertTemplate(config.name, v)]) : []);
    this.labelTemplates = prepared([...this.ruleLabels]);
    this.annotationTemplates = prepared(Object.entries(config.annotations));
    this.pureTemplates = ![...this.ruleLabels.map(([, v]) => v), ...Object.values(config.annotations)].some((text) => text.includes("query"));
  }

  get kind(): "recording" | "alerting" {
    return this.config.kind;
  }

  /** Evaluates at tMs and returns the samples to write; throws on a query or validation error. */
  async eval(tMs: number, env: RuleEnv): Promise<OutputSample[]> {
    const vector = await env.querier.instant(this.config.expr, tMs, env.strategy);
    return this.kind === "recording" ? this.record(vector, tMs, env) : this.alert(vector, tMs, env);
  }

  private record(vector: { labels: Labels; v: number }[], tMs: number, env: RuleEnv): OutputSample[] {
    const out: OutputSample[] = [];
    const seen = new Set<string>();
    for (const s of vector) {
      const b = new LabelsBuilder(s.labels);
      b.set(METRIC_NAME, this.config.name);
      for (const [k, v] of this.ruleLabels) b.set(k, v);
      const labels = b.build();
      const key = labelsKey(labels);
      if (seen.has(key)) throw new Error("vector contains metrics with the same labelset after applying rule labels");
      seen.add(key);
      out.push({ labels, t: tMs, v: s.v });
    }
    if (env.limit > 0 && out.length > env.limit) throw new Error(`exceeded limit of ${env.limit} with ${out.length} series`);
    return out;
  }

  private async alert(vector: { labels: Labels; v: number }[], tMs: number, env: RuleEnv): Promise<OutputSample[]> {
    const name = this.config.name;
    const externalLabels = labelsToRecord(env.externalLabels);
    const current = new Map<string, { labels: Labels; annotations: Labels; value: number }>();
    const expanded = new Map<string, Expansion>();
    for (const s of vector) {
      const inputKey = labelsKey(s.labels);
      let e = this.expanded.get(inputKey);
      // Prometheus expands every evaluation; the same inputs give the same text, so an unchanged value reuses it.
      if (e === undefined || !this.pureTemplates || !Object.is(e.value, s.v)) {
        const ctx = {
          data: { Labels: labelsToRecord(s.labels), ExternalLabels: externalLabels, ExternalURL: env.externalURL, Value: s.v },
          externalURL: env.externalURL,
          query: (q: string) => templateQuery(env.querier, q, tMs),
        };
        const b = new LabelsBuilder(s.labels);
        b.set(METRIC_NAME, "");
        for (const [k, expand] of this.labelTemplates) b.set(k, await expand(ctx));
        b.set("alertname", name);
        const annotations: Record<string, string> = {};
        for (const [k, expand] of this.annotationTemplates) annotations[k] = await expand(ctx);
        const labels = b.build();
        e = { value: s.v, labels, key: labelsKey(labels), annotations: labelsFromRecord(annotations) };
      }
      expanded.set(inputKey, e);
      if (current.has(e.key)) throw new Error("vector contains metrics with the same labelset after applying alert labels");
      current.set(e.key, { labels: e.labels, annotations: e.annotations, value: s.v });
    }
    this.expanded = expanded;
    for (const [key, c] of current) {
      const existing = this.active.get(key);
      if (existing !== undefined && existing.state !== "inactive") {
        existing.value = c.value;
        existing.annotations = c.annotations;
        continue;
      }
      this.active.set(key, { ...c, state: "pending", activeAt: tMs, firedAt: 0, resolvedAt: 0, lastSentAt: 0, validUntil: 0, keepFiringSince: 0 });
    }
    const out: OutputSample[] = [];
    let activeCount = 0;
    for (const [key, a] of this.active) {
      if (!current.has(key)) {
        let keepFiring = false;
        if (a.state === "firing" && this.config.keepFiringForMs > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = tMs;
          keepFiring = tMs - a.keepFiringSince < this.config.keepFiringForMs;
        }
        if (a.state === "pending" || (a.resolvedAt !== 0 && tMs - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(key);
        if (a.state !== "inactive" && !keepFiring) {
          a.state = "inactive";
          a.resolvedAt = tMs;
        }
        if (!keepFiring) continue;
      } else a.keepFiringSince = 0;
      activeCount++;
      if (a.state === "pending" && tMs - a.activeAt >= this.config.forMs) {
        a.state = "firing";
        a.firedAt = tMs;
      }
      if (this.restored) {
        if (a.series?.state !== a.state) a.series = { state: a.state, alerts: withName(a.labels, "ALERTS", a.state), forState: a.series?.forState ?? withName(a.labels, "ALERTS_FOR_STATE") };
        out.push({ labels: a.series.alerts, t: tMs, v: 1 });
        out.push({ labels: a.series.forState, t: tMs, v: Math.floor(a.activeAt / 1000) });
      }
    }
    if (env.limit > 0 && activeCount > env.limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${env.limit} with ${activeCount} alerts`);
    }
    return out;
  }

  /** The alerts to send at tMs (Prometheus's needsSending), marked as sent. */
  alertsToSend(tMs: number, resendDelayMs: number, intervalMs: number, generatorURL: string): NotifyAlert[] {
    const out: NotifyAlert[] = [];
    for (const a of this.active.values()) {
      if (a.state === "pending") continue;
      if (!(a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelayMs < tMs)) continue;
      a.lastSentAt = tMs;
      // Valid for four intervals: two missed evaluations or sends do not resolve it.
      a.validUntil = tMs + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({ labels: a.labels, annotations: a.annotations, startsAt: a.firedAt, endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil, generatorURL });
    }
    return out;
  }

  /** Active alerts sorted by labels, for the API. */
  alerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== "inactive").sort((x, y) => compareLabels(x.labels, y.labels));
  }

  /** The rule's state: the most severe of its alerts. */
  state(): AlertState {
    let s: AlertState = "inactive";
    for (const a of this.active.values()) {
      if (a.state === "firing") return "firing";
      if (a.state === "pending") s = "pending";
    }
    return s;
  }
}

/** An alert's labels and annotations as expanded for an input series at a value. */
interface Expansion {
  readonly value: number;
  readonly labels: Labels;
  readonly key: string;
  readonly annotations: Labels;
}

function withName(labels: Labels, name: string, alertstate?: AlertState): Labels {
  const b = new LabelsBuilder(labels);
  b.set(METRIC_NAME, name);
  if (alertstate !== undefined) b.set("alertstate", alertstate);
  return b.build();
}

async function templateQuery(querier: RuleQuerier, q: string, tMs: number): Promise<TemplateSample[]> {
  const v = await querier.instant(q, tMs, "warn");
  return v.map((s) => ({ Labels: labelsToRecord(s.labels), Value: s.v }));
}
