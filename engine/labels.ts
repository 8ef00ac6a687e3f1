// Small label-set helpers the operators use (label sets are sorted by name, names unique).
import type { Label, Labels } from "../storeapi/index.js";
export { getLabel, labelsKey } from "../storeapi/index.js";

export const METRIC_NAME = "__name__";

/** Drops the metric name and the type/unit metadata labels that belong to it. */
export function dropMetricName(ls: Labels): Labels {
  let found = false;
  for (const l of ls) if (l.name === METRIC_NAME || l.name === "__type__" || l.name === "__unit__") found = true;
  if (!found) return ls;
  return ls.filter((l) => l.name !== METRIC_NAME && l.name !== "__type__" && l.name !== "__unit__");
}

/** Only the named labels. */
export function keepLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => names.has(l.name));
}

/** All but the named labels. */
export function removeLabels(ls: Labels, names: ReadonlySet<string>): Labels {
  return ls.filter((l) => !names.has(l.name));
}

/** Sets (or with "" deletes) one label, keeping the set sorted. */
export function setLabel(ls: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of ls) {
    if (!done && l.name >= name) {
      if (value !== "") out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== "") out.push({ name, value });
  return out;
}

export function fromRecord(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .filter((k) => rec[k] !== "")
    .sort(compareStrings)
    .map((name) => ({ name, value: rec[name]! }));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders label sets as Prometheus does: label by label, name then value, shorter first. */
export function compareLabelSets(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** `{__name__="x", a="b"}` as Prometheus prints a label set. */
export function labelsString(ls: Labels): string {
  return "{" + ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(", ") + "}";
}
