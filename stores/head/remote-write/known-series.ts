// Series seen before, found from the label bytes of a decoded request: hashed, then compared byte for
// byte with the head's label set, so a known series costs no string decoding, no label objects, no
// sorting and no label-set hashing. Only exact matches hit (labels sorted, no empty values, ASCII), so
// every request the fast path takes would have decoded to the same label set on the slow path.
import { murmurFinalMix, murmurMix, type Label, type Labels } from "../../../storeapi/index.js";
import type { SeriesHandle } from "../types.js";
import type { DecodedWriteRequest } from "./decode.js";
import { equalsAscii } from "./intern.js";

/**
 * 32-bit hash of series i's label bytes: its label fields' bytes as sent, four at a time, when they are
 * contiguous (Prometheus writes them so); else FNV-1a over each name and value with separators.
 */
export function rawLabelsHash(req: DecodedWriteRequest, i: number): number {
  const buf = req.buf;
  const start = req.keyStart[i];
  let h = 0x811c9dc5;
  if (start >= 0) {
    const end = req.keyEnd[i];
    let p = start;
    for (; p + 4 <= end; p += 4) h = murmurMix(h, buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24));
    for (; p < end; p++) h = Math.imul(h ^ buf[p], 0x01000193);
    return murmurFinalMix(h ^ (end - start)) | 0;
  }
  for (let j = req.labelStart[i]; j < req.labelStart[i + 1]; j++) {
    for (let p = req.nameStart[j], e = req.nameEnd[j]; p < e; p++) h = Math.imul(h ^ buf[p], 0x01000193);
    // Separators no byte equals, so ("ab","c") and ("a","bc") differ.
    h = Math.imul(h ^ 0x100, 0x01000193);
    for (let p = req.valueStart[j], e = req.valueEnd[j]; p < e; p++) h = Math.imul(h ^ buf[p], 0x01000193);
    h = Math.imul(h ^ 0x101, 0x01000193);
  }
  return murmurFinalMix(h) | 0;
}

/**
 * Whether series i's labels, in the order sent, are exactly `labels` (the head's sorted set) — with
 * `tenant`, less the tenant label, which `labels` must carry with the tenant's value.
 */
export function sameLabelBytes(req: DecodedWriteRequest, i: number, labels: Labels, tenant: Label | undefined): boolean {
  const from = req.labelStart[i];
  const to = req.labelStart[i + 1];
  // A series sent without labels is invalid even when the tenant label would be its only one.
  if (to === from) return false;
  const buf = req.buf;
  let k = 0;
  let sawTenant = false;
  for (let j = from; j <= to; j++) {
    if (tenant !== undefined && k < labels.length && labels[k]!.name === tenant.name) {
      if (labels[k]!.value !== tenant.value) return false;
      sawTenant = true;
      k++;
    }
    if (j === to) break;
    if (k === labels.length) return false;
    const l = labels[k++]!;
    if (!equalsAscii(l.name, buf, req.nameStart[j], req.nameEnd[j])) return false;
    if (!equalsAscii(l.value, buf, req.valueStart[j], req.valueEnd[j])) return false;
  }
  return k === labels.length && (tenant === undefined || sawTenant === (tenant.value !== ""));
}

export interface KnownSeriesOptions {
  /** Entries kept before the table is cleared (default 1,000,000), so series gone from the head do not pile up. */
  readonly maxEntries?: number;
  /** The hash of a series' label bytes (tests force collisions with it). */
  readonly hash?: (req: DecodedWriteRequest, i: number) => number;
}

/** Label-bytes hash → head series handle, open addressing (about 24 bytes per series). */
export class KnownSeries {
  /** Entry index + 1 per slot, 0 when empty; at most half full. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(512);
  /** Per entry, dense: grown by push (V8 copies the elements natively), not rebuilt by a loop. */
  private readonly handles: (SeriesHandle | undefined)[] = [];
  private count = 0;
  private readonly maxEntries: number;
  readonly hash: (req: DecodedWriteRequest, i: number) => number;

  constructor(opts: KnownSeriesOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1_000_000;
    this.hash = opts.hash ?? rawLabelsHash;
  }

  get size(): number {
    return this.count;
  }

  /** The head series whose label set is exactly series i's bytes (`hash`: this.hash(req, i)), else undefined. */
  find(req: DecodedWriteRequest, i: number, hash: number, tenant: Label | undefined): SeriesHandle | undefined {
    const e = this.entryOf(req, i, hash, tenant);
    return e < 0 ? undefined : this.handles[e];
  }

  /**
   * Remembers `series` for series i's bytes when they are exactly its label set (`exact`: the caller
   * knows they are, so they are not compared), replacing the entry
   * of an earlier series with those labels (one the head has since removed). `liveSeries`: the head's
   * series count; a table grown well beyond it (series gone from the head) is cleared first.
   */
  learn(req: DecodedWriteRequest, i: number, hash: number, series: SeriesHandle, tenant: Label | undefined, liveSeries: number, exact = false): void {
    if (!exact && !sameLabelBytes(req, i, series.labels, tenant)) return;
    const known = this.entryOf(req, i, hash, tenant);
    if (known >= 0) {
      this.handles[known] = series;
      return;
    }
    if (this.count >= this.maxEntries || this.count >= 2 * liveSeries + 1024) this.clear();
    if (this.count === this.hashes.length) this.growHashes();
    if (2 * (this.count + 1) > this.slots.length) this.rehash(this.slots.length * 2);
    const e = this.count++;
    this.hashes[e] = hash;
    if (e < this.handles.length) this.handles[e] = series;
    else this.handles.push(series);
    this.place(e);
  }

  clear(): void {
    this.slots.fill(0);
    this.handles.fill(undefined, 0, this.count);
    this.count = 0;
  }

  private entryOf(req: DecodedWriteRequest, i: number, hash: number, tenant: Label | undefined): number {
    const mask = this.slots.length - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) return -1;
      if (this.hashes[e] === hash && sameLabelBytes(req, i, this.handles[e]!.labels, tenant)) return e;
    }
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[e]! & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private growHashes(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  /**
   * Places every entry in `size` new slots, in one loop over locals: it runs once per doubling,
   * mostly before it is optimized, where a call per entry costs most.
   */
  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    const hashes = this.hashes;
    for (let e = 0; e < this.count; e++) {
      let s = hashes[e]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
  }
}
