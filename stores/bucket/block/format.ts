// Facts of the Prometheus TSDB block format (tsdb/docs/format in Prometheus 2.x), the
// block's meta.json with Thanos's section, and the one error every block failure raises.
import type { Labels } from "../../../storeapi/index.js";

export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_VERSION_V2 = 2;
export const CHUNKS_MAGIC = 0x85bd40dd;
export const CHUNKS_FORMAT_V1 = 1;
/** Magic (4), version (1), padding (3). */
export const CHUNKS_HEADER_BYTES = 8;
export const TOMBSTONES_MAGIC = 0x0130ba30;
export const TOMBSTONES_FORMAT_V1 = 1;
/** Prometheus cuts a new chunk segment file before it would pass 512 MiB. */
export const DEFAULT_SEGMENT_BYTES = 512 * 1024 * 1024;
/** Six 8-byte section offsets and a CRC32. */
export const INDEX_TOC_BYTES = 6 * 8 + 4;

export const META_FILE = "meta.json";
export const INDEX_FILE = "index";
export const CHUNKS_DIR = "chunks";
export const TOMBSTONES_FILE = "tombstones";

/** File name of chunk segment `seq` (0-based): 000001, 000002, … */
export function segmentFileName(seq: number): string {
  return String(seq + 1).padStart(6, "0");
}

/** A chunk's reference in the index: segment sequence in the high 32 bits, byte offset in the low. */
export function chunkRef(segment: number, offset: number): number {
  return segment * 0x1_0000_0000 + offset;
}

export function chunkRefSegment(ref: number): number {
  return Math.floor(ref / 0x1_0000_0000);
}

export function chunkRefOffset(ref: number): number {
  return ref % 0x1_0000_0000;
}

/** A failure reading or writing a block, naming the block (ULID or directory) and the file. */
export class BlockError extends Error {
  override name = "BlockError";
  constructor(
    readonly block: string,
    readonly file: string,
    detail: string,
  ) {
    super(`block ${block}: ${file}: ${detail}`);
  }
}

/** Thanos's meta.json `thanos.source` values. */
export type ThanosSource =
  | "sidecar"
  | "receive"
  | "compactor"
  | "compactor.repair"
  | "ruler"
  | "bucket.repair"
  | "bucket.rewrite"
  | "bucket.upload"
  | "test";

export interface BlockMeta {
  readonly ulid: string;
  /** Inclusive. */
  readonly minTime: number;
  /** Exclusive: one past the last sample's timestamp, as Prometheus writes it. */
  readonly maxTime: number;
  readonly stats: {
    readonly numSamples: number;
    readonly numSeries: number;
    readonly numChunks: number;
    /** Native histogram samples among numSamples (Prometheus writes it when non-zero). */
    readonly numHistogramSamples?: number;
  };
  readonly compaction: {
    readonly level: number;
    readonly sources: readonly string[];
    /** The blocks a compaction merged (Prometheus's BlockDesc: ulid, minTime, maxTime). */
    readonly parents?: readonly { readonly ulid: string; readonly minTime: number; readonly maxTime: number }[];
  };
  readonly version: 1;
  /** Absent in blocks written by Prometheus itself. */
  readonly thanos?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly downsample: { readonly resolution: number };
    readonly source: ThanosSource | string;
    readonly segment_files?: readonly string[];
    readonly files?: readonly { readonly rel_path: string; readonly size_bytes?: number }[];
  };
}

/** meta.json's text as Prometheus and Thanos write it (tab-indented JSON). */
export function formatMeta(meta: BlockMeta): string {
  return JSON.stringify(meta, null, "\t") + "\n";
}

/** Parses and checks meta.json; throws BlockError naming `block` (its directory name) on any problem. */
export function parseMeta(text: string, block: string): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BlockError(block, META_FILE, `not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new BlockError(block, META_FILE, what);
  };
  if (typeof raw !== "object" || raw === null) return bad("not a JSON object");
  const m = raw as Record<string, unknown>;
  if (typeof m.ulid !== "string" || !isUlid(m.ulid)) return bad(`"ulid" is not a ULID: ${JSON.stringify(m.ulid)}`);
  if (!Number.isSafeInteger(m.minTime)) return bad(`"minTime" is not an integer: ${JSON.stringify(m.minTime)}`);
  if (!Number.isSafeInteger(m.maxTime)) return bad(`"maxTime" is not an integer: ${JSON.stringify(m.maxTime)}`);
  if ((m.maxTime as number) < (m.minTime as number)) return bad(`"maxTime" ${m.maxTime} is before "minTime" ${m.minTime}`);
  if (m.version !== 1) return bad(`unsupported "version" ${JSON.stringify(m.version)} (only 1)`);
  const thanos = m.thanos as Record<string, unknown> | undefined;
  if (thanos !== undefined) {
    if (typeof thanos !== "object" || thanos === null) return bad(`"thanos" is not an object`);
    const labels = thanos.labels ?? {};
    if (typeof labels !== "object" || labels === null || Object.values(labels).some((v) => typeof v !== "string")) {
      return bad(`"thanos.labels" is not an object of strings`);
    }
  }
  return raw as BlockMeta;
}

/** The block's external labels from its Thanos section (empty for a plain Prometheus block). */
export function metaExternalLabels(meta: BlockMeta): Readonly<Record<string, string>> {
  return meta.thanos?.labels ?? {};
}

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isUlid(s: string): boolean {
  return ULID_RE.test(s);
}

export type { Labels };
