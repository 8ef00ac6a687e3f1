// Which stores a request goes to, as Thanos's proxy chooses: by time range and by external labels.
import { compileMatchers, getLabel, hasLabel } from "../storeapi/index.js";
import type { Labels, Matcher, StoreInfo } from "../storeapi/index.js";

/** Whether the store's data [minTime, maxTime] overlaps the request's. */
export function overlapsTime(info: StoreInfo, minTime: number, maxTime: number): boolean {
  return info.minTime <= maxTime && info.maxTime >= minTime;
}

/**
 * Whether some label set of the store can hold matching series: a matcher rules a label set out only
 * when the set has the matcher's label and the matcher rejects its value. No label sets: always.
 */
export function matchesExternalLabels(labelSets: readonly Labels[], matchers: readonly Matcher[]): boolean {
  if (labelSets.length === 0 || matchers.length === 0) return true;
  const compiled = compileMatchers(matchers);
  return labelSets.some((set) => compiled.every((m) => !hasLabel(set, m.name) || m.matches(getLabel(set, m.name))));
}
