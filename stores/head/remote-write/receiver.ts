// The remote_write receiver (1.0 and 2.0): checks headers, decompresses, decodes, appends to the head, keeps
// exemplars and metadata, and answers with the status codes the protocol specifies.
import { Counter, type Registry } from "prom-client";
import { type Label, type Labels, setLabel, snappyDeclaredLength, snappyUncompressInto } from "../../../storeapi/index.js";
import type { AppendBatch, AppendResult, SeriesHandle } from "../index.js";
import { DecodeScratchPool, ProtoDecodeError, decodeWriteRequest, type DecodeScratch, type DecodedWriteRequest } from "./decode.js";
import { decodeWriteRequestV2 } from "./decode-v2.js";
import { ExemplarStore } from "./exemplars.js";
import { exemplarLabels, seriesLabels } from "./labels.js";
import { LabelInterner, StringInterner } from "./intern.js";
import { KnownSeries } from "./known-series.js";
import type { BatchScratch } from "./batch-scratch.js";
import { MetadataStore } from "./metadata.js";
import type { SnappyWorker } from "../../../storeapi/index.js";

/**
 * What the receiver appends to: the head's appendBatch. When it fills `handles`, series already in the
 * head are found from their label bytes next time (known-series.ts). An appender reads the batch and
 * fills `handles` before appendBatch returns (its promise may then wait for the WAL) and keeps none of
 * it (label sets and handles excepted): the batch, its entries and the columns they point into are
 * the next request's from then on.
 */
export interface RemoteWriteAppender {
  appendBatch(batch: AppendBatch, handles?: (SeriesHandle | undefined)[]): Promise<AppendResult>;
  /** Series held: a known-series table grown well beyond it is cleared. */
  numSeries?(): number;
}

export interface RemoteWriteResponse {
  readonly status: number;
  readonly message?: string;
  /** Response headers: remote_write 2.0's X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type HeaderValue = string | readonly string[] | undefined;
/** Request headers; names are matched case-insensitively (node:http gives them lower-cased). */
export type RequestHeaders = Readonly<Record<string, HeaderValue>> | Headers;

export interface RemoteWriteMetrics {
  readonly requests: Counter<"code">;
  readonly samplesReceived: Counter;
  readonly histogramsReceived: Counter;
  /** Everything received and not stored, by kind (sample, histogram, exemplar) and reason. */
  readonly dropped: Counter<"kind" | "reason">;
  readonly exemplarsStored: Counter;
  readonly metadataReceived: Counter;
}

export function createRemoteWriteMetrics(registry: Registry): RemoteWriteMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: "orrery_remote_write_requests_total",
      help: "remote_write requests received, by HTTP status code.",
      labelNames: ["code"],
      registers,
    }),
    samplesReceived: new Counter({
      name: "orrery_remote_write_samples_received_total",
      help: "Float samples received through remote_write.",
      registers,
    }),
    histogramsReceived: new Counter({
      name: "orrery_remote_write_histograms_received_total",
      help: "Native histogram samples received through remote_write.",
      registers,
    }),
    dropped: new Counter({
      name: "orrery_remote_write_dropped_total",
      help: "Samples, histograms and exemplars received through remote_write and not stored, by reason.",
      labelNames: ["kind", "reason"],
      registers,
    }),
    exemplarsStored: new Counter({
      name: "orrery_remote_write_exemplars_stored_total",
      help: "Exemplars stored from remote_write.",
      registers,
    }),
    metadataReceived: new Counter({
      name: "orrery_remote_write_metadata_received_total",
      help: "Metric metadata entries received through remote_write.",
      registers,
    }),
  };
}

/** The receiver's state beyond the head: exemplars, metadata, label cache, limits. */
export interface RemoteWriteContext {
  readonly exemplars: ExemplarStore;
  readonly metadata: MetadataStore;
  readonly metrics?: RemoteWriteMetrics;
  /** Largest decompressed body accepted, in bytes. */
  readonly maxDecodedBytes: number;
  /** Label names and values shared across requests and series. */
  readonly strings: StringInterner;
  /** Series' label pairs, shared the same way (exemplars' labels, often unique, only intern strings). */
  readonly pairs: LabelInterner;
  /** Series already in the head, by the bytes of their labels. */
  readonly known: KnownSeries;
  /** Decoding buffers of the requests in flight, reused by the next ones. */
  readonly scratch: DecodeScratchPool;
  /** Where requests that lost data are logged, at most once per interval. */
  readonly rejectionLog?: RateLimitedLog;
  /** The thread bodies are snappy-decoded on; without one, on the event loop. */
  readonly snappy?: SnappyWorker;
}

/** Writes a line at most once per interval; lines in between are counted and the count told with the next one. */
export class RateLimitedLog {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  log(line: string): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const note = this.suppressed > 0 ? ` (${this.suppressed} more such requests since the last message)` : "";
    this.last = t;
    this.suppressed = 0;
    this.write(line + note);
  }
}

export interface RemoteWriteContextOptions {
  /** Exemplars kept (default 100,000). */
  readonly maxExemplars?: number;
  readonly exemplars?: ExemplarStore;
  readonly metadata?: MetadataStore;
  readonly registry?: Registry;
  /** Default 64 MiB. */
  readonly maxDecodedBytes?: number;
  /** Distinct label strings, and label pairs, interned before the table is cleared (default 1,000,000 each). */
  readonly maxInternedStrings?: number;
  /** Series remembered by their label bytes before the table is cleared (default 1,000,000). */
  readonly maxKnownSeries?: number;
  readonly known?: KnownSeries;
  /** Logs requests whose samples were rejected (the first series and reason of each kind), rate-limited. */
  readonly log?: (line: string) => void;
  /** At most one rejection line per this many ms (default 10 s). */
  readonly logIntervalMs?: number;
  /** The clock of the rate limit (tests replace it). */
  readonly now?: () => number;
  /** Decode bodies' snappy on this thread (its owner closes it); default: on the event loop. */
  readonly snappy?: SnappyWorker;
}

export function createRemoteWriteContext(opts: RemoteWriteContextOptions = {}): RemoteWriteContext {
  const strings = new StringInterner(opts.maxInternedStrings);
  return {
    exemplars: opts.exemplars ?? new ExemplarStore(opts.maxExemplars),
    metadata: opts.metadata ?? new MetadataStore(),
    metrics: opts.registry ? createRemoteWriteMetrics(opts.registry) : undefined,
    maxDecodedBytes: opts.maxDecodedBytes ?? 64 * 1024 * 1024,
    strings,
    pairs: new LabelInterner(strings, opts.maxInternedStrings),
    known: opts.known ?? new KnownSeries({ maxEntries: opts.maxKnownSeries }),
    scratch: new DecodeScratchPool(),
    rejectionLog: opts.log && new RateLimitedLog(opts.log, opts.logIntervalMs ?? 10_000, opts.now),
    snappy: opts.snappy,
  };
}

function header(headers: RequestHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const h = headers as Readonly<Record<string, HeaderValue>>;
  let v = h[name];
  if (v === undefined) {
    for (const k of Object.keys(h)) if (k.toLowerCase() === name) v = h[k];
  }
  return Array.isArray(v) ? v.join(", ") : (v as string | undefined);
}

/** The remote_write protocol a request's Content-Type names. */
export type RemoteWriteProtocol = "1.0" | "2.0";

export const WRITE_V1_PROTO = "prometheus.WriteRequest";
export const WRITE_V2_PROTO = "io.prometheus.write.v2.Request";

/**
 * Checks Content-Encoding and picks the protocol from Content-Type. Prometheus reads a body as
 * snappy-compressed remote_write 1.0 whatever Content-Type says, so another media type (or none) is
 * read as 1.0; `application/x-protobuf;proto=io.prometheus.write.v2.Request` is 2.0; a protobuf
 * message of any other name, or an encoding other than snappy, is 415.
 */
function negotiate(headers: RequestHeaders): RemoteWriteResponse | RemoteWriteProtocol {
  const encoding = header(headers, "content-encoding");
  if (encoding !== undefined && encoding.trim() !== "" && encoding.trim().toLowerCase() !== "snappy") {
    return { status: 415, message: `unsupported Content-Encoding ${JSON.stringify(encoding)}: remote_write requires snappy` };
  }
  const type = header(headers, "content-type");
  if (type === undefined) return "1.0";
  const [media, ...params] = type.split(";").map((s) => s.trim());
  if (media.toLowerCase() !== "application/x-protobuf") return "1.0";
  for (const p of params) {
    const [k, v] = p.split("=").map((s) => s.trim());
    if (k.toLowerCase() !== "proto") continue;
    if (v === WRITE_V2_PROTO) return "2.0";
    if (v !== WRITE_V1_PROTO) {
      return { status: 415, message: `unsupported protobuf message ${JSON.stringify(v)}: accepted are ${WRITE_V1_PROTO} (remote_write 1.0) and ${WRITE_V2_PROTO} (2.0)` };
    }
  }
  return "1.0";
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function finish(ctx: RemoteWriteContext, res: RemoteWriteResponse): RemoteWriteResponse {
  ctx.metrics?.requests.labels(String(res.status)).inc();
  return res;
}

/**
 * Handles one remote_write request body, 1.0 or 2.0 by its Content-Type. 204 on success; 400 for
 * what the sender must not retry (bad snappy or protobuf, rejected samples or histograms — accepted
 * ones stay stored, as in remote_write 2.0's partial-write rule); 415 for another protocol; 500 when
 * the append itself failed (WAL error), which the sender retries. 2.0 answers carry the written
 * counts in X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written.
 */
export async function handleRemoteWrite(
  head: RemoteWriteAppender,
  body: Uint8Array,
  headers: RequestHeaders,
  ctx: RemoteWriteContext = createRemoteWriteContext(),
  /** Set on every series (and its exemplars), replacing any value the sender gave: the writing tenant's label. */
  tenantLabel?: Label,
  /** Per-tenant ingestion limits: told the decoded request's sample count, a refusal stops it before anything is appended. */
  admit?: (samples: number) => Promise<RemoteWriteResponse | undefined>,
): Promise<RemoteWriteResponse> {
  const protocol = negotiate(headers);
  if (typeof protocol !== "string") return finish(ctx, protocol);
  const declared = snappyDeclaredLength(body);
  if (declared < 0) return finish(ctx, { status: 400, message: "snappy decode error: bad length header" });
  // One snappy tag of at most 3 bytes yields at most 64 bytes: reject impossible lengths before allocating.
  if (declared > body.length * 22 + 64) {
    return finish(ctx, { status: 400, message: `snappy decode error: declared length ${declared} is impossible for ${body.length} compressed bytes` });
  }
  if (declared > ctx.maxDecodedBytes) {
    return finish(ctx, { status: 400, message: `decompressed body of ${declared} bytes exceeds the limit of ${ctx.maxDecodedBytes}` });
  }
  const scratch = ctx.scratch.take();
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    scratch.batch.clear();
    ctx.scratch.giveBack(scratch);
  };
  try {
    return await decodeAndStore(head, body, protocol, ctx, scratch, release, tenantLabel, admit);
  } finally {
    release();
  }
}

/**
 * handleRemoteWrite after the header and size checks; the decoded request lives in `scratch` until
 * `release` gives it back to the pool (when the head has read it, or at the latest when this returns).
 */
async function decodeAndStore(
  head: RemoteWriteAppender,
  body: Uint8Array,
  protocol: RemoteWriteProtocol,
  ctx: RemoteWriteContext,
  scratch: DecodeScratch,
  release: () => void,
  tenantLabel: Label | undefined,
  admit: ((samples: number) => Promise<RemoteWriteResponse | undefined>) | undefined,
): Promise<RemoteWriteResponse> {
  let raw: Uint8Array;
  try {
    // Into the scratch's buffers, kept there (grown when too small) for the next request.
    raw = ctx.snappy !== undefined ? await ctx.snappy.decode(body, ctx.maxDecodedBytes, scratch) : snappyUncompressInto(body, ctx.maxDecodedBytes, scratch);
  } catch (err) {
    return finish(ctx, { status: 400, message: `snappy decode error: ${(err as Error).message}` });
  }
  let req: DecodedWriteRequest;
  try {
    req = protocol === "2.0" ? decodeWriteRequestV2(raw, scratch) : decodeWriteRequest(raw, scratch);
  } catch (err) {
    if (err instanceof ProtoDecodeError) return finish(ctx, { status: 400, message: `protobuf decode error: ${err.message}` });
    throw err;
  }
  const refused = await admit?.(req.sampleCount + req.histogramCount);
  if (refused !== undefined) return finish(ctx, refused);
  const stored = await storeRequest(head, req, ctx, scratch.batch, release, tenantLabel);
  if ("status" in stored) return finish(ctx, stored);
  const written =
    protocol === "2.0"
      ? {
          "X-Prometheus-Remote-Write-Samples-Written": String(stored.samples),
          "X-Prometheus-Remote-Write-Histograms-Written": String(stored.histograms),
          "X-Prometheus-Remote-Write-Exemplars-Written": String(stored.exemplars),
        }
      : undefined;
  const withHeaders = written !== undefined ? { headers: written } : {};
  if (stored.problems.length === 0) return finish(ctx, { status: 204, ...withHeaders });
  const message = stored.problems.join("; ");
  ctx.rejectionLog?.log(`remote_write: answered 400, data not stored: ${message}`);
  return finish(ctx, { status: 400, message, ...withHeaders });
}

/** What storing a request did: counts written and the problems to report (any: a 400). */
interface StoreOutcome {
  readonly samples: number;
  readonly histograms: number;
  readonly exemplars: number;
  readonly problems: readonly string[];
}

/**
 * Appends a decoded request (either protocol) to the head, keeps its exemplars and metadata. Once the
 * head has read the batch, the request's buffers are released while its append waits for the WAL
 * (unless its exemplars still need them): concurrent requests then decode into one set of buffers
 * instead of a set each.
 */
async function storeRequest(
  head: RemoteWriteAppender,
  req: DecodedWriteRequest,
  ctx: RemoteWriteContext,
  scratch: BatchScratch,
  release: () => void,
  tenantLabel: Label | undefined,
): Promise<StoreOutcome | RemoteWriteResponse> {
  const text = asBuffer(req.buf);
  const problems: string[] = [];
  const metrics = ctx.metrics;
  metrics?.samplesReceived.inc(req.sampleCount);
  metrics?.histogramsReceived.inc(req.histogramCount);

  scratch.begin(req.seriesCount);
  const { labelsOf, hashes, entrySeries, withExemplars, exact } = scratch;
  const exactness = { value: false };
  let entries = 0;
  let invalidSeries = 0;
  let invalidSamples = 0;
  let invalidHistograms = 0;
  let firstInvalid = "";
  for (let j = 0; j < req.exemplarCount; j++) withExemplars[req.exSeries[j]] = 1;
  const known = ctx.known;
  for (let i = 0; i < req.seriesCount; i++) {
    const from = req.sampleStart[i];
    const to = req.sampleStart[i + 1];
    const hFrom = req.histogramStart[i];
    const hTo = req.histogramStart[i + 1];
    if (to === from && hTo === hFrom && withExemplars[i] === 0) continue;
    const hash = (hashes[i] = known.hash(req, i));
    const series = known.find(req, i, hash, tenantLabel);
    let labels: Labels | string;
    if (series !== undefined) labels = series.labels;
    else {
      const sent = seriesLabels(req, i, text, ctx.strings, ctx.pairs, exactness);
      labels = tenantLabel === undefined || typeof sent === "string" ? sent : setLabel(sent, tenantLabel.name, tenantLabel.value);
      if (labels === sent && exactness.value) exact[i] = 1;
    }
    labelsOf[i] = labels;
    if (typeof labels === "string") {
      invalidSeries++;
      invalidSamples += to - from;
      invalidHistograms += hTo - hFrom;
      if (firstInvalid === "") firstInvalid = labels;
      continue;
    }
    if (to === from && hTo === hFrom) continue;
    entrySeries[entries++] = i;
    const histograms = hTo > hFrom ? { t: req.ht.slice(hFrom, hTo), h: req.hs.slice(hFrom, hTo), st: req.hst.slice(hFrom, hTo) } : undefined;
    scratch.add(labels, req.t, req.v, from, to - from, req.st, series, histograms);
  }
  if (invalidSeries > 0) {
    if (invalidSamples > 0) metrics?.dropped.labels("sample", "invalid_labels").inc(invalidSamples);
    if (invalidHistograms > 0) metrics?.dropped.labels("histogram", "invalid_labels").inc(invalidHistograms);
    const histograms = invalidHistograms > 0 ? `, ${invalidHistograms} histogram samples` : "";
    problems.push(`${invalidSeries} series with invalid labels (${invalidSamples} samples${histograms} dropped), first: ${firstInvalid}`);
  }

  const batch = scratch.seal();
  const handles = scratch.handles;
  const appended = batch.length > 0 ? head.appendBatch(batch, handles) : undefined;
  // Series whose WAL write then fails are dropped again; found by their bytes, the head refuses them.
  learnSeries(known, req, scratch, batch, handles, tenantLabel, head.numSeries?.() ?? 0);
  if (req.exemplarCount === 0) release();
  let result: AppendResult;
  try {
    result = appended !== undefined ? await appended : { accepted: 0, rejected: [] };
  } catch (err) {
    return { status: 500, message: `append failed, retry: ${(err as Error).message}` };
  }
  let samples = req.sampleCount - invalidSamples;
  let histograms = req.histogramCount - invalidHistograms;
  for (const r of result.rejected) {
    metrics?.dropped.labels(r.kind, r.reason).inc(r.count);
    if (r.kind === "histogram") histograms -= r.count;
    else samples -= r.count;
    const what = r.kind === "histogram" ? "histogram samples" : "samples";
    problems.push(`${r.count} ${what} rejected as ${r.reason}${r.firstError ? ` (first: ${r.firstError})` : ""}`);
  }
  const exemplars = storeExemplars(ctx, req, labelsOf, text);
  for (const m of req.metadata) ctx.metadata.add(m);
  metrics?.metadataReceived.inc(req.metadata.length);
  return { samples, histograms, exemplars, problems };
}

/**
 * Remembers the batch's series the head gave other than they were found as (new ones, or created
 * again), by their label bytes. A series whose label set is the very one decoded from its bytes,
 * those bytes exact, needs no comparing with them.
 */
function learnSeries(
  known: KnownSeries,
  req: DecodedWriteRequest,
  scratch: BatchScratch,
  batch: AppendBatch,
  handles: readonly (SeriesHandle | undefined)[],
  tenantLabel: Label | undefined,
  liveSeries: number,
): void {
  const { hashes, entrySeries, exact, labelsOf } = scratch;
  for (let k = 0; k < handles.length; k++) {
    const series = handles[k];
    if (series === undefined || series === batch[k]!.series) continue;
    const i = entrySeries[k];
    known.learn(req, i, hashes[i], series, tenantLabel, liveSeries, exact[i] === 1 && series.labels === labelsOf[i]);
  }
}

/** Exemplar problems are counted, not reported to the sender (as Prometheus does). Returns how many were stored. */
function storeExemplars(ctx: RemoteWriteContext, req: DecodedWriteRequest, labelsOf: readonly (Labels | string | undefined)[], text: Buffer): number {
  const metrics = ctx.metrics;
  let stored = 0;
  for (let j = 0; j < req.exemplarCount; j++) {
    const series = labelsOf[req.exSeries[j]];
    if (series === undefined || typeof series === "string") {
      metrics?.dropped.labels("exemplar", "invalid_labels").inc();
      continue;
    }
    const labels = exemplarLabels(req, j, text, ctx.strings);
    if (typeof labels === "string") {
      metrics?.dropped.labels("exemplar", "invalid_labels").inc();
      continue;
    }
    const added = ctx.exemplars.add(series, labels, req.exV[j], req.exT[j]);
    if (added === "added") {
      stored++;
      metrics?.exemplarsStored.inc();
    } else metrics?.dropped.labels("exemplar", added).inc();
  }
  return stored;
}
