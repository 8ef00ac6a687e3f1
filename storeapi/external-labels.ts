// External labels, as Thanos stores apply them: added to every series a store
// returns (overriding the series' own label of the same name), and matched by
// the store itself, since its own data does not carry them.
import { compareUtf8 } from "./labels.js";
import { compileMatcher } from "./matchers.js";
import type { Label, Labels, Matcher } from "./types.js";

/**
 * Merges sorted `external` labels into sorted `labels`; on a name in both, the
 * external value wins (Thanos's labelpb.ExtendSortedLabels). Returns `labels`
 * itself when `external` is empty.
 */
export function extendLabels(labels: Labels, external: Labels): Labels {
  if (external.length === 0) return labels;
  const out: Label[] = [];
  let i = 0;
  let j = 0;
  while (i < labels.length && j < external.length) {
    const d = compareUtf8(labels[i]!.name, external[j]!.name);
    if (d < 0) out.push(labels[i++]!);
    else {
      if (d === 0) i++;
      out.push(external[j++]!);
    }
  }
  while (i < labels.length) out.push(labels[i++]!);
  while (j < external.length) out.push(external[j++]!);
  return out;
}

/**
 * Checks the matchers naming an external label against its value. `matches` is
 * false when one rejects it (the store holds nothing the request wants); `rest`
 * are the matchers left for the store's own labels. Throws MatcherError on a bad regex.
 */
export function matchExternalLabels(
  matchers: readonly Matcher[],
  external: Labels,
): { readonly matches: boolean; readonly rest: readonly Matcher[] } {
  if (external.length === 0) return { matches: true, rest: matchers };
  const rest: Matcher[] = [];
  for (const m of matchers) {
    const ext = external.find((l) => l.name === m.name);
    if (ext === undefined) rest.push(m);
    else if (!compileMatcher(m)(ext.value)) return { matches: false, rest: [] };
  }
  return { matches: true, rest };
}
