// Which output group each input series falls into for `by (…)` / `without (…)`.
import { getLabel, keepLabels, METRIC_NAME, removeLabels, type Labels } from "../../storeapi/index.js";
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
  const byNames = [...names];
  const index = new Map<string, number>();
  const of = new Uint32Array(input.length);
  const labels: Labels[] = [];
  const drop: boolean[] = [];
  for (let i = 0; i < input.length; i++) {
    const m = input[i]!;
    const key = without ? withoutKey(m.labels, names) : byKey(m.labels, byNames);
    let g = index.get(key);
    if (g === undefined) {
      const ls = without ? removeLabels(m.labels, names) : keepLabels(m.labels, names);
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

/**
 * For `by`: the grouping labels' values in a fixed name order ("" for a missing label, which
 * an empty value means too), length-prefixed so no value can collide. One name needs no
 * concatenation: the key is the value itself.
 */
function byKey(ls: Labels, names: readonly string[]): string {
  if (names.length === 1) return getLabel(ls, names[0]!);
  let key = "";
  for (const n of names) {
    const v = getLabel(ls, n);
    key += v.length + ":" + v;
  }
  return key;
}

/** For `without`: the kept labels, as labelsKey writes them. */
function withoutKey(ls: Labels, names: ReadonlySet<string>): string {
  let key = "";
  for (const l of ls) if (!names.has(l.name)) key += l.name.length + ":" + l.name + l.value.length + ":" + l.value;
  return key;
}
