// Append validation: each sample is checked against its series' last accepted
// sample and the head's valid time range; accepted samples go into a pending
// batch (columns) that waits for the WAL, rejections are tallied by reason.
import { type FloatBits, STALE_NAN, formatLabels, isStaleNaN } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import type { RejectReason } from "./metrics.js";
import type { MemSeries } from "./series.js";
import { normaliseLabels, seriesHashKey, type HeadState } from "./state.js";
import type { Rejection, SeriesSamples } from "./types.js";
import type { WalSeriesRecord } from "./wal/index.js";

/** Per-batch rejection tally. */
export class Rejections {
  private readonly counts = new Map<RejectReason, { count: number; firstError: string }>();

  add(reason: RejectReason, count: number, describe: () => string): void {
    const r = this.counts.get(reason);
    if (r !== undefined) r.count += count;
    else this.counts.set(reason, { count, firstError: describe() });
  }

  list(): Rejection[] {
    return [...this.counts].map(([reason, r]) => ({ reason, count: r.count, firstError: r.firstError }));
  }
}

/** Samples accepted by validation, waiting for the WAL; one row per sample. */
export interface PendingBatch {
  readonly owners: MemSeries[];
  readonly refs: Float64Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  n: number;
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
    b.n = 0;
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
    n: 0,
    newSeries: [],
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
  if (n === 0) return 0;
  const labels = normaliseLabels(entry.labels);
  if (labels === undefined) {
    rejections.add("invalid_labels", n, () => `invalid label set ${describeLabels(entry.labels)}`);
    return 0;
  }
  const hash = seriesHashKey(labels);
  let series = state.lookup(labels, hash);
  let lastT = series !== undefined ? series.lastT : -Infinity;
  let lastV = series !== undefined ? series.lastV : 0;
  const minValid = minValidTime(state, rules);
  const maxValid = rules.tooFarInFutureMs !== undefined ? rules.now() + rules.tooFarInFutureMs : Infinity;
  const bits = state.bits;
  const ts = entry.t;
  const vs = entry.v;
  const start = pending.n;
  let accepted = 0;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    let v = vs[i]!;
    if (!Number.isSafeInteger(t)) {
      rejections.add("invalid_timestamp", 1, () => `timestamp ${t} is not an integer of ms, series ${formatLabels(labels)}`);
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
      if (sameBits(v, lastV, bits)) {
        accepted++;
        continue;
      }
      rejections.add("duplicate_sample_for_timestamp", 1, () => `sample at ${t} has value ${v}, the stored one ${lastV}, series ${formatLabels(labels)}`);
      continue;
    }
    const k = pending.n++;
    pending.ts[k] = t;
    pending.vs[k] = v;
    lastT = t;
    lastV = v;
    accepted++;
  }
  if (pending.n === start) return accepted;
  if (series === undefined) {
    series = state.createSeries(state.nextId++, labels, hash);
    pending.newSeries.push({ ref: series.id, labels: series.labels });
  }
  for (let k = start; k < pending.n; k++) {
    pending.owners[k] = series;
    pending.refs[k] = series.id;
  }
  series.lastT = lastT;
  series.lastV = lastV;
  return accepted;
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
