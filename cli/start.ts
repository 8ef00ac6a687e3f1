// `orrery start`: the all-in-one process. A head store with its WAL, the
// engine, the HTTP API, and a self-scrape so there is data to query at once.
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildApi, SelfScraper } from "../api/index.js";
import { Engine } from "../engine/index.js";
import { createRemoteWriteContext, handleRemoteWrite, METRIC_TYPES, type MetricType, openHead, type RemoteWriteContext } from "../stores/index.js";
import type { ExemplarQuerier, MetadataQuerier } from "../api/index.js";
import {
  durationFlag,
  FlagError,
  type FlagSpec,
  flagUsage,
  integerFlag,
  joinHostPort,
  logger,
  logLevelFlag,
  type ParsedFlags,
  parseFlagsWith,
  shutdownSignal,
  splitHostPort,
} from "./flags.js";

export { FlagError, splitHostPort } from "./flags.js";

const FLAGS: FlagSpec[] = [
  { name: "web.listen-address", default: "127.0.0.1:9090", help: "Address to listen on for the HTTP API, Grafana and remote_write." },
  { name: "storage.tsdb.path", default: "./data", help: "Directory of the head store's write-ahead log." },
  { name: "storage.tsdb.retention.time", default: "2h", help: "How much data the head keeps in memory behind its newest sample." },
  { name: "query.lookback-delta", default: "5m", help: "How far back an instant selector looks for a sample." },
  { name: "query.timeout", default: "2m", help: "Maximum time a query may take before it is aborted." },
  { name: "query.max-samples", default: "50000000", help: "Maximum samples a single query may hold in memory at once." },
  { name: "query.max-concurrency", default: "20", help: "Maximum queries evaluated at the same time." },
  {
    name: "query.max-queue-length",
    default: "0",
    help: "Queries that may wait for a free slot before new ones are refused with 503 (0: 10 × max-concurrency).",
  },
  { name: "self-scrape.enabled", default: "true", boolean: true, help: "Scrape orrery's own /metrics into the head (--no-self-scrape turns it off)." },
  { name: "self-scrape.interval", default: "15s", help: "Interval of the self-scrape." },
  { name: "log.level", default: "info", help: "Only log messages at or above this level: debug, info, warn, error." },
];

const ALIASES: Record<string, string> = { "no-self-scrape": "self-scrape.enabled=false" };

/** Parses `orrery start`'s flags. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv, ALIASES);
}

export function usage(): string {
  return flagUsage("usage: orrery start [flags]", "Runs the all-in-one server: head store (WAL on disk), PromQL engine, Prometheus HTTP API.", FLAGS, [
    "  --no-self-scrape                         Same as --self-scrape.enabled=false.",
  ]);
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export interface StartConfig {
  host: string;
  port: number;
  dataDir: string;
  retentionMs: number;
  lookbackDeltaMs: number;
  queryTimeoutMs: number;
  maxSamples: number;
  maxConcurrency: number;
  maxQueueLength: number;
  selfScrape: boolean;
  selfScrapeIntervalMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
}

export function startConfig(values: Record<string, string>): StartConfig {
  const { host, port } = splitHostPort(values["web.listen-address"]!);
  return {
    host,
    port,
    dataDir: values["storage.tsdb.path"]!,
    retentionMs: durationFlag(values, "storage.tsdb.retention.time"),
    lookbackDeltaMs: durationFlag(values, "query.lookback-delta"),
    queryTimeoutMs: durationFlag(values, "query.timeout"),
    maxSamples: integerFlag(values, "query.max-samples", 1),
    maxConcurrency: integerFlag(values, "query.max-concurrency", 1),
    maxQueueLength: integerFlag(values, "query.max-queue-length", 0),
    selfScrape: values["self-scrape.enabled"] === "true",
    selfScrapeIntervalMs: durationFlag(values, "self-scrape.interval"),
    logLevel: logLevelFlag(values),
  };
}

export async function run(argv: string[]): Promise<number> {
  let cfg: StartConfig;
  let flagValues: Record<string, string>;
  try {
    const parsed = parseFlags(argv);
    if (parsed.help) {
      console.log(usage());
      return 0;
    }
    flagValues = parsed.values;
    cfg = startConfig(flagValues);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`orrery start: ${err.message}\n\n${usage()}`);
    return 2;
  }
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  log.info(`opening head store in ${cfg.dataDir}`);
  const opened = await openHead(cfg.dataDir, { registry, windowMs: cfg.retentionMs });
  const head = opened.head;
  head.start();
  if (opened.replay !== undefined) log.info(`replayed the WAL: ${describeReplay(opened.replay)}, ${opened.replaySkipped} samples skipped`);
  const received = createRemoteWriteContext({ registry });
  const engine = new Engine({ lookbackDeltaMs: cfg.lookbackDeltaMs, maxSamples: cfg.maxSamples, timeoutMs: cfg.queryTimeoutMs, registry });
  let scraper: SelfScraper | undefined;
  const app = buildApi({
    engine,
    store: head,
    registry,
    flags: flagValues,
    queryTimeoutMs: cfg.queryTimeoutMs,
    maxSamples: cfg.maxSamples,
    lookbackDeltaMs: cfg.lookbackDeltaMs,
    maxConcurrency: cfg.maxConcurrency,
    maxQueuedQueries: cfg.maxQueueLength > 0 ? cfg.maxQueueLength : undefined,
    remoteWrite: (body, headers) => handleRemoteWrite(head, body, headers, received),
    exemplars: exemplarQuerier(received),
    metadata: metadataQuerier(received),
    storageRetention: flagValues["storage.tsdb.retention.time"],
    headChunkCount: () => head.numChunks(),
    logger: cfg.logLevel === "debug" ? { level: "debug" } : false,
  });

  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.host, cfg.port)}: ${(err as Error).message}`);
    await head.close();
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : cfg.port;
  const listen = joinHostPort(cfg.host, port);
  const url = `http://${joinHostPort(cfg.host === "0.0.0.0" ? "127.0.0.1" : cfg.host, port)}`;

  if (cfg.selfScrape) {
    scraper = new SelfScraper({
      registry,
      intervalMs: cfg.selfScrapeIntervalMs,
      job: "orrery",
      instance: listen,
      append: async (samples) => {
        await head.appendBatch(samples.map((s) => ({ labels: s.labels, t: [s.t], v: [s.v] })));
      },
      onError: (err) => log.warn(`self-scrape failed: ${(err as Error).message}`),
      onMetadata: (family, m) => received.metadata.add({ metricFamilyName: family, type: metricType(m.type), help: m.help, unit: "" }),
    });
    scraper.start();
  }

  log.info(`orrery is listening on ${url}`);
  log.info(`query it: curl '${url}/api/v1/query?query=up'`);
  log.info(`Grafana: add a data source of type Prometheus with URL ${url}`);
  log.info(`Prometheus: remote_write to ${url}/api/v1/write`);

  await shutdownSignal();
  log.info("shutting down: stopping the API and flushing the WAL");
  await scraper?.stop();
  await app.close();
  await head.close();
  log.info("bye");
  return 0;
}

function describeReplay(replay: object): string {
  return Object.entries(replay)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k}=${v as number}`)
    .join(" ");
}

function exemplarQuerier(received: RemoteWriteContext): ExemplarQuerier {
  return {
    select: (start, end, sets) =>
      received.exemplars.select(sets, start, end).map((s) => ({
        seriesLabels: s.seriesLabels,
        exemplars: s.exemplars.map((e) => ({ labels: e.labels, value: e.value, t: e.timestamp })),
      })),
  };
}

function metadataQuerier(received: RemoteWriteContext): MetadataQuerier {
  return { get: (metric) => received.metadata.get(metric) };
}

function metricType(type: string): MetricType {
  return (METRIC_TYPES as readonly string[]).includes(type) ? (type as MetricType) : "unknown";
}
