// `orrery tsdb create-blocks-from openmetrics`: blocks straight from a text exposition file,
// without the head or its WAL. As promtool does: one block per aligned block-duration window
// (2h unless a larger --max-block-duration allows 6h, 18h, …), empty windows skipped, a series'
// samples in time order (a repeated timestamp with the same value is dropped, with another value
// is an error). The samples of all windows are held as XOR chunks (about 1-2 bytes a sample),
// then each block is written and its chunks let go.
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createInterface } from "node:readline";
import {
  FloatBits,
  XorChunk,
  XOR_CHUNK_TARGET_SAMPLES,
  compareLabels,
  labelsKey,
  type Labels,
} from "../../../storeapi/index.js";
import { formatExpositionError, parseExpositionLine, type ExpositionFormat } from "../../head/index.js";
import { BlockWriter, type BlockChunk } from "./writer.js";
import type { BlockMeta } from "./format.js";

const HOUR_MS = 3_600_000;
/** Prometheus's default block range. */
export const DEFAULT_BLOCK_DURATION_MS = 2 * HOUR_MS;

export interface CreateBlocksOptions {
  /** Largest block duration; the block duration is the largest of 2h·3^k not above it (default 2h). */
  readonly maxBlockDurationMs?: number;
  /** Default openmetrics, as promtool's `create-blocks-from openmetrics` reads. */
  readonly format?: ExpositionFormat;
  /** Chunk segment size (tests). */
  readonly segmentBytes?: number;
}

export interface CreateBlocksReport {
  readonly blocks: readonly BlockMeta[];
  readonly samples: number;
  readonly blockDurationMs: number;
}

/** The block duration promtool picks for a --max-block-duration: 2h·3^k, the largest not above it (k ≤ 9). */
export function compatibleBlockDuration(maxBlockDurationMs: number): number {
  let d = DEFAULT_BLOCK_DURATION_MS;
  for (let k = 1; k < 10 && d * 3 <= maxBlockDurationMs; k++) d *= 3;
  return d;
}

/** Reads `file` and writes its blocks under `outDir`. Throws an Error naming file:line:column on a bad line. */
export async function createBlocksFromExposition(file: string, outDir: string, opts: CreateBlocksOptions = {}): Promise<CreateBlocksReport> {
  const blockDurationMs = compatibleBlockDuration(opts.maxBlockDurationMs ?? DEFAULT_BLOCK_DURATION_MS);
  const format = opts.format ?? "openmetrics";
  const windows = new Map<number, Map<string, SeriesBuilder>>();
  const bits = new FloatBits();
  let samples = 0;
  let lineNo = 0;
  let eofLine = 0;
  const seriesCache = new Map<string, Labels>();
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    const parsed = parseExpositionLine(line, lineNo, format, seriesCache);
    if (parsed.kind === "blank") continue;
    if (eofLine > 0) throw new Error(`${file}:${lineNo}:1: content after "# EOF" (line ${eofLine})`);
    if (parsed.kind === "error") throw new Error(formatExpositionError(parsed, file));
    if (parsed.kind === "eof") eofLine = lineNo;
    if (parsed.kind !== "sample") continue;
    const t = parsed.timestamp;
    if (t === undefined) throw new Error(`${file}:${lineNo}:${line.length + 1}: sample has no timestamp; creating blocks needs one`);
    const start = Math.floor(t / blockDurationMs) * blockDurationMs;
    let window = windows.get(start);
    if (window === undefined) windows.set(start, (window = new Map()));
    const key = labelsKey(parsed.labels);
    let s = window.get(key);
    if (s === undefined) window.set(key, (s = new SeriesBuilder(parsed.labels, bits)));
    const problem = s.append(t, parsed.value);
    if (problem !== undefined) throw new Error(`${file}:${lineNo}: ${problem}`);
    samples++;
  }
  if (format === "openmetrics" && eofLine === 0) throw new Error(`${file}: OpenMetrics input has no "# EOF" line (truncated?)`);
  await mkdir(outDir, { recursive: true });
  const blocks: BlockMeta[] = [];
  for (const start of [...windows.keys()].sort((a, b) => a - b)) {
    const series = [...windows.get(start)!.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    windows.delete(start);
    blocks.push(await writeBlock(outDir, series, opts.segmentBytes));
  }
  return { blocks, samples, blockDurationMs };
}

async function writeBlock(outDir: string, series: readonly SeriesBuilder[], segmentBytes: number | undefined): Promise<BlockMeta> {
  const symbols = new Set<string>();
  for (const s of series) for (const l of s.labels) symbols.add(l.name).add(l.value);
  const w = await BlockWriter.create(outDir, { symbols, source: "bucket.upload", segmentBytes });
  try {
    for (const s of series) await w.addSeries(s.labels, s.finish());
  } catch (err) {
    await w.abort();
    throw err;
  }
  return w.finish();
}

/** One series' samples of one block window, as XOR chunks of 120 samples. */
class SeriesBuilder {
  private readonly chunks: BlockChunk[] = [];
  private current = new XorChunk();
  private currentMin = 0;
  private lastT = -Infinity;
  private lastHi = 0;
  private lastLo = 0;

  constructor(
    readonly labels: Labels,
    private readonly bits: FloatBits,
  ) {}

  /** Adds a sample; returns why it cannot be added, or undefined. */
  append(t: number, v: number): string | undefined {
    this.bits.set(v);
    const hi = this.bits.hi();
    const lo = this.bits.lo();
    if (t === this.lastT) {
      if (hi === this.lastHi && lo === this.lastLo) return undefined;
      return `duplicate sample for timestamp ${t} with a different value`;
    }
    if (t < this.lastT) return `out-of-order sample: timestamp ${t} is before the series' previous ${this.lastT}`;
    if (this.current.numSamples() >= XOR_CHUNK_TARGET_SAMPLES) this.cut();
    if (this.current.numSamples() === 0) this.currentMin = t;
    this.current.append(t, v);
    this.lastT = t;
    this.lastHi = hi;
    this.lastLo = lo;
    return undefined;
  }

  private cut(): void {
    this.chunks.push({ minTime: this.currentMin, maxTime: this.lastT, data: this.current.bytes().slice() });
    this.current = new XorChunk();
  }

  finish(): BlockChunk[] {
    if (this.current.numSamples() > 0) this.cut();
    return this.chunks;
  }
}

