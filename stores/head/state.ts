// The head's in-memory data, shared by its jobs (append, commit, replay,
// truncate, read): the series table (by id and by label hash), the postings
// index, the chunk arena, and the head's time bounds and chunk count.
import { Registry } from "prom-client";
import { FloatBits, XorChunk, compareUtf8, labelsEqual, labelsHash32 } from "../../storeapi/index.js";
import type { Label, Labels } from "../../storeapi/index.js";
import { ChunkArena } from "./arena.js";
import { createHeadMetrics, type HeadMetrics } from "./metrics.js";
import { PostingsIndex } from "./postings.js";
import { MemSeries, SeriesFloats } from "./series.js";
import { SeriesByHash } from "./series-by-hash.js";
import { SeriesById } from "./series-by-id.js";

export class HeadState {
  readonly postings = new PostingsIndex();
  /** Closed chunks' bytes. */
  readonly arena = new ChunkArena();
  readonly byId = new SeriesById();
  /** Series by label-set hash (collisions told apart by their labels). */
  readonly byHash = new SeriesByHash(this.byId);
  /** Float scratch for bit comparisons and for every open chunk (one per chunk would cost ~30% of a series). */
  readonly bits = new FloatBits();
  /** Every series' times and values. */
  readonly floats = new SeriesFloats();
  /** The one XOR appender every series' open chunk is appended through, its state kept in the series' slot. */
  readonly appender = new XorChunk(16, this.bits);
  readonly metrics: HeadMetrics;
  nextId = 1;
  /** Series ever created (LabelOrder ranks them again once enough are new). */
  created = 0;
  minTime = Infinity;
  maxTime = -Infinity;
  /** Samples before this were truncated away; none may be appended again. */
  truncatedBefore = -Infinity;
  chunks = 0;

  constructor(registry: Registry) {
    this.metrics = createHeadMetrics(registry, {
      numSeries: () => this.byId.size,
      seriesCreated: () => this.created,
      numChunks: () => this.chunks,
      memoryBytes: () => this.memoryBytes(),
      minTime: () => this.minTime,
      maxTime: () => this.maxTime,
    });
  }

  lookup(labels: Labels, hash: number): MemSeries | undefined {
    return this.byHash.find(labels, hash, labelsEqual);
  }

  createSeries(id: number, labels: Labels, hash: number): MemSeries {
    const series = new MemSeries(id, this.postings.add(id, labels), hash, this.floats);
    series.owner = this;
    this.created++;
    this.byId.set(id, series);
    this.byHash.add(series);
    return series;
  }

  /** Removes series (they must hold no chunks) from the postings and both maps. */
  dropSeries(gone: ReadonlySet<number>): void {
    if (gone.size === 0) return;
    this.postings.remove(gone, (id) => this.byId.get(id)?.labels);
    for (const id of gone) this.forgetSeries(this.byId.get(id)!);
    this.metrics.seriesRemoved.inc(gone.size);
  }

  private forgetSeries(series: MemSeries): void {
    this.byId.delete(series.id);
    series.owner = undefined;
    series.detachFloats(this.floats);
    this.byHash.delete(series);
  }

  /** Samples in every series' chunks, from the chunk headers. */
  numSamples(): number {
    let n = 0;
    for (const s of this.byId.values()) n += s.samplesIn(-Infinity, Infinity);
    return n;
  }

  /**
   * Estimated bytes held: what the head's typed arrays hold (chunk slabs, series slots, the hash
   * table, postings ids) measured, and its objects by their sizes on V8 (heap-sizes.ts), so the
   * estimate follows the head's layout (stores/head/estimate-memory.test.ts checks it against the
   * heap; bench/head.bench.ts prints both).
   */
  memoryBytes(): number {
    let series = 0;
    for (const s of this.byId.values()) series += s.residentBytes();
    return (
      series +
      this.arena.allocatedBytes() +
      this.floats.allocatedBytes() +
      this.byHash.allocatedBytes() +
      this.byId.allocatedBytes() +
      this.postings.allocatedBytes()
    );
  }
}

/** The series table's key (SeriesByHash): 30 bits of labelsHash, a small non-negative integer. */
export function seriesHashKey(labels: Labels): number {
  return labelsHash32(labels) % 0x40000000;
}

/**
 * The label set as the head stores it: sorted by name, no empty names, empty
 * values dropped (an empty value means the label is absent). Undefined when the
 * set is empty or repeats a name.
 */
export function normaliseLabels(labels: Labels): Labels | undefined {
  let clean = true;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === "") return undefined;
    if (l.value === "" || (i > 0 && compareUtf8(labels[i - 1]!.name, l.name) >= 0)) clean = false;
  }
  let out: Labels = labels;
  if (!clean) {
    const sorted: Label[] = labels.filter((l) => l.value !== "").sort((a, b) => compareUtf8(a.name, b.name));
    for (let i = 1; i < sorted.length; i++) if (sorted[i - 1]!.name === sorted[i]!.name) return undefined;
    out = sorted;
  }
  return out.length > 0 ? out : undefined;
}
