// Append validation: each sample is checked against its series' last accepted
// sample and the head's valid time range; accepted samples go into a pending
// batch (columns) that waits for the WAL, rejections are tallied by reason.
import { type FloatBits, STALE_NAN, formatLabels, histogramProblem, isStaleNaN } from "../../storeapi/index.js";
import type { Labels, NativeHistogram } from "../../storeapi/index.js";
import type { RejectReason } from "./metrics.js";
import type { MemSeries } from "./series.js";
import { objectArray } from "./object-array.js";
import { normaliseLabels, seriesHashKey, type HeadState } from "./state.js";
import type { Rejection, SampleKind, SeriesSamples } from "./types.js";
import type { WalSeriesRecord } from "./wal/index.js";

/** Per-batch rejection tally. */
export class Rejections {
  private readonly counts = new Map<string, { reason: RejectReason; kind: SampleKind; count: number; firstError: string }>();

  add(reason: RejectReason, count: number, describe: () => string, kind: SampleKind = "sample"): void {
    const key = kind === "sample" ? reason : `${kind}:${reason}`;
    const r = this.counts.get(key);
    if (r !== undefined) r.count += count;
    else this.counts.set(key, { reason, kind, count, firstError: describe() });
  }

  list(): Rejection[] {
    return [...this.counts.values()].map((r) => ({ reason: r.reason, kind: r.kind, count: r.count, firstError: r.firstError }));
  }
}

/** Samples accepted by validation, waiting for the WAL; one row per sample. */
export interface PendingBatch {
  readonly owners: MemSeries[];
  readonly refs: Float64Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  /** Row k is a histogram sample when hs[k] is set (vs[k] is then unused); none set in float-only batches. */
  readonly hs: (NativeHistogram | undefined)[];
  /** Whether any row is a histogram (hs needs clearing and the WAL gets it). */
  histograms: boolean;
  /** Row k's start timestamp, 0 for none. */
  readonly sts: Float64Array;
  /** Whether any row has a start timestamp (sts needs clearing and the WAL gets it). */
  startTimestamps: boolean;
  n: number;
  /** The series validateSeries last resolved (undefined: it does not exist). */
  lastSeries: MemSeries | undefined;
  /** Series this batch created, logged to the WAL before its samples. */
  readonly newSeries: WalSeriesRecord[];
}

/** Batch buffers kept for reuse, and the largest batch (in samples) worth keeping one for. */
const MAX_SPARE_BUFFERS = 8;
const MAX_POOLED_SAMPLES = 1 << 16;

/** Pending-batch buffers for reuse (big typed arrays are costly to allocate per batch). */
export class BatchPool {
  private readonly spare: PendingBatch[] = [];

  take(total: number): PendingBatch {
    for (let i = this.spare.length - 1; i >= 0; i--) {
      const b = this.spare[i]!;
      if (b.ts.length < total) continue;
      this.spare.splice(i, 1);
      return b;
    }
    return newPendingBatch(Math.max(total, 1024));
  }

  giveBack(b: PendingBatch): void {
    // Drop series references, so the pool never keeps truncated series alive.
    b.owners.fill(undefined as unknown as MemSeries, 0, b.n);
    if (b.histograms) b.hs.fill(undefined, 0, b.n);
    if (b.startTimestamps) b.sts.fill(0, 0, b.n);
    b.histograms = false;
    b.startTimestamps = false;
    b.n = 0;
    b.lastSeries = undefined;
    b.newSeries.length = 0;
    if (this.spare.length < MAX_SPARE_BUFFERS && b.ts.length <= MAX_POOLED_SAMPLES) this.spare.push(b);
  }
}

export function newPendingBatch(size: number): PendingBatch {
  return {
    owners: new Array<MemSeries>(size),
    refs: new Float64Array(size),
    ts: new Float64Array(size),
    vs: new Float64Array(size),
    hs: new Array<NativeHistogram | undefined>(size),
    histograms: false,
    sts: new Float64Array(size),
    startTimestamps: false,
    n: 0,
    lastSeries: undefined,
    newSeries: objectArray(),
  };
}

/** The time rules appends are validated against. */
export interface AppendRules {
  readonly windowMs: number;
  /** Overrides the window rule for too_old (undefined: newest sample - windowMs). */
  readonly fixedMinValidTime: number | undefined;
  /** Samples before this are too_old whatever the window says (see HeadOptions.appendFloor). */
  readonly floor: (() => number) | undefined;
  readonly tooFarInFutureMs: number | undefined;
  readonly now: () => number;
}

/** Samples before this are rejected as too_old. */
export function minValidTime(state: HeadState, rules: AppendRules): number {
  const base = rules.fixedMinValidTime ?? state.maxTime - rules.windowMs;
  return Math.max(base, state.truncatedBefore, rules.floor?.() ?? -Infinity);
}

/**
 * Validates one series' samples into `pending` (creating the series when it has
 * accepted samples and does not exist yet); returns how many were accepted.
 */
export function validateSeries(
  state: HeadState,
  rules: AppendRules,
  entry: SeriesSamples,
  pending: PendingBatch,
  rejections: Rejections,
): number {
  const n = entry.n ?? entry.t.length;
  const nh = entry.histograms?.h.length ?? 0;
  pending.lastSeries = undefined;
  if (n === 0 && nh === 0) return 0;
  let series = knownSeries(state, entry);
  const labels = series !== undefined ? series.labels : normaliseLabels(entry.labels);
  if (labels === undefined) {
    if (n > 0) rejections.add("invalid_labels", n, () => `invalid label set ${describeLabels(entry.labels)}`);
    if (nh > 0) rejections.add("invalid_labels", nh, () => `invalid label set ${describeLabels(entry.labels)}`, "histogram");
    return 0;
  }
  const hash = series !== undefined ? series.hash : seriesHashKey(labels);
  series ??= state.lookup(labels, hash);
  pending.lastSeries = series;
  let lastT = series !== undefined ? series.lastT : -Infinity;
  let lastV = series !== undefined ? series.lastV : 0;
  let lastH = series?.lastH;
  const minValid = minValidTime(state, rules);
  const maxValid = rules.tooFarInFutureMs !== undefined ? rules.now() + rules.tooFarInFutureMs : Infinity;
  const bits = state.bits;
  const ts = entry.t;
  const vs = entry.v;
  const sts = entry.st;
  const from = entry.from ?? 0;
  const start = pending.n;
  let accepted = 0;
  for (let i = from; i < from + n; i++) {
    const t = ts[i]!;
    let v = vs[i]!;
    if (!Number.isSafeInteger(t)) {
      rejections.add("invalid_timestamp", 1, () => `timestamp ${t} is not an integer of ms, series ${formatLabels(labels)}`);
      continue;
    }
    const st = sts?.[i] ?? 0;
    if (!Number.isSafeInteger(st)) {
      rejections.add("invalid_timestamp", 1, () => `start timestamp ${st} of the sample at ${t} is not an integer of ms, series ${formatLabels(labels)}`);
      continue;
    }
    if (t < minValid) {
      rejections.add("too_old", 1, () => `sample at ${t} is before the head's min valid time ${minValid}, series ${formatLabels(labels)}`);
      continue;
    }
    if (t > maxValid) {
      rejections.add("too_far_in_future", 1, () => `sample at ${t} is more than ${rules.tooFarInFutureMs} ms ahead of the clock, series ${formatLabels(labels)}`);
      continue;
    }
    if (v !== v && isStaleNaN(v, bits)) v = STALE_NAN;
    if (t < lastT) {
      rejections.add("out_of_order", 1, () => `sample at ${t} is before the series' last sample at ${lastT}, series ${formatLabels(labels)}`);
      continue;
    }
    if (t === lastT) {
      if (lastH === undefined && sameBits(v, lastV, bits)) {
        accepted++;
        continue;
      }
      rejections.add("duplicate_sample_for_timestamp", 1, () => `sample at ${t} has value ${v}, the stored one ${lastH ? "a histogram" : lastV}, series ${formatLabels(labels)}`);
      continue;
    }
    const k = pending.n++;
    pending.ts[k] = t;
    pending.vs[k] = v;
    if (st !== 0) {
      pending.sts[k] = st;
      pending.startTimestamps = true;
    }
    lastT = t;
    lastV = v;
    lastH = undefined;
    accepted++;
  }
  const hist = entry.histograms;
  for (let i = 0; i < nh; i++) {
    const t = hist!.t[i]!;
    const h = hist!.h[i]!;
    const what = () => `histogram at ${t}, series ${formatLabels(labels)}`;
    if (!Number.isSafeInteger(t)) {
      rejections.add("invalid_timestamp", 1, () => `timestamp ${t} is not an integer of ms, series ${formatLabels(labels)}`, "histogram");
      continue;
    }
    const st = hist!.st?.[i] ?? 0;
    if (!Number.isSafeInteger(st)) {
      rejections.add("invalid_timestamp", 1, () => `start timestamp ${st} of the ${what()} is not an integer of ms`, "histogram");
      continue;
    }
    if (t < minValid) {
      rejections.add("too_old", 1, () => `${what()} is before the head's min valid time ${minValid}`, "histogram");
      continue;
    }
    if (t > maxValid) {
      rejections.add("too_far_in_future", 1, () => `${what()} is more than ${rules.tooFarInFutureMs} ms ahead of the clock`, "histogram");
      continue;
    }
    const bad = h.sum !== h.sum && isStaleNaN(h.sum, bits) ? undefined : histogramProblem(h);
    if (bad !== undefined) {
      rejections.add(bad.reason, 1, () => `${what()}: ${bad.message}`, "histogram");
      continue;
    }
    if (t < lastT) {
      rejections.add("out_of_order", 1, () => `${what()} is before the series' last sample at ${lastT}`, "histogram");
      continue;
    }
    if (t === lastT) {
      if (lastH !== undefined && sameHistogram(h, lastH, bits)) {
        accepted++;
        continue;
      }
      rejections.add("duplicate_sample_for_timestamp", 1, () => `${what()} differs from the sample stored at that time`, "histogram");
      continue;
    }
    const k = pending.n++;
    pending.ts[k] = t;
    pending.vs[k] = 0;
    pending.hs[k] = h;
    pending.histograms = true;
    if (st !== 0) {
      pending.sts[k] = st;
      pending.startTimestamps = true;
    }
    lastT = t;
    lastH = h;
    accepted++;
  }
  if (pending.n === start) return accepted;
  if (series === undefined) {
    series = state.createSeries(state.nextId++, labels, hash);
    pending.newSeries.push(series);
    pending.lastSeries = series;
  }
  for (let k = start; k < pending.n; k++) {
    pending.owners[k] = series;
    pending.refs[k] = series.id;
  }
  series.lastT = lastT;
  series.lastV = lastV;
  series.lastH = lastH;
  return accepted;
}

/** The series entry.series is, when it is this head's, still held, and entry.labels is its own label set (the object). */
function knownSeries(state: HeadState, entry: SeriesSamples): MemSeries | undefined {
  const series = entry.series as MemSeries | undefined;
  return series !== undefined && series.owner === state && series.labels === entry.labels ? series : undefined;
}

/** Whether two histograms are the same sample (Prometheus's Equals: bit-equal sums, same layout and counts). */
function sameHistogram(a: NativeHistogram, b: NativeHistogram, bits: FloatBits): boolean {
  return (
    a.float === b.float &&
    a.schema === b.schema &&
    a.zeroThreshold === b.zeroThreshold &&
    a.zeroCount === b.zeroCount &&
    a.count === b.count &&
    sameBits(a.sum, b.sum, bits) &&
    sameList(a.positiveBuckets, b.positiveBuckets) &&
    sameList(a.negativeBuckets, b.negativeBuckets) &&
    sameSpans(a.positiveSpans, b.positiveSpans) &&
    sameSpans(a.negativeSpans, b.negativeSpans) &&
    sameList(a.customValues ?? [], b.customValues ?? [])
  );
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSpans(a: NativeHistogram["positiveSpans"], b: NativeHistogram["positiveSpans"]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.offset !== b[i]!.offset || a[i]!.length !== b[i]!.length) return false;
  return true;
}

/** Compares float bits, so NaN equals NaN and stale equals stale but not each other. */
function sameBits(a: number, b: number, bits: FloatBits): boolean {
  if (a === a && b === b) return a === b && (a !== 0 || 1 / a === 1 / b);
  // A stale marker may have been quieted on its way through a plain array or field.
  const staleA = isStaleNaN(a, bits);
  const staleB = isStaleNaN(b, bits);
  if (staleA || staleB) return staleA && staleB;
  bits.set(a);
  const hi = bits.hi();
  const lo = bits.lo();
  bits.set(b);
  return hi === bits.hi() && lo === bits.lo();
}

function describeLabels(labels: Labels): string {
  return "{" + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(", ") + "}";
}
