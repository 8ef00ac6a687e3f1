// The compactor (Thanos Compactor's role) over one bucket. One pass: sync the block metas; mark
// blocks another block already holds (a compaction whose sources were not yet marked: the last run
// was killed); compact each group until its plan is empty; downsample; apply retention; delete blocks
// marked longer ago than the delete delay; remove partial uploads older than 2 days.
//
// Crash safety: a new block is written locally, uploaded whole (meta.json last, so until then readers
// see no block), and only then are its sources marked for deletion. Readers hide blocks covered by
// another (coveredBlocks), so at every moment each sample is read once; a restarted pass picks up
// where the killed one stopped.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Counter, Gauge, type Registry } from "prom-client";
import {
  BlockError,
  coveredBlocks,
  isUlid,
  META_FILE,
  openBlockDir,
  parseMeta,
  ulidTime,
  uploadBlock,
  type Block,
  type BlockMeta,
} from "../block/index.js";
import { isNotFound, type ObjectBucket } from "../objstore/index.js";
import { DELETION_MARK_FILE, NO_COMPACT_MARK_FILE, readDeletionMark, writeDeletionMark } from "./markers.js";
import { CompactionHaltError, mergeBlocks } from "./merge.js";
import { planCompactions, planDownsampling, planRetention, type CompactionPlan, type RetentionPolicy } from "./plan.js";

/**
 * Writes a downsampled copy of the local block directory `blockDir` at `resolutionMs` into a new
 * block directory under `outDir`, and returns its meta (compaction sources those of the source block,
 * thanos.downsample.resolution set). stores/bucket/downsample's downsampleBlock is one.
 */
export type Downsampler = (blockDir: string, resolutionMs: number, outDir: string) => Promise<BlockMeta>;

/** What the compactor is doing, for a progress line and for tests. */
export type CompactorEvent =
  | { readonly kind: "compaction-start"; readonly group: string; readonly blocks: readonly string[] }
  | { readonly kind: "uploaded"; readonly ulid: string; readonly objects: number }
  | { readonly kind: "marked"; readonly ulid: string; readonly reason: string }
  | { readonly kind: "downsampled"; readonly source: string; readonly ulid: string; readonly resolution: number }
  | { readonly kind: "deleted"; readonly ulid: string }
  | { readonly kind: "kept-not-downsampled"; readonly ulid: string };

export interface CompactorLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface CompactorOptions {
  readonly bucket: ObjectBucket;
  /** Local working space (--data-dir); its compact/ and downsample/ folders are wiped at each pass. */
  readonly dataDir: string;
  /** --delete-delay: how long a marked block stays before deletion (default 48h, as Thanos). */
  readonly deleteDelayMs?: number;
  readonly retention?: RetentionPolicy;
  /** --deduplication.replica-label. */
  readonly replicaLabels?: readonly string[];
  /** --compact.concurrency: groups compacted at once (default 1). */
  readonly concurrency?: number;
  /** Absent: downsampling is off (--downsampling.disable). */
  readonly downsampler?: Downsampler;
  readonly ranges?: readonly number[];
  /**
   * --consistency-delay: a block younger than this (by meta.json's thanos.upload_time, else its ULID
   * time) is left out of the pass, unless the compactor wrote it (default 0 here; the CLI's is 30m, as Thanos).
   */
  readonly consistencyDelayMs?: number;
  /** A block without meta.json older than this (by its ULID) is an aborted upload and removed (default 48h, as Thanos). */
  readonly partialUploadThresholdMs?: number;
  readonly registry?: Registry;
  readonly log?: CompactorLog;
  readonly onEvent?: (event: CompactorEvent) => void;
  readonly now?: () => number;
}

export const DEFAULT_DELETE_DELAY_MS = 48 * 3600_000;
const DEFAULT_PARTIAL_UPLOAD_THRESHOLD_MS = 48 * 3600_000;

/** The bucket as one sync saw it. */
export interface BucketState {
  /** Blocks with meta.json and no deletion mark. */
  readonly live: readonly BlockMeta[];
  /** Marked blocks and when they were marked (ms). */
  readonly marked: ReadonlyMap<string, number>;
  readonly noCompact: ReadonlySet<string>;
  /** Block directories without meta.json. */
  readonly partial: readonly string[];
}

export interface PassReport {
  readonly compactions: number;
  readonly downsamplings: number;
  readonly marked: number;
  readonly deleted: number;
  /** Raw (or 5m) blocks past retention kept because the coarser tier does not hold them yet. */
  readonly keptNotDownsampled: number;
}

const silent: CompactorLog = { info: () => {}, warn: () => {} };

export class Compactor {
  private readonly metrics: ReturnType<typeof compactorMetrics> | undefined;
  private readonly log: CompactorLog;
  private halted = false;

  constructor(private readonly opts: CompactorOptions) {
    this.metrics = opts.registry === undefined ? undefined : compactorMetrics(opts.registry);
    this.log = opts.log ?? silent;
  }

  /** Whether a pass stopped on a problem retrying cannot fix (a CompactionHaltError); no further pass runs. */
  get isHalted(): boolean {
    return this.halted;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** One full pass; throws on failure (a CompactionHaltError also halts the compactor). */
  async run(): Promise<PassReport> {
    if (this.halted) throw new CompactionHaltError("the compactor is halted after an earlier error; fix the bucket and restart it");
    const report = { compactions: 0, downsamplings: 0, marked: 0, deleted: 0, keptNotDownsampled: 0 };
    this.metrics?.iterations.inc();
    try {
      await rm(this.workDir(), { recursive: true, force: true });
      report.marked += await this.markCovered(await this.sync());
      report.compactions += await this.compactAll(report);
      if (this.opts.downsampler !== undefined) report.downsamplings += await this.downsampleAll(this.opts.downsampler);
      const state = await this.sync();
      report.marked += await this.markCovered(state);
      const retention = await this.applyRetention(state);
      report.marked += retention.marked;
      report.keptNotDownsampled = retention.kept;
      report.deleted += await this.deleteDue(await this.sync());
      return report;
    } catch (err) {
      if (err instanceof CompactionHaltError || err instanceof BlockError) {
        this.halted = true;
        this.metrics?.halted.set(1);
        throw err instanceof CompactionHaltError ? err : new CompactionHaltError(`halting: ${err.message}`, { cause: err });
      }
      throw err;
    } finally {
      await rm(this.workDir(), { recursive: true, force: true }).catch(() => {});
    }
  }

  private workDir(): string {
    return join(this.opts.dataDir, "compact");
  }

  /** Lists the bucket's blocks with their metas and marks. */
  async sync(): Promise<BucketState> {
    const bucket = this.opts.bucket;
    const live: BlockMeta[] = [];
    const marked = new Map<string, number>();
    const noCompact = new Set<string>();
    const partial: string[] = [];
    for await (const entry of bucket.list("")) {
      const ulid = entry.endsWith("/") ? entry.slice(0, -1) : "";
      if (!isUlid(ulid)) continue;
      const markedAt = await readDeletionMark(bucket, ulid, this.now());
      if (markedAt !== undefined) marked.set(ulid, markedAt);
      let text: string;
      try {
        text = Buffer.from(await bucket.get(`${ulid}/${META_FILE}`)).toString("utf8");
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (markedAt === undefined) partial.push(ulid);
        continue;
      }
      if (markedAt !== undefined) continue;
      const meta = parseMeta(text, ulid);
      if (meta.ulid !== ulid) throw new CompactionHaltError(`block ${ulid}: meta.json names block ${meta.ulid}`);
      if (this.tooFresh(meta)) continue;
      live.push(meta);
      if (await bucket.exists(`${ulid}/${NO_COMPACT_MARK_FILE}`)) noCompact.add(ulid);
    }
    return { live, marked, noCompact, partial };
  }

  /**
   * Thanos's consistency delay: an eventually consistent bucket may not list all of a new block's
   * objects yet. Blocks the compactor itself writes are uploaded whole, so they are never too fresh.
   */
  private tooFresh(meta: BlockMeta): boolean {
    const delay = this.opts.consistencyDelayMs ?? 0;
    if (delay <= 0 || meta.thanos?.source === "compactor" || meta.thanos?.source === "compactor.repair" || meta.thanos?.source === "bucket.repair") return false;
    const uploaded = Date.parse(meta.thanos?.upload_time ?? "");
    return this.now() - (Number.isNaN(uploaded) ? ulidTime(meta.ulid) : uploaded) < delay;
  }

  private async mark(ulid: string, reason: string): Promise<void> {
    await writeDeletionMark(this.opts.bucket, ulid, this.now(), reason);
    this.metrics?.marked.inc({ marker: DELETION_MARK_FILE, reason: reason.split(" ")[0]! });
    this.opts.onEvent?.({ kind: "marked", ulid, reason });
  }

  /** Marks blocks another block holds (sources a killed run uploaded a compaction of but did not mark). */
  private async markCovered(state: BucketState): Promise<number> {
    const covered = [...coveredBlocks(state.live)].sort();
    for (const ulid of covered) await this.mark(ulid, "compacted: its data is in a newer block");
    return covered.length;
  }

  /** Compacts until no group has a plan; returns how many compactions ran. */
  private async compactAll(report: { marked: number }): Promise<number> {
    let done = 0;
    for (;;) {
      const state = await this.sync();
      const covered = coveredBlocks(state.live);
      const plans = planCompactions(
        state.live.filter((m) => !covered.has(m.ulid)),
        { replicaLabels: this.opts.replicaLabels, noCompact: state.noCompact, ranges: this.opts.ranges },
      );
      if (plans.length === 0) return done;
      const queue = [...plans];
      const worker = async (): Promise<void> => {
        for (let plan = queue.shift(); plan !== undefined; plan = queue.shift()) {
          report.marked += await this.compactOne(plan);
          done++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.concurrency ?? 1, plans.length)) }, worker));
    }
  }

  /** Downloads, merges, uploads, then marks the sources; returns how many were marked. */
  private async compactOne(plan: CompactionPlan): Promise<number> {
    const sourceIds = plan.blocks.map((b) => b.ulid);
    this.opts.onEvent?.({ kind: "compaction-start", group: plan.group.key, blocks: sourceIds });
    this.log.info(`compacting ${sourceIds.length} blocks of group ${plan.group.key}${plan.vertical ? " (overlapping)" : ""}: ${sourceIds.join(", ")}`);
    const dir = join(this.workDir(), sourceIds[0]!);
    const blocks: Block[] = [];
    let meta: BlockMeta;
    try {
      for (const ulid of sourceIds) blocks.push(await openBlockDir(await this.download(ulid, join(dir, "sources"))));
      const replicaLabels = this.opts.replicaLabels ?? [];
      meta = await mergeBlocks(blocks, {
        outDir: join(dir, "out"),
        externalLabels: plan.group.externalLabels,
        resolution: plan.group.resolution,
        replicaOf: replicaLabels.length > 0 ? (b) => JSON.stringify(Object.entries(b.meta.thanos?.labels ?? {}).sort()) : undefined,
      });
      const objects = await uploadBlock(this.opts.bucket, join(dir, "out", meta.ulid), meta.ulid);
      this.opts.onEvent?.({ kind: "uploaded", ulid: meta.ulid, objects: objects.length });
    } catch (err) {
      this.metrics?.failures.inc();
      throw err;
    } finally {
      await Promise.allSettled(blocks.map((b) => b.close()));
      await rm(dir, { recursive: true, force: true });
    }
    this.metrics?.compactions.inc();
    this.log.info(`compacted into ${meta.ulid} [${new Date(meta.minTime).toISOString()}, ${new Date(meta.maxTime).toISOString()}), level ${meta.compaction.level}`);
    for (const ulid of sourceIds) await this.mark(ulid, `compacted into ${meta.ulid}`);
    return sourceIds.length;
  }

  /** Copies block `ulid` (without its markers) into `parent/ulid`; returns that directory. */
  private async download(ulid: string, parent: string): Promise<string> {
    const dir = join(parent, ulid);
    for await (const name of this.opts.bucket.list(ulid, { recursive: true })) {
      const rel = name.slice(ulid.length + 1);
      if (rel === DELETION_MARK_FILE || rel === NO_COMPACT_MARK_FILE) continue;
      const path = join(dir, ...rel.split("/"));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await this.opts.bucket.get(name));
    }
    await mkdir(join(dir, "chunks"), { recursive: true });
    return dir;
  }

  /** Downsamples every eligible block (raw → 5m, then 5m → 1h), each once per pass. */
  private async downsampleAll(downsampler: Downsampler): Promise<number> {
    const tried = new Set<string>();
    let done = 0;
    for (;;) {
      const state = await this.sync();
      const covered = coveredBlocks(state.live);
      const tasks = planDownsampling(state.live.filter((m) => !covered.has(m.ulid))).filter((t) => !tried.has(`${t.meta.ulid}@${t.resolution}`));
      if (tasks.length === 0) return done;
      for (const task of tasks) {
        tried.add(`${task.meta.ulid}@${task.resolution}`);
        const dir = join(this.workDir(), `downsample-${task.meta.ulid}`);
        try {
          const src = await this.download(task.meta.ulid, join(dir, "sources"));
          const meta = await downsampler(src, task.resolution, join(dir, "out"));
          await uploadBlock(this.opts.bucket, join(dir, "out", meta.ulid), meta.ulid);
          this.metrics?.downsamples.inc({ resolution: String(task.resolution) });
          this.opts.onEvent?.({ kind: "downsampled", source: task.meta.ulid, ulid: meta.ulid, resolution: task.resolution });
          this.log.info(`downsampled ${task.meta.ulid} to ${task.resolution / 60_000}m: ${meta.ulid}`);
          done++;
        } catch (err) {
          this.metrics?.downsampleFailures.inc({ resolution: String(task.resolution) });
          throw err;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }

  private async applyRetention(state: BucketState): Promise<{ marked: number; kept: number }> {
    const policy = this.opts.retention;
    if (policy === undefined) return { marked: 0, kept: 0 };
    const plan = planRetention(state.live, policy, this.now(), this.opts.downsampler !== undefined);
    for (const m of plan.expired) await this.mark(m.ulid, "retention: past its resolution's retention");
    for (const m of plan.keptNotDownsampled) {
      this.log.warn(`block ${m.ulid} (resolution ${m.thanos?.downsample.resolution ?? 0}ms) is past its retention but kept: no coarser block holds its data yet`);
      this.opts.onEvent?.({ kind: "kept-not-downsampled", ulid: m.ulid });
    }
    this.metrics?.keptNotDownsampled.set(plan.keptNotDownsampled.length);
    return { marked: plan.expired.length, kept: plan.keptNotDownsampled.length };
  }

  /** Deletes blocks marked longer ago than the delete delay, and aborted partial uploads. */
  private async deleteDue(state: BucketState): Promise<number> {
    const now = this.now();
    const delay = this.opts.deleteDelayMs ?? DEFAULT_DELETE_DELAY_MS;
    let deleted = 0;
    for (const [ulid, markedAt] of [...state.marked].sort()) {
      if (now - markedAt < delay) continue;
      await this.deleteBlock(ulid);
      deleted++;
    }
    const threshold = this.opts.partialUploadThresholdMs ?? DEFAULT_PARTIAL_UPLOAD_THRESHOLD_MS;
    for (const ulid of state.partial) {
      if (now - ulidTime(ulid) < threshold) continue;
      this.log.warn(`removing block ${ulid}: an upload without meta.json older than ${threshold / 3600_000}h (aborted)`);
      await this.deleteBlock(ulid);
      deleted++;
    }
    return deleted;
  }

  /** meta.json first (so a half-deleted block reads as a partial upload, never as a block), the mark last. */
  private async deleteBlock(ulid: string): Promise<void> {
    const bucket = this.opts.bucket;
    await bucket.delete(`${ulid}/${META_FILE}`);
    const rest: string[] = [];
    for await (const name of bucket.list(ulid, { recursive: true })) if (name !== `${ulid}/${DELETION_MARK_FILE}`) rest.push(name);
    for (const name of rest) await bucket.delete(name);
    await bucket.delete(`${ulid}/${DELETION_MARK_FILE}`);
    this.metrics?.cleaned.inc();
    this.opts.onEvent?.({ kind: "deleted", ulid });
  }
}

function compactorMetrics(registry: Registry) {
  const r = [registry];
  return {
    iterations: new Counter({ name: "orrery_compact_iterations_total", help: "Compactor passes started.", registers: r }),
    compactions: new Counter({ name: "orrery_compact_group_compactions_total", help: "Compactions done (blocks merged into one and uploaded).", registers: r }),
    failures: new Counter({ name: "orrery_compact_group_compactions_failures_total", help: "Compactions that failed.", registers: r }),
    halted: new Gauge({ name: "orrery_compact_halted", help: "1 when the compactor halted on an error retrying cannot fix.", registers: r }),
    marked: new Counter({ name: "orrery_compact_blocks_marked_total", help: "Blocks marked, by marker and reason.", labelNames: ["marker", "reason"], registers: r }),
    downsamples: new Counter({ name: "orrery_compact_downsample_total", help: "Blocks downsampled, by target resolution (ms).", labelNames: ["resolution"], registers: r }),
    downsampleFailures: new Counter({ name: "orrery_compact_downsample_failures_total", help: "Downsamplings that failed.", labelNames: ["resolution"], registers: r }),
    cleaned: new Counter({ name: "orrery_compact_blocks_cleaned_total", help: "Blocks deleted from the bucket.", registers: r }),
    keptNotDownsampled: new Gauge({
      name: "orrery_compact_retention_kept_not_downsampled_blocks",
      help: "Blocks past their retention kept because no coarser block holds their data yet (last pass).",
      registers: r,
    }),
  };
}
