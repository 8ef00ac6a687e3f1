// WAL replay: series records recreate series under their WAL ref, sample records
// are committed directly (no window check), skipping what the head cannot take.
import { BatchPool, type PendingBatch } from "./append.js";
import { commitBatch } from "./commit.js";
import type { MemSeries } from "./series.js";
import { normaliseLabels, seriesHashKey, type HeadState } from "./state.js";
import type { ReplaySink } from "./types.js";
import type { NativeHistogram } from "../../storeapi/index.js";
import type { WalSeriesRecord } from "./wal/index.js";

export interface CountingReplaySink extends ReplaySink {
  /** Samples out of order or of an unknown ref. */
  skipped(): number;
  /** Series records reusing a ref of another label set. */
  conflicts(): number;
}

/**
 * A sink that replays into `state`: out-of-order samples and those of unknown refs
 * are counted in skipped(), a ref reused for another label set in conflicts().
 * Use before any append.
 */
export function createReplaySink(state: HeadState, chunkRangeMs: number): CountingReplaySink {
  /** WAL ref → series, for refs whose label set already exists under another ref. */
  const aliases = new Map<number, MemSeries>();
  // Records are committed one at a time: one batch's buffers serve them all.
  const pool = new BatchPool();
  let skipped = 0;
  let conflicts = 0;
  const seriesOf = (ref: number): MemSeries | undefined => (aliases.size === 0 ? undefined : aliases.get(ref)) ?? state.byId.get(ref);
  return {
    onSeries(recs: readonly WalSeriesRecord[]): void {
      for (const r of recs) {
        const labels = normaliseLabels(r.labels);
        if (labels === undefined) continue;
        const hash = seriesHashKey(labels);
        const existing = state.lookup(labels, hash);
        if (existing !== undefined) {
          if (existing.id !== r.ref) aliases.set(r.ref, existing);
        } else if (state.byId.has(r.ref)) {
          // A ref reused for another label set: the WAL is inconsistent; its samples are skipped.
          conflicts++;
        } else {
          state.createSeries(r.ref, labels, hash);
        }
        if (r.ref >= state.nextId) state.nextId = r.ref + 1;
      }
    },
    onSamples(refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, n: number, sts?: Float64Array): void {
      const pending = pool.take(n);
      // Values are copied as their two 32-bit halves, so a stale marker's NaN keeps its exact bits.
      const from = wordsOf(vs);
      const to = wordsOf(pending.vs);
      // A record often holds runs of one series' samples: its lookup is kept across the run.
      let lastRef = -1;
      let s: MemSeries | undefined;
      for (let i = 0; i < n; i++) {
        const ref = refs[i]!;
        if (ref !== lastRef) {
          s = seriesOf(ref);
          lastRef = ref;
        }
        const t = ts[i]!;
        if (s === undefined || !(t > s.lastT)) {
          skipped++;
          continue;
        }
        const k = pending.n++;
        pending.owners[k] = s;
        pending.ts[k] = t;
        to[2 * k] = from[2 * i]!;
        to[2 * k + 1] = from[2 * i + 1]!;
        keepStartTimestamp(pending, k, sts, i);
        s.lastT = t;
        s.lastV = pending.vs[k]!;
        s.lastH = undefined;
      }
      commitBatch(state, chunkRangeMs, pending);
      pool.giveBack(pending);
    },
    onHistograms(refs: ArrayLike<number>, ts: ArrayLike<number>, hs: readonly NativeHistogram[], n: number, sts?: Float64Array): void {
      const pending = pool.take(n);
      for (let i = 0; i < n; i++) {
        const s = seriesOf(refs[i]!);
        const t = ts[i]!;
        if (s === undefined || !(t > s.lastT)) {
          skipped++;
          continue;
        }
        const k = pending.n++;
        pending.owners[k] = s;
        pending.ts[k] = t;
        pending.hs[k] = hs[i]!;
        keepStartTimestamp(pending, k, sts, i);
        s.lastT = t;
        s.lastH = hs[i]!;
      }
      pending.histograms = true;
      commitBatch(state, chunkRangeMs, pending);
      pool.giveBack(pending);
    },
    skipped: () => skipped,
    conflicts: () => conflicts,
  };
}

/** The 32-bit words of a float column (two a value, in memory order). */
function wordsOf(column: Float64Array): Uint32Array {
  return new Uint32Array(column.buffer, column.byteOffset, column.length * 2);
}

/** Row k of a replayed batch gets row i's start timestamp, when the record had one. */
function keepStartTimestamp(pending: PendingBatch, k: number, sts: Float64Array | undefined, i: number): void {
  const st = sts?.[i] ?? 0;
  if (st === 0) return;
  pending.sts[k] = st;
  pending.startTimestamps = true;
}
