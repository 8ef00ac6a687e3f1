// What the compactor does next, as pure functions of the bucket's block metas: which blocks to
// merge (Prometheus's and Thanos's leveled planner over the ranges 2h → 8h → 2d → 14d, overlapping
// blocks first), which to downsample, and which retention deletes.
import { blockResolution, type BlockMeta } from "../block/index.js";
import { RESOLUTION_1H, RESOLUTION_5M } from "../downsample/index.js";

const HOUR = 3600_000;
/** Thanos's default compaction levels: 2h, 8h, 2d, 14d. */
export const DEFAULT_COMPACTION_RANGES_MS: readonly number[] = [2 * HOUR, 8 * HOUR, 48 * HOUR, 14 * 24 * HOUR];
/** A raw block is downsampled to 5m once it spans this much (Thanos's downsample.ResLevel1DownsampleRange). */
export const DOWNSAMPLE_RAW_MIN_SPAN_MS = 40 * HOUR;
/** A 5m block is downsampled to 1h once it spans this much (ResLevel2DownsampleRange). */
export const DOWNSAMPLE_5M_MIN_SPAN_MS = 10 * 24 * HOUR;

/** Blocks compacted together: same resolution and same external labels (replica labels aside). */
export interface CompactionGroup {
  readonly key: string;
  readonly resolution: number;
  /** The group's external labels, without the replica labels. */
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly blocks: readonly BlockMeta[];
}

export interface CompactionPlan {
  readonly group: CompactionGroup;
  /** Sorted by minTime. */
  readonly blocks: readonly BlockMeta[];
  /** The blocks overlap in time (a vertical compaction). */
  readonly vertical: boolean;
}

export interface PlanOptions {
  readonly ranges?: readonly number[];
  /** External labels that tell HA replicas apart (--deduplication.replica-label): blocks differing only in them share a group. */
  readonly replicaLabels?: readonly string[];
  /** Blocks carrying no-compact-mark.json: never merged. */
  readonly noCompact?: ReadonlySet<string>;
}

/** Groups blocks by resolution and external labels (minus replica labels), groups and blocks in a stable order. */
export function groupBlocks(metas: readonly BlockMeta[], replicaLabels: readonly string[] = []): CompactionGroup[] {
  const groups = new Map<string, { resolution: number; externalLabels: Record<string, string>; blocks: BlockMeta[] }>();
  for (const m of metas) {
    const externalLabels: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.thanos?.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!replicaLabels.includes(k)) externalLabels[k] = v;
    }
    const resolution = blockResolution(m);
    const key = `${resolution}@${JSON.stringify(externalLabels)}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { resolution, externalLabels, blocks: [] }));
    g.blocks.push(m);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => ({ key, ...g, blocks: sortByMinTime(g.blocks) }));
}

/** The next compaction of every group that has one. */
export function planCompactions(metas: readonly BlockMeta[], opts: PlanOptions = {}): CompactionPlan[] {
  const out: CompactionPlan[] = [];
  for (const group of groupBlocks(metas, opts.replicaLabels)) {
    const candidates = group.blocks.filter((b) => !opts.noCompact?.has(b.ulid));
    const planned = planGroup(candidates, opts.ranges ?? DEFAULT_COMPACTION_RANGES_MS);
    if (planned !== undefined) out.push({ group, ...planned });
  }
  return out;
}

/**
 * One group's next compaction (blocks sorted by minTime): the first run of overlapping blocks; else,
 * leaving out the newest block, the first aligned range (8h, then 2d, 14d) holding several blocks that
 * either spans the whole range or ends before the newest block starts.
 */
export function planGroup(sorted: readonly BlockMeta[], ranges: readonly number[]): { blocks: BlockMeta[]; vertical: boolean } | undefined {
  const overlapping = firstOverlappingRun(sorted);
  if (overlapping.length > 1) return { blocks: overlapping, vertical: true };
  // The newest block may still be joined by its neighbours (the one just uploaded): leave it for now.
  const older = sorted.slice(0, -1);
  if (older.length < 2) return undefined;
  const highTime = older[older.length - 1]!.minTime;
  for (const range of ranges.slice(1)) {
    for (const part of splitByRange(older, range)) {
      const mint = part[0]!.minTime;
      const maxt = part[part.length - 1]!.maxTime;
      if (part.length > 1 && (maxt - mint === range || maxt <= highTime)) return { blocks: part, vertical: false };
    }
  }
  return undefined;
}

function firstOverlappingRun(sorted: readonly BlockMeta[]): BlockMeta[] {
  const run: BlockMeta[] = [];
  let globalMax = sorted[0]?.maxTime ?? 0;
  for (let i = 1; i < sorted.length; i++) {
    const b = sorted[i]!;
    if (b.minTime < globalMax) {
      if (run.length === 0) run.push(sorted[i - 1]!);
      run.push(b);
    } else if (run.length > 0) break;
    globalMax = Math.max(globalMax, b.maxTime);
  }
  return run;
}

/** Blocks (sorted by minTime) in runs that fit one aligned window of `range`; a block wider than its window is in none. */
export function splitByRange(sorted: readonly BlockMeta[], range: number): BlockMeta[][] {
  const parts: BlockMeta[][] = [];
  for (let i = 0; i < sorted.length; ) {
    const t0 = Math.floor(sorted[i]!.minTime / range) * range;
    if (sorted[i]!.maxTime > t0 + range) {
      i++;
      continue;
    }
    const part: BlockMeta[] = [];
    for (; i < sorted.length && sorted[i]!.maxTime <= t0 + range; i++) part.push(sorted[i]!);
    parts.push(part);
  }
  return parts;
}

/** A block to downsample and the resolution to make. */
export interface DownsampleTask {
  readonly meta: BlockMeta;
  readonly resolution: number;
}

/** Raw blocks spanning ≥ 40h → 5m, 5m blocks spanning ≥ 10d → 1h, unless a block of that resolution already holds all their sources. */
export function planDownsampling(metas: readonly BlockMeta[]): DownsampleTask[] {
  const out: DownsampleTask[] = [];
  for (const m of metas) {
    const target = downsampleTarget(m);
    if (target === undefined || m.maxTime - m.minTime < target.minSpan) continue;
    if (heldAt(m, target.resolution, metas)) continue;
    out.push({ meta: m, resolution: target.resolution });
  }
  return out;
}

function downsampleTarget(m: BlockMeta): { resolution: number; minSpan: number } | undefined {
  const r = blockResolution(m);
  if (r === 0) return { resolution: RESOLUTION_5M, minSpan: DOWNSAMPLE_RAW_MIN_SPAN_MS };
  if (r === RESOLUTION_5M) return { resolution: RESOLUTION_1H, minSpan: DOWNSAMPLE_5M_MIN_SPAN_MS };
  return undefined;
}

/** Whether some block at `resolution` with the same external labels holds every source of `m`. */
function heldAt(m: BlockMeta, resolution: number, metas: readonly BlockMeta[]): boolean {
  const labels = JSON.stringify(sortedRecord(m.thanos?.labels ?? {}));
  return metas.some((o) => {
    if (blockResolution(o) !== resolution || JSON.stringify(sortedRecord(o.thanos?.labels ?? {})) !== labels) return false;
    const sources = new Set(o.compaction.sources);
    return m.compaction.sources.every((s) => sources.has(s));
  });
}

/** --retention.resolution-raw|5m|1h in ms; 0 keeps that resolution forever. */
export interface RetentionPolicy {
  readonly raw: number;
  readonly fiveMinutes: number;
  readonly oneHour: number;
}

export interface RetentionPlan {
  /** Past their resolution's retention: to be marked for deletion. */
  readonly expired: readonly BlockMeta[];
  /** Past retention but kept because the coarser tier does not hold their data yet (Thanos issue 3716). */
  readonly keptNotDownsampled: readonly BlockMeta[];
}

/**
 * Which blocks retention deletes at `now`. While downsampling is on and the next coarser resolution
 * keeps data longer, a raw (or 5m) block is deleted only once a block of that coarser resolution holds
 * all its sources: retention never removes data that exists at no other resolution.
 */
export function planRetention(metas: readonly BlockMeta[], policy: RetentionPolicy, now: number, downsampling: boolean): RetentionPlan {
  const expired: BlockMeta[] = [];
  const kept: BlockMeta[] = [];
  for (const m of metas) {
    const r = blockResolution(m);
    const keepFor = r === 0 ? policy.raw : r === RESOLUTION_5M ? policy.fiveMinutes : policy.oneHour;
    if (keepFor <= 0 || m.maxTime >= now - keepFor) continue;
    const coarser = r === 0 ? { resolution: RESOLUTION_5M, keepFor: policy.fiveMinutes } : r === RESOLUTION_5M ? { resolution: RESOLUTION_1H, keepFor: policy.oneHour } : undefined;
    const coarserOutlives = coarser !== undefined && (coarser.keepFor === 0 || coarser.keepFor > keepFor);
    if (downsampling && coarserOutlives && !heldAt(m, coarser.resolution, metas)) kept.push(m);
    else expired.push(m);
  }
  return { expired, keptNotDownsampled: kept };
}

function sortByMinTime(metas: readonly BlockMeta[]): BlockMeta[] {
  return [...metas].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : a.ulid > b.ulid ? 1 : 0));
}

function sortedRecord(r: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
