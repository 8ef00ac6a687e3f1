// Vertical query sharding at the store boundary, as Thanos does it: a request
// carrying shard_info gets only the series whose hash over the sharding labels
// falls in its shard (xxHash64 of name 0xff value 0xff… modulo the shard count),
// so every store and every layer that filters agrees on which shard a series is in.
import { XxHash64 } from "./xxhash.js";
import type { Labels, SeriesFrame, ShardInfo, Store } from "./types.js";

/** Largest shard count accepted: keeps the hash's modulo exact in doubles, and far above any sane split. */
export const MAX_TOTAL_SHARDS = 1 << 20;

/** Whether a request with this shard info is sharded at all (Thanos: total_shards ≥ 1). */
export function isSharded(info: ShardInfo | undefined): info is ShardInfo {
  return info !== undefined && info.totalShards >= 1;
}

/** What is wrong with a shard info, or undefined. */
export function shardInfoError(info: ShardInfo): string | undefined {
  if (!Number.isSafeInteger(info.totalShards) || info.totalShards < 0 || info.totalShards > MAX_TOTAL_SHARDS) {
    return `total_shards ${info.totalShards} is not an integer in [0, ${MAX_TOTAL_SHARDS}]`;
  }
  if (info.totalShards >= 1 && (!Number.isSafeInteger(info.shardIndex) || info.shardIndex < 0 || info.shardIndex >= info.totalShards)) {
    return `shard_index ${info.shardIndex} is not in [0, ${info.totalShards})`;
  }
  return undefined;
}

/** Decides per label set whether it belongs to one shard; holds a reusable byte buffer. */
export class ShardMatcher {
  private readonly names: ReadonlySet<string>;
  private readonly hasher = new XxHash64();
  private readonly encoder = new TextEncoder();
  private buf = new Uint8Array(256);

  constructor(private readonly info: ShardInfo) {
    this.names = new Set(info.labels);
  }

  /** Whether the series with these labels (sorted, as returned) is in this shard. */
  matches(labels: Labels): boolean {
    const length = this.encode(labels);
    return this.hasher.hash(this.buf, length).mod(this.info.totalShards) === this.info.shardIndex;
  }

  /** name 0xff value 0xff for every hashed label, into buf; returns the length. */
  private encode(labels: Labels): number {
    let at = 0;
    for (const l of labels) {
      if (this.names.has(l.name) !== this.info.by) continue;
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      const need = at + 3 * (l.name.length + l.value.length) + 2;
      if (need > this.buf.length) this.grow(need);
      at += this.encoder.encodeInto(l.name, this.buf.subarray(at)).written;
      this.buf[at++] = 0xff;
      at += this.encoder.encodeInto(l.value, this.buf.subarray(at)).written;
      this.buf[at++] = 0xff;
    }
    return at;
  }

  private grow(need: number): void {
    const bigger = new Uint8Array(Math.max(need, this.buf.length * 2));
    bigger.set(this.buf);
    this.buf = bigger;
  }
}

/** A matcher for the request's shard, or undefined when it is not sharded. */
export function shardMatcher(info: ShardInfo | undefined): ShardMatcher | undefined {
  return isSharded(info) ? new ShardMatcher(info) : undefined;
}

/** The frames with only the series of the shard; frames left empty still carry their warnings. */
export function shardFrames(frames: AsyncIterable<SeriesFrame>, info: ShardInfo | undefined): AsyncIterable<SeriesFrame> {
  const matcher = shardMatcher(info);
  // Unsharded (nearly every request): the frames themselves, no generator between them and the reader.
  return matcher === undefined ? frames : shardedFrames(frames, matcher);
}

async function* shardedFrames(frames: AsyncIterable<SeriesFrame>, matcher: ShardMatcher): AsyncIterable<SeriesFrame> {
  for await (const frame of frames) {
    const series = frame.series.filter((s) => matcher.matches(s.labels));
    if (series.length > 0 || frame.warnings.length > 0) yield { series, warnings: frame.warnings };
  }
}

/**
 * The store as one shard sees it: every series request carries the shard info (so stores
 * that shard cut early) and what comes back is filtered again, so a store that ignores
 * shard_info (remote_read, an older StoreAPI) cannot put a series in every shard.
 */
export function shardedStore(store: Store, info: ShardInfo): Store {
  if (!isSharded(info)) return store;
  return {
    info: () => store.info(),
    series: (request, signal) => shardFrames(store.series({ ...request, shardInfo: info }, signal), info),
    labelNames: (request, signal) => store.labelNames(request, signal),
    labelValues: (request, signal) => store.labelValues(request, signal),
  };
}

/**
 * The same shard with `names` never hashed: for labels a layer above the stores removes
 * (replica labels, dropped by deduplication), so the shard a series lands in does not depend
 * on its replica. Hashing fewer labels still keeps every group in one shard.
 */
export function shardIgnoringLabels(info: ShardInfo, names: readonly string[]): ShardInfo {
  if (names.length === 0) return info;
  const labels = info.by ? info.labels.filter((l) => !names.includes(l)) : [...new Set([...info.labels, ...names])];
  return { ...info, labels };
}
