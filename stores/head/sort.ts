// Sorting series by labels (Prometheus's labels.Compare order) for series().
// Comparing label arrays pair by pair costs a function call and a character loop per
// step; for big results each label set is flattened once into a string whose native
// order is the same, and those are compared instead.
import { compareLabels } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";

/** Below this many items the flattening does not pay. */
const FLATTEN_FROM = 64;
/** NUL would collide with the separator; surrogates order differently in UTF-16 and UTF-8. */
const NOT_FLAT = /[\0\ud800-\udfff]/;

/**
 * "name\0value\0name\0value\0…": for label sets without NUL or surrogates,
 * comparing these strings natively orders them as compareLabels does (a shorter
 * name or value, or a label set that is a prefix of another, sorts first because
 * NUL sorts before every other character).
 */
function flatten(labels: Labels): string {
  let key = "";
  for (const l of labels) key += l.name + "\0" + l.value + "\0";
  return key;
}

/** Sorts items in place by their label sets. */
export function sortByLabels<T extends { readonly labels: Labels }>(items: T[]): void {
  if (items.length < FLATTEN_FROM) {
    items.sort((a, b) => compareLabels(a.labels, b.labels));
    return;
  }
  const keys = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const key = flatten(items[i]!.labels);
    if (NOT_FLAT.test(key)) {
      items.sort((a, b) => compareLabels(a.labels, b.labels));
      return;
    }
    keys[i] = key;
  }
  const order = Array.from({ length: items.length }, (_, i) => i);
  order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const copy = items.slice();
  for (let i = 0; i < order.length; i++) items[i] = copy[order[i]!]!;
}
