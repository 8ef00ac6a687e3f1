// Which output group each input series falls into for `by (…)` / `without (…)`.
import type { Labels } from "../../storeapi/index.js";
import { keepLabels, labelsKey, METRIC_NAME, removeLabels } from "../labels.js";
import type { SeriesMeta } from "../model.js";

export interface Groups {
  /** Group index of each input series. */
  of: Uint32Array;
  /** Output series, one per group, in order of first appearance. */
  meta: SeriesMeta[];
}

export function groupSeries(input: readonly SeriesMeta[], grouping: readonly string[], without: boolean): Groups {
  const names = new Set(grouping);
  if (without) names.add(METRIC_NAME);
  const byName = !without && names.has(METRIC_NAME);
  const index = new Map<string, number>();
  const of = new Uint32Array(input.length);
  const labels: Labels[] = [];
  const drop: boolean[] = [];
  for (let i = 0; i < input.length; i++) {
    const m = input[i]!;
    const ls = without ? removeLabels(m.labels, names) : keepLabels(m.labels, names);
    const key = labelsKey(ls);
    let g = index.get(key);
    if (g === undefined) {
      g = labels.length;
      index.set(key, g);
      labels.push(ls);
      drop.push(false);
    }
    // Grouping by a not-yet-removed name keeps the pending removal (delayed name removal).
    if (byName && m.dropName) drop[g] = true;
    of[i] = g;
  }
  return { of, meta: labels.map((l, g) => ({ labels: l, dropName: drop[g]! })) };
}
