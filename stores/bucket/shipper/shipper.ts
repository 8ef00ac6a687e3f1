// The shipper: cuts blocks from the head once they are out of its append window, writes
// them into a local directory, uploads them to the bucket, and only then lets the head
// truncate them. What is cut but not yet uploaded stays in the head (the head's
// truncationLimit), and is retried with backoff until the bucket takes it; a restart
// uploads what the last run cut but did not ship.
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Counter, Gauge, Registry } from "prom-client";
import type { Labels } from "../../../storeapi/index.js";
import type { HeadBlockSeries } from "../../head/index.js";
import { BlockWriter, isUlid, META_FILE, parseMeta, uploadBlock, type BlockMeta, type ThanosSource } from "../block/index.js";
import type { ObjectBucket } from "../objstore/index.js";
import { readShipperMeta, writeShipperMeta } from "./meta-file.js";
import { nextBlockRange, type BlockRange } from "./plan.js";

/** What the shipper needs of the head (Head has it all). */
export interface ShippableHead {
  bounds(): { minTime: number; maxTime: number };
  minValidTime(): number;
  blockSeries(mint: number, maxt: number): Promise<HeadBlockSeries[]>;
  /** Truncates to the head's window, never past its truncationLimit. */
  truncate(): Promise<unknown>;
}

export interface ShipperLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface ShipperOptions {
  /** Where blocks are written before upload, and thanos.shipper.json. */
  readonly dir: string;
  readonly bucket: ObjectBucket;
  /** Block length (--storage.tsdb.min-block-duration); a multiple of the head's chunk range. */
  readonly blockDurationMs: number;
  /** meta.json's thanos.source. */
  readonly source: ThanosSource;
  /** meta.json's thanos.labels. */
  readonly externalLabels?: Labels;
  readonly registry?: Registry;
  readonly log?: ShipperLog;
  /** How often start()'s timer syncs (default 30 s). */
  readonly intervalMs?: number;
  /** Runs after blocks are uploaded and before the head truncates them (a reader of the bucket syncs here, so no range goes unseen). */
  readonly onUploaded?: (ulids: readonly string[]) => Promise<void>;
  /** After a failed sync the next waits minMs, doubling per failure up to maxMs (default 1 s … 5 min). */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
}

export interface ShipperSyncReport {
  /** Blocks cut from the head by this sync (ULIDs). */
  readonly cut: readonly string[];
  /** Blocks uploaded by this sync. */
  readonly uploaded: readonly string[];
}

const TMP_SUFFIX = ".tmp-for-creation";
const SILENT: ShipperLog = { info: () => undefined, warn: () => undefined };

interface ShipperMetrics {
  readonly blocksCut: Counter;
  readonly uploads: Counter;
  readonly uploadFailures: Counter;
  readonly syncFailures: Counter;
}

export class Shipper {
  private readonly log: ShipperLog;
  private readonly metrics: ShipperMetrics;
  private running: Promise<ShipperSyncReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  /** Cut, not yet uploaded: ULID → meta. */
  private readonly pending = new Map<string, BlockMeta>();
  private uploaded: string[] = [];
  private cutBefore = -Infinity;
  private loaded = false;

  /**
   * A shipper that holds back all truncation until load() has read its directory: create it
   * before the head (whose truncationLimit it gives), load it once the head holds the directory's lock.
   */
  constructor(private readonly opts: ShipperOptions) {
    if (!(opts.blockDurationMs > 0)) throw new RangeError(`shipper block duration must be positive, got ${opts.blockDurationMs}`);
    this.log = opts.log ?? SILENT;
    this.metrics = createMetrics(opts.registry ?? new Registry(), this);
  }

  /** A loaded shipper (tests, and callers that own the directory already). */
  static async open(opts: ShipperOptions): Promise<Shipper> {
    const shipper = new Shipper(opts);
    await shipper.load();
    return shipper;
  }

  /**
   * Reads the shipper's directory: thanos.shipper.json, half-written blocks (removed), blocks
   * already uploaded (removed), and blocks a previous run cut but did not upload (the next sync uploads them).
   */
  async load(): Promise<void> {
    const dir = this.opts.dir;
    await mkdir(dir, { recursive: true });
    const meta = await readShipperMeta(dir);
    const uploaded = new Set(meta.uploaded);
    let cutBefore = meta.cutBefore;
    for (const name of (await readdir(dir)).sort()) {
      if (name.endsWith(TMP_SUFFIX)) {
        await rm(join(dir, name), { recursive: true, force: true });
        continue;
      }
      if (!isUlid(name)) continue;
      const metaPath = join(dir, name, META_FILE);
      const text = await readFile(metaPath, "utf8").catch((err: Error) => {
        throw new Error(`local block ${name}: cannot read ${metaPath}: ${err.message}`);
      });
      const block = parseMeta(text, name);
      cutBefore = Math.max(cutBefore, block.maxTime);
      if (uploaded.has(name)) await rm(join(dir, name), { recursive: true, force: true });
      else this.pending.set(name, block);
    }
    this.uploaded = [...uploaded];
    this.cutBefore = cutBefore;
    this.loaded = true;
  }

  /** The head must keep every sample at or after this: the oldest block not yet uploaded, or the first time not yet cut. */
  readonly truncationLimit = (): number => {
    if (!this.loaded) return -Infinity;
    let limit = this.cutBefore;
    for (const m of this.pending.values()) limit = Math.min(limit, m.minTime);
    return limit;
  };

  /** Where the last cut ended (-Infinity before the first). */
  cutUntil(): number {
    return this.cutBefore;
  }

  /** The head must refuse samples before this (their block is cut and final); before load(), every sample. */
  readonly appendFloor = (): number => (this.loaded ? this.cutBefore : Infinity);

  /** Blocks cut and waiting for upload. */
  pendingBlocks(): string[] {
    return [...this.pending.keys()];
  }

  /** Cuts the blocks due, uploads every pending block, then truncates the head. One sync runs at a time. */
  async sync(head: ShippableHead): Promise<ShipperSyncReport> {
    if (this.running !== undefined) await this.running.catch(() => undefined);
    const run = this.syncNow(head);
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Syncs every intervalMs, and after a failure with backoff (the timer never keeps the process alive). */
  start(head: ShippableHead): void {
    if (this.timer !== undefined || this.stopped) return;
    this.schedule(head, 0);
  }

  /** Stops the timer and waits for a running sync. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private schedule(head: ShippableHead, delayMs: number): void {
    this.timer = setTimeout(() => {
      this.sync(head).then(
        () => {
          this.failures = 0;
          if (!this.stopped) this.schedule(head, this.opts.intervalMs ?? 30_000);
        },
        (err: unknown) => {
          this.failures++;
          const { minMs, maxMs } = this.opts.backoff ?? { minMs: 1000, maxMs: 300_000 };
          const delay = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 30));
          this.log.warn(`shipping blocks to ${this.opts.bucket.name} failed (attempt ${this.failures}), the head keeps the data; retrying in ${delay} ms: ${(err as Error).message}`);
          if (!this.stopped) this.schedule(head, delay);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async syncNow(head: ShippableHead): Promise<ShipperSyncReport> {
    if (!this.loaded) throw new Error(`shipper for ${this.opts.dir}: sync before load()`);
    try {
      const cut = await this.cutDue(head);
      const uploaded = await this.uploadPending();
      if (uploaded.length > 0) {
        await this.opts.onUploaded?.(uploaded);
        await head.truncate();
      }
      return { cut, uploaded };
    } catch (err) {
      this.metrics.syncFailures.inc();
      throw err;
    }
  }

  private async cutDue(head: ShippableHead): Promise<string[]> {
    const cut: string[] = [];
    for (;;) {
      const span = { ...head.bounds(), minValidTime: head.minValidTime() };
      const range = nextBlockRange(span, this.cutBefore, this.opts.blockDurationMs);
      if (range === undefined) return cut;
      const meta = await this.writeBlock(await head.blockSeries(range.minTime, range.maxTime), range);
      if (meta !== undefined) {
        this.pending.set(meta.ulid, meta);
        this.metrics.blocksCut.inc();
        cut.push(meta.ulid);
        this.log.info(`cut block ${meta.ulid} [${range.minTime}, ${range.maxTime}) from the head: ${meta.stats?.numSeries ?? 0} series, ${meta.stats?.numSamples ?? 0} samples`);
      }
      this.cutBefore = range.maxTime;
      await this.saveMeta();
    }
  }

  /** Writes the block into the shipper's directory; undefined when the range holds no series (no empty blocks, as Prometheus). */
  private async writeBlock(series: readonly HeadBlockSeries[], range: BlockRange): Promise<BlockMeta | undefined> {
    if (series.length === 0) return undefined;
    const symbols = new Set<string>();
    for (const s of series) for (const l of s.labels) symbols.add(l.name).add(l.value);
    const writer = await BlockWriter.create(this.opts.dir, {
      symbols,
      source: this.opts.source,
      externalLabels: this.opts.externalLabels,
      minTime: range.minTime,
      maxTime: range.maxTime,
    });
    try {
      for (const s of series) await writer.addSeries(s.labels, s.chunks);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer.finish();
  }

  private async uploadPending(): Promise<string[]> {
    const done: string[] = [];
    for (const ulid of [...this.pending.keys()].sort()) {
      const dir = join(this.opts.dir, ulid);
      try {
        await uploadBlock(this.opts.bucket, dir, ulid);
      } catch (err) {
        this.metrics.uploadFailures.inc();
        throw new Error(`uploading block ${ulid}: ${(err as Error).message}`, { cause: err });
      }
      this.pending.delete(ulid);
      this.uploaded.push(ulid);
      this.metrics.uploads.inc();
      await this.saveMeta();
      // The bucket holds it now; the local copy is not read again.
      await rm(dir, { recursive: true, force: true });
      this.log.info(`uploaded block ${ulid} to ${this.opts.bucket.name}`);
      done.push(ulid);
    }
    return done;
  }

  /** Keeps in "uploaded" only blocks still on local disk (as Thanos prunes it), plus the ones just uploaded. */
  private async saveMeta(): Promise<void> {
    const local = new Set((await readdir(this.opts.dir)).filter(isUlid));
    this.uploaded = this.uploaded.filter((u) => local.has(u));
    await writeShipperMeta(this.opts.dir, { uploaded: this.uploaded, cutBefore: this.cutBefore });
  }
}

function createMetrics(registry: Registry, shipper: Shipper): ShipperMetrics {
  const registers = [registry];
  new Gauge({
    name: "orrery_shipper_pending_blocks",
    help: "Blocks cut from the head and not yet uploaded (the head keeps their data).",
    registers,
    collect() {
      this.set(shipper.pendingBlocks().length);
    },
  });
  return {
    blocksCut: new Counter({ name: "orrery_shipper_blocks_cut_total", help: "Blocks cut from the head and written locally.", registers }),
    uploads: new Counter({ name: "orrery_shipper_uploads_total", help: "Blocks uploaded to the bucket.", registers }),
    uploadFailures: new Counter({ name: "orrery_shipper_upload_failures_total", help: "Block uploads that failed (retried with backoff).", registers }),
    syncFailures: new Counter({ name: "orrery_shipper_sync_failures_total", help: "Shipper syncs (cut, upload, truncate) that failed.", registers }),
  };
}
