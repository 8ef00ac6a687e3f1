// Helpers on Labels (a sorted array of {name, value}), matching Prometheus's labels package:
// ordering, equality, map keys, hashing, text form, and a builder for the engine.
import { compareUtf8 } from "../promql/index.js";
import type { Label, Labels } from "./types.js";

export { compareUtf8 };

/** The metric name label. */
export const METRIC_NAME = "__name__";

/** The empty label set. */
export const EMPTY_LABELS: Labels = Object.freeze([]) as Labels;

function byName(a: Label, b: Label): number {
  return compareUtf8(a.name, b.name);
}

/** Sorts labels by name, dropping empty values; a later duplicate name replaces an earlier one. */
function normalise(labels: Label[]): Labels {
  labels.sort(byName);
  const out: Label[] = [];
  for (const l of labels) {
    if (out.length > 0 && out[out.length - 1]!.name === l.name) out.pop();
    out.push(l);
  }
  return out.filter((l) => l.value !== "");
}

/** Labels from a {name: value} record: sorted, empty values dropped. */
export function labelsFromRecord(record: Readonly<Record<string, string>>): Labels {
  return normalise(Object.entries(record).map(([name, value]) => ({ name, value })));
}

/** Labels from alternating name, value strings (like Prometheus's labels.FromStrings). */
export function labelsFromPairs(...pairs: string[]): Labels {
  if (pairs.length % 2 !== 0) throw new Error(`labelsFromPairs: odd number of strings (${pairs.length})`);
  const labels: Label[] = [];
  for (let i = 0; i < pairs.length; i += 2) labels.push({ name: pairs[i]!, value: pairs[i + 1]! });
  return normalise(labels);
}

/** Labels from any unsorted list of labels: sorted, empty values dropped, last duplicate wins. */
export function labelsFromList(labels: readonly Label[]): Labels {
  return normalise(labels.slice());
}

/** A {name: value} record of labels. */
export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/** Prometheus's labels.Compare: names then values pairwise, a prefix sorts first. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return compareUtf8(x.name, y.name);
    if (x.value !== y.value) return compareUtf8(x.value, y.value);
  }
  return a.length - b.length;
}

/** Whether two label sets are identical. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

/** A compact string unique to the label set, for Map keys (length-prefixed, so no separator can collide). */
export function labelsKey(labels: Labels): string {
  let key = "";
  for (const l of labels) key += l.name.length + ":" + l.name + l.value.length + ":" + l.value;
  return key;
}

/** The value of the named label, or "" when absent (as Prometheus's Get). */
export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

/** Whether the named label is present. */
export function hasLabel(labels: Labels, name: string): boolean {
  for (const l of labels) if (l.name === name) return true;
  return false;
}

/** The labels without the metric name and the type/unit metadata labels that belong to it (as PromQL drops them). */
export function dropMetricName(labels: Labels): Labels {
  for (const l of labels) {
    if (isMetricNameLabel(l.name)) return labels.filter((x) => !isMetricNameLabel(x.name));
  }
  return labels;
}

function isMetricNameLabel(name: string): boolean {
  return name === METRIC_NAME || name === "__type__" || name === "__unit__";
}

/** Only the named labels. */
export function keepLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

/** All but the named labels. */
export function removeLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

/** Sets (or with "" deletes) one label, keeping the set in Go's byte order. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (!done && compareUtf8(l.name, name) >= 0) {
      if (value !== "") out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== "") out.push({ name, value });
  return out;
}

/** Sorts a mutable list of labels by name in Go's byte order (names must be unique). */
export function sortLabelsByName(labels: Label[]): Label[] {
  return labels.sort(byName);
}

/** A stable 53-bit hash of a label set (two 32-bit halves: FNV-1a and a murmur3-style mix), for series ids. */
export function labelsHash(labels: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    for (let part = 0; part < 2; part++) {
      const s = part === 0 ? l.name : l.value;
      for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
      // A separator no UTF-16 unit equals, so ("ab","c") and ("a","bc") differ.
      h = Math.imul(h ^ 0x10000 ^ part, 0x01000193);
    }
  }
  return (murmurFinalMix(h) & 0x1fffff) * 4294967296 + labelsHash32(labels);
}

/** labelsHash's low 32 bits (its murmur3-style half) alone, at half the cost: for tables keyed by fewer bits. */
export function labelsHash32(labels: Labels): number {
  let h = 0x9747b28c;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    for (let part = 0; part < 2; part++) {
      const s = part === 0 ? l.name : l.value;
      for (let k = 0; k < s.length; k++) h = murmurMix(h, s.charCodeAt(k));
      h = murmurMix(h, 0x10000 + part);
    }
  }
  return murmurFinalMix(h ^ labels.length) >>> 0;
}

/** One murmur3 round: mixes the 32-bit word k into the hash h. */
export function murmurMix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finaliser (unsigned 32-bit result). */
export function murmurFinalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/**
 * Quotes a string as Go's strconv.Quote does. A lone surrogate U+DC80..U+DCFF is a raw byte that
 * was not UTF-8 (PromQL's unquote keeps `"\xc5"` so) and prints as Go prints that byte, `\xc5`;
 * any other lone surrogate prints as U+FFFD, as Go sees it after UTF-8 encoding.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (c) {
      case 0x07: out += "\\a"; continue;
      case 0x08: out += "\\b"; continue;
      case 0x0c: out += "\\f"; continue;
      case 0x0a: out += "\\n"; continue;
      case 0x0d: out += "\\r"; continue;
      case 0x09: out += "\\t"; continue;
      case 0x0b: out += "\\v"; continue;
      case 0x5c: out += "\\\\"; continue;
      case 0x22: out += '\\"'; continue;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else if (c < 0x20 || c === 0x7f) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      out += "\\x" + (c - 0xdc00).toString(16);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += "\ufffd";
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (c < 0x10000) {
      out += "\\u" + c.toString(16).padStart(4, "0");
    } else {
      out += "\\U" + c.toString(16).padStart(8, "0");
    }
  }
  return out + '"';
}

/** Prometheus's Labels.String(): {__name__="up", job="x"}; names outside the legacy charset are quoted. */
export function formatLabels(labels: Labels): string {
  let out = "{";
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) out += ", ";
    out += LEGACY_NAME.test(l.name) ? l.name : goQuote(l.name);
    out += "=" + goQuote(l.value);
  }
  return out + "}";
}

/** The PromQL selector form: up{job="x"} (the metric name outside the braces when it is a legacy name). */
export function formatSeries(labels: Labels): string {
  const name = getLabel(labels, METRIC_NAME);
  if (name === "" || !LEGACY_NAME.test(name)) return formatLabels(labels);
  const rest = labels.filter((l) => l.name !== METRIC_NAME);
  return rest.length === 0 ? name : name + formatLabels(rest);
}

/** Builds a label set from a base by setting, deleting or keeping labels (for the engine). */
export class LabelsBuilder {
  private base: Labels;
  private readonly changes = new Map<string, string>();
  private keepOnly: Set<string> | undefined;

  constructor(base: Labels = EMPTY_LABELS) {
    this.base = base;
  }

  /** Starts again from a new base. */
  reset(base: Labels): this {
    this.base = base;
    this.changes.clear();
    this.keepOnly = undefined;
    return this;
  }

  /** Sets a label; an empty value deletes it. */
  set(name: string, value: string): this {
    this.changes.set(name, value);
    return this;
  }

  /** Deletes labels. */
  del(...names: string[]): this {
    for (const n of names) this.changes.set(n, "");
    return this;
  }

  /** Deletes labels (same as del, named as PromQL's `without`). */
  drop(...names: string[]): this {
    return this.del(...names);
  }

  /** Keeps only these labels of the base (PromQL's `by`); labels set() on the builder stay, as in Prometheus. */
  keep(...names: string[]): this {
    const keep = new Set(names);
    if (this.keepOnly !== undefined) for (const n of keep) if (!this.keepOnly.has(n)) keep.delete(n);
    this.keepOnly = keep;
    return this;
  }

  /** The current value of a label, or "". */
  get(name: string): string {
    const changed = this.changes.get(name);
    if (changed !== undefined) return changed;
    if (this.keepOnly !== undefined && !this.keepOnly.has(name)) return "";
    return getLabel(this.base, name);
  }

  /** The resulting sorted label set. */
  build(): Labels {
    if (this.changes.size === 0 && this.keepOnly === undefined) return this.base;
    const out: Label[] = [];
    for (const l of this.base) {
      if (this.changes.has(l.name)) continue;
      if (this.keepOnly !== undefined && !this.keepOnly.has(l.name)) continue;
      out.push(l);
    }
    for (const [name, value] of this.changes) if (value !== "") out.push({ name, value });
    out.sort(byName);
    return out;
  }
}
