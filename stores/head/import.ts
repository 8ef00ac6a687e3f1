// Backfilling the head from a text exposition file (`orrery tsdb import openmetrics`).
//
// Prometheus's `promtool tsdb create-blocks-from openmetrics` writes the samples as
// persistent 2h blocks beside the TSDB, so they can be of any age and are kept for
// the retention period. orrery has no block writer yet: the samples go into the
// head through its WAL (a head opened with minValidTime -Infinity takes any age),
// so the next `orrery start` on the directory replays them. That head truncates
// what lies more than its window behind its newest sample, so only the window's
// worth of imported history stays queryable.
//
// A file is refused whole (nothing imported) when a line does not parse, when an
// OpenMetrics file lacks its closing `# EOF` (as promtool refuses it), or when a timestamp
// is implausible for the format: the sign of a unit mix-up (see PLAUSIBLE_MIN_MS).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { labelsKey } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import { parseExpositionLine, type ExpositionError, type ExpositionFormat } from "./exposition.js";
import type { Head } from "./head.js";
import type { Rejection, SeriesSamples } from "./types.js";

export interface ImportProgress {
  readonly phase: "check" | "import";
  readonly bytes: number;
  readonly totalBytes: number;
  readonly samples: number;
}

export interface ImportOptions {
  /** The file's format (default openmetrics: float-second timestamps, ending with `# EOF`). */
  readonly format?: ExpositionFormat;
  /** Samples per appendBatch (default 50,000). */
  readonly batchSamples?: number;
  /** Parse errors collected before giving up (default 20). */
  readonly maxErrors?: number;
  readonly onProgress?: (p: ImportProgress) => void;
}

export interface ImportReport {
  readonly format: ExpositionFormat;
  readonly lines: number;
  /** Sample lines read. */
  readonly samples: number;
  readonly series: number;
  readonly accepted: number;
  readonly rejected: readonly Rejection[];
  readonly minTime: number;
  readonly maxTime: number;
  /** Parse errors: when there are any, nothing was imported. */
  readonly errors: readonly ExpositionError[];
}

/**
 * Checks the whole file first (so a bad line imports nothing), then appends its
 * samples to the head in batches, each series' samples in time order within a batch.
 */
export async function importExpositionFile(head: Head, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const totalBytes = (await stat(file)).size;
  const format = opts.format ?? "openmetrics";
  const maxErrors = opts.maxErrors ?? 20;
  const errors: ExpositionError[] = [];
  let lines = 0;
  let samples = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  const seriesKeys = new Set<string>();
  const seriesCache = new Map<string, Labels>();
  const countedLabels = new Set<Labels>();
  let eofLine = 0;
  let implausible: { error: ExpositionError; count: number } | undefined;
  await forEachLine(file, totalBytes, "check", opts.onProgress, () => samples, (line, lineNo) => {
    lines = lineNo;
    const parsed = parseExpositionLine(line, lineNo, format, seriesCache);
    if (eofLine > 0 && parsed.kind !== "blank") {
      errors.push({ kind: "error", line: lineNo, column: 1, message: `content after "# EOF" (line ${eofLine})` });
    } else if (parsed.kind === "error") {
      errors.push(parsed);
    } else if (parsed.kind === "eof") {
      eofLine = lineNo;
    } else if (parsed.kind === "sample") {
      if (parsed.timestamp === undefined) {
        errors.push({ kind: "error", line: lineNo, column: line.length + 1, message: "sample has no timestamp; importing needs one" });
      } else if (!isPlausible(parsed.timestamp)) {
        if (implausible === undefined) {
          implausible = { error: { kind: "error", line: lineNo, column: 1, message: implausibleTimestamp(parsed.timestamp, format) }, count: 0 };
          errors.push(implausible.error);
        }
        implausible.count++;
      } else {
        samples++;
        if (!countedLabels.has(parsed.labels)) {
          countedLabels.add(parsed.labels);
          seriesKeys.add(labelsKey(parsed.labels));
        }
        if (parsed.timestamp < minTime) minTime = parsed.timestamp;
        if (parsed.timestamp > maxTime) maxTime = parsed.timestamp;
      }
    }
    return errors.length < maxErrors;
  });
  if (implausible !== undefined && implausible.count > 1) {
    const i = errors.indexOf(implausible.error);
    errors[i] = { ...implausible.error, message: `${implausible.error.message} (the first of ${implausible.count} such samples)` };
  }
  if (format === "openmetrics" && eofLine === 0 && errors.length < maxErrors) {
    errors.push({
      kind: "error",
      line: lines + 1,
      column: 1,
      message: 'the file does not end with "# EOF", which OpenMetrics requires (promtool refuses it too); ' +
        "a Prometheus text file, with millisecond timestamps, is imported with the prometheus format",
    });
  }
  const base = { format, lines, samples, series: seriesKeys.size, minTime, maxTime };
  if (errors.length > 0) return { ...base, accepted: 0, rejected: [], errors };

  const batch = new ImportBatch(head, opts.batchSamples ?? 50_000);
  let appended = 0;
  await forEachLine(file, totalBytes, "import", opts.onProgress, () => appended, (line, lineNo) => {
    const parsed = parseExpositionLine(line, lineNo, format, seriesCache);
    if (parsed.kind !== "sample" || parsed.timestamp === undefined) return true;
    batch.add(parsed.labels, parsed.timestamp, parsed.value);
    appended++;
    return true;
  }, () => (batch.full() ? batch.flush() : undefined));
  await batch.flush();
  return { ...base, accepted: batch.accepted, rejected: batch.rejections(), errors: [] };
}

/** Samples grouped by series until a batch is full. */
class ImportBatch {
  private readonly bySeries = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  /** The same entries by label-set object: a parser's series cache hands out one object per series. */
  private readonly byLabels = new Map<Labels, { labels: Labels; t: number[]; v: number[] }>();
  private size = 0;
  accepted = 0;
  private readonly rejected = new Map<string, Rejection>();

  constructor(
    private readonly head: Head,
    private readonly limit: number,
  ) {}

  add(labels: Labels, t: number, v: number): void {
    let s = this.byLabels.get(labels);
    if (s === undefined) {
      const key = labelsKey(labels);
      s = this.bySeries.get(key);
      if (s === undefined) {
        s = { labels, t: [], v: [] };
        this.bySeries.set(key, s);
      }
      this.byLabels.set(labels, s);
    }
    s.t.push(t);
    s.v.push(v);
    this.size++;
  }

  full(): boolean {
    return this.size >= this.limit;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const entries: SeriesSamples[] = [];
    for (const s of this.bySeries.values()) entries.push(sortedByTime(s));
    this.bySeries.clear();
    this.byLabels.clear();
    this.size = 0;
    const result = await this.head.appendBatch(entries);
    this.accepted += result.accepted;
    for (const r of result.rejected) {
      const prev = this.rejected.get(r.reason);
      this.rejected.set(r.reason, prev === undefined ? r : { ...prev, count: prev.count + r.count });
    }
  }

  rejections(): Rejection[] {
    return [...this.rejected.values()];
  }
}

/** The series' samples in time order (stable, so equal timestamps keep file order). */
function sortedByTime(s: { labels: Labels; t: number[]; v: number[] }): SeriesSamples {
  let sorted = true;
  for (let i = 1; i < s.t.length; i++) if (s.t[i]! < s.t[i - 1]!) sorted = false;
  if (sorted) return { labels: s.labels, t: s.t, v: s.v };
  const order = s.t.map((_, i) => i).sort((a, b) => s.t[a]! - s.t[b]! || a - b);
  return { labels: s.labels, t: order.map((i) => s.t[i]!), v: order.map((i) => s.v[i]!) };
}

/**
 * Timestamps outside [1973-03-03, 2286-11-20] are refused: a seconds timestamp from after
 * 1973 read as milliseconds lands before 1973, and a milliseconds one read as seconds lands
 * after year 5138. Nothing scraped from a live system lies outside this range.
 */
export const PLAUSIBLE_MIN_MS = 1e11;
export const PLAUSIBLE_MAX_MS = 1e13;

function isPlausible(ms: number): boolean {
  return ms >= PLAUSIBLE_MIN_MS && ms <= PLAUSIBLE_MAX_MS;
}

function implausibleTimestamp(ms: number, format: ExpositionFormat): string {
  const when = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `beyond year 275760`;
  const hint =
    format === "openmetrics"
      ? "millisecond timestamps mean a Prometheus text file: import it with the prometheus format"
      : "second timestamps mean an OpenMetrics file: import it with the openmetrics format";
  return `timestamp read as ${format === "openmetrics" ? "OpenMetrics seconds" : "Prometheus milliseconds"} is ${when}, ` +
    `outside the plausible 1973-03-03..2286-11-20; ${hint}`;
}

/**
 * Calls onLine for each line (1-based numbers) until it returns false; after each
 * read chunk awaits `between` (a batch flush), and reports progress.
 */
async function forEachLine(
  file: string,
  totalBytes: number,
  phase: ImportProgress["phase"],
  onProgress: ImportOptions["onProgress"],
  samples: () => number,
  onLine: (line: string, lineNo: number) => boolean,
  between?: () => Promise<void> | undefined,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let lineNo = 0;
  let bytes = 0;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      const text = rest + decoder.write(chunk);
      let from = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
        if (!onLine(text.slice(from, nl), ++lineNo)) return;
        from = nl + 1;
      }
      rest = text.slice(from);
      await between?.();
      onProgress?.({ phase, bytes, totalBytes, samples: samples() });
    }
    rest += decoder.end();
    if (rest !== "") onLine(rest, ++lineNo);
    onProgress?.({ phase, bytes, totalBytes, samples: samples() });
  } finally {
    stream.destroy();
  }
}
