// What the ruler needs from the rest of orrery, passed in (no globals): a way to query, a way to
// write samples, a way to notify, and a clock.
import type { Labels } from "../storeapi/index.js";
import type { PartialResponseStrategy } from "./rulefile.js";

export interface RuleSample {
  labels: Labels;
  v: number;
}

export interface RuleSeries {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface RuleQuerier {
  /** An instant query at tMs as a vector (a scalar is one sample without labels); throws on an error or a string result. */
  instant(expr: string, tMs: number, strategy: PartialResponseStrategy): Promise<RuleSample[]>;
  /** Raw samples of a range selector (`m{…}[d]`) at tMs: restores `for` state from ALERTS_FOR_STATE. */
  matrix(expr: string, tMs: number): Promise<RuleSeries[]>;
  /** A querier for one group evaluation, its store reads shared between the group's rules until `written` says a series they could hold was written (absent: every query reads). */
  forEvaluation?(externalLabels: Labels): EvaluationQuerier;
}

export interface EvaluationQuerier {
  querier: RuleQuerier;
  /** A series the group wrote (labels as written, without external labels). */
  written(labels: Labels): void;
}

export interface OutputSample {
  labels: Labels;
  t: number;
  v: number;
}

/** Where recorded series, ALERTS and ALERTS_FOR_STATE go: the head (stateful) or a remote_write URL. */
export type AppendFunc = (samples: OutputSample[]) => Promise<void>;

/** An alert as Alertmanager's v2 API takes it (times in ms). */
export interface NotifyAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
}

export type NotifyFunc = (alerts: NotifyAlert[]) => void;

export type Health = "ok" | "err" | "unknown";
export type AlertState = "pending" | "firing" | "inactive";
