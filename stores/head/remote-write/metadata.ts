// Metric metadata (type, help, unit) from remote_write, by metric family, served to /api/v1/metadata.
import type { MetricMetadata, MetricType } from "./decode.js";

/** One metadata entry as /api/v1/metadata lists it. */
export interface MetadataEntry {
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

export interface MetadataStoreOptions {
  /** Metric families kept; when full, the least recently updated family is dropped (default 10,000). */
  readonly maxFamilies?: number;
  /** Distinct entries kept per family, newest first (default 10). */
  readonly maxPerFamily?: number;
}

export class MetadataStore {
  private readonly maxFamilies: number;
  private readonly maxPerFamily: number;
  // Map iteration order is insertion order: re-inserting on update keeps the oldest first.
  private readonly families = new Map<string, MetadataEntry[]>();

  constructor(opts: MetadataStoreOptions = {}) {
    this.maxFamilies = opts.maxFamilies ?? 10_000;
    this.maxPerFamily = opts.maxPerFamily ?? 10;
  }

  get size(): number {
    return this.families.size;
  }

  add(m: MetricMetadata): void {
    if (m.metricFamilyName === "") return;
    const entry: MetadataEntry = { type: m.type, help: m.help, unit: m.unit };
    const existing = this.families.get(m.metricFamilyName);
    const list = existing
      ? [entry, ...existing.filter((e) => e.type !== entry.type || e.help !== entry.help || e.unit !== entry.unit)]
      : [entry];
    if (list.length > this.maxPerFamily) list.length = this.maxPerFamily;
    this.families.delete(m.metricFamilyName);
    this.families.set(m.metricFamilyName, list);
    if (this.families.size > this.maxFamilies) {
      const oldest = this.families.keys().next().value as string;
      this.families.delete(oldest);
    }
  }

  /**
   * The /api/v1/metadata `data` object: family → entries, for one metric or all, at most `limit`
   * families (0 or absent: all) and `limitPerMetric` entries each, families sorted by name.
   */
  get(metric?: string, limit?: number, limitPerMetric?: number): Record<string, MetadataEntry[]> {
    const out: Record<string, MetadataEntry[]> = {};
    const names = metric !== undefined && metric !== "" ? (this.families.has(metric) ? [metric] : []) : [...this.families.keys()].sort();
    let n = 0;
    for (const name of names) {
      if (limit !== undefined && limit > 0 && n >= limit) break;
      const entries = this.families.get(name)!;
      out[name] = limitPerMetric !== undefined && limitPerMetric > 0 ? entries.slice(0, limitPerMetric) : entries.slice();
      n++;
    }
    return out;
  }
}
