// Matcher evaluation over the postings index. Each matcher either requires a
// value it accepts (intersect with the union of those values' postings) or, when
// it also accepts the empty string, excludes the values it rejects (subtract).
// Cheap lists are intersected smallest first; once the candidate set is small,
// the remaining matchers test candidates' own label values instead of building
// big unions.
import { compileMatcher } from "../../storeapi/index.js";
import type { Labels, Matcher } from "../../storeapi/index.js";
import { intersect, subtract, union, type PostingsIndex } from "./postings.js";
import { literalAlternatives } from "./regex.js";

interface PlannedMatcher {
  readonly name: string;
  readonly test: (v: string) => boolean;
  /** Series must carry an accepted value (true), or must not carry a rejected one (false). */
  readonly positive: boolean;
  /**
   * Values to look up directly: for a positive matcher the accepted values, for a
   * negative one the rejected values. Undefined when every value must be tested.
   */
  readonly literals: readonly string[] | undefined;
}

function plan(m: Matcher): PlannedMatcher | undefined {
  const test = compileMatcher(m);
  const positive = !test("");
  // `=~".*"` accepts everything, including series without the label.
  if (!positive && (m.op === "=~" && m.value === ".*")) return undefined;
  let literals: string[] | undefined;
  const inclusive = m.op === "=" || m.op === "=~";
  const list = m.op === "=" || m.op === "!=" ? [m.value] : literalAlternatives(m.value);
  // The literal list names the accepted values of `=`/`=~` and the rejected ones of `!=`/`!~`.
  if (list !== undefined && inclusive === positive) literals = list.filter((v) => v !== "");
  return { name: m.name, test, positive, literals };
}

/** Postings of the values of `m.name` that a positive matcher accepts (or a negative one rejects). */
function postingsFor(index: PostingsIndex, m: PlannedMatcher): Uint32Array {
  const lists: Uint32Array[] = [];
  if (m.literals !== undefined) {
    for (const v of m.literals) {
      const p = index.get(m.name, v);
      if (p.length > 0) lists.push(p);
    }
  } else {
    const values = index.valueLists(m.name);
    if (values !== undefined) {
      for (const [value, list] of values) if (m.test(value) === m.positive) lists.push(list.view());
    }
  }
  return union(lists, true);
}

/** An upper bound on the size of postingsFor(m), without building it. */
function estimate(index: PostingsIndex, m: PlannedMatcher): number {
  if (m.literals === undefined) return index.seriesWithName(m.name);
  let n = 0;
  for (const v of m.literals) n += index.get(m.name, v).length;
  return n;
}

function valueOf(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

/**
 * Ids of the series matching every matcher, sorted. `labelsOf` gives a series'
 * labels for the filter path. Throws MatcherError on a bad regex.
 */
export function selectIds(
  index: PostingsIndex,
  matchers: readonly Matcher[],
  labelsOf: (id: number) => Labels | undefined,
): Uint32Array {
  const planned: PlannedMatcher[] = [];
  for (const m of matchers) {
    const p = plan(m);
    if (p !== undefined) planned.push(p);
  }
  const positives = planned.filter((m) => m.positive);
  const negatives = planned.filter((m) => !m.positive);

  // Cheapest (smallest estimated) positive lists first: each intersection can only shrink the set.
  positives.sort((a, b) => estimate(index, a) - estimate(index, b));
  let candidates: Uint32Array | undefined;
  const deferred: PlannedMatcher[] = [];
  for (const m of positives) {
    if (candidates !== undefined && shouldFilter(index, m, candidates.length)) {
      deferred.push(m);
      continue;
    }
    const p = postingsFor(index, m);
    candidates = candidates === undefined ? p : intersect(candidates, p);
    if (candidates.length === 0) return candidates;
  }
  candidates ??= index.all();
  for (const m of negatives) {
    if (shouldFilter(index, m, candidates.length)) deferred.push(m);
    else candidates = subtract(candidates, postingsFor(index, m));
    if (candidates.length === 0) return candidates;
  }
  if (deferred.length === 0) return candidates;
  return filterByLabels(candidates, deferred, labelsOf);
}

/**
 * Whether testing each candidate's label value is cheaper than building the
 * matcher's postings: the union costs at least one step per value scanned plus its
 * lists' lengths, the filter one label lookup per candidate.
 */
function shouldFilter(index: PostingsIndex, m: PlannedMatcher, candidates: number): boolean {
  // One literal's postings list exists already: a galloping intersection costs less than a label lookup per candidate.
  if (m.literals !== undefined && m.literals.length === 1) return false;
  if (m.literals !== undefined) return candidates * 4 < estimate(index, m);
  return candidates * 4 < index.seriesWithName(m.name) + index.valueCount(m.name);
}

function filterByLabels(
  candidates: Uint32Array,
  ms: readonly PlannedMatcher[],
  labelsOf: (id: number) => Labels | undefined,
): Uint32Array {
  const out = new Uint32Array(candidates.length);
  let n = 0;
  next: for (let i = 0; i < candidates.length; i++) {
    const labels = labelsOf(candidates[i]!);
    if (labels === undefined) continue;
    for (const m of ms) if (!m.test(valueOf(labels, m.name))) continue next;
    out[n++] = candidates[i]!;
  }
  return out.subarray(0, n);
}
