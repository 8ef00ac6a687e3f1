// A proxy's estimate from its stores' estimates. Stores with the same external labels are one source
// split by time (a head and the blocks it shipped): their series are the same ones, their samples add
// up. Sources that differ only in replica labels are replicas when the request deduplicates: one
// replica's series and samples stand for all. Every other source holds other series: both add up.
import { labelsKey, weakerBasis } from "../storeapi/index.js";
import type { EstimateBasis, Labels, SeriesEstimate, StoreEstimate } from "../storeapi/index.js";

export interface StoreShare {
  readonly labelSets: readonly Labels[];
  readonly estimate: StoreEstimate;
}

interface Tally {
  series: number;
  samples: number;
}

/** The estimate of the merged stream over `shares` (deduplicated on `replicaLabels` when there are any). */
export function combineStoreEstimates(shares: readonly StoreShare[], replicaLabels: readonly string[], complete: boolean): SeriesEstimate {
  const drop = new Set(replicaLabels);
  // source (external labels without replica labels) → replica (full external labels) → tally
  const sources = new Map<string, Map<string, Tally>>();
  for (const { labelSets, estimate } of shares) {
    const sourceKey = setsKey(labelSets, drop);
    const replicaKey = setsKey(labelSets, new Set());
    let replicas = sources.get(sourceKey);
    if (replicas === undefined) sources.set(sourceKey, (replicas = new Map()));
    const t = replicas.get(replicaKey);
    if (t === undefined) replicas.set(replicaKey, { series: estimate.series, samples: estimate.samples });
    else {
      t.series = Math.max(t.series, estimate.series);
      t.samples += estimate.samples;
    }
  }
  let series = 0;
  let samples = 0;
  for (const replicas of sources.values()) {
    const tallies = [...replicas.values()];
    const dedup = drop.size > 0;
    series += dedup ? Math.max(...tallies.map((t) => t.series)) : tallies.reduce((a, t) => a + t.series, 0);
    samples += dedup ? Math.max(...tallies.map((t) => t.samples)) : tallies.reduce((a, t) => a + t.samples, 0);
  }
  // Several stores' shares are combined by rule, not counted: no better than statistics; a store left out: assumed.
  let basis: EstimateBasis = complete ? (shares.length > 1 ? "statistics" : "exact") : "assumed";
  for (const s of shares) basis = weakerBasis(basis, s.estimate.basis);
  return { series, samples, basis, stores: shares.map((s) => s.estimate) };
}

function setsKey(labelSets: readonly Labels[], drop: ReadonlySet<string>): string {
  return labelSets
    .map((set) => labelsKey(set.filter((l) => !drop.has(l.name))))
    .sort()
    .join("\xff");
}
