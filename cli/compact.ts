// `orrery compact`: Thanos Compactor's role over one bucket. Merges blocks (2h → 8h → 2d → 14d,
// overlapping ones vertically, HA replicas deduplicated with --deduplication.replica-label),
// downsamples (5m, 1h), applies retention per resolution and deletes marked blocks after
// --delete-delay. One pass, or with --wait one every --wait-interval; /metrics on --http-address.
import { mkdir } from "node:fs/promises";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildWriteApi } from "../api/index.js";
import { CompactionHaltError, Compactor, downsampleBlock, openBucket, type CompactorEvent, type ObjstoreConfig, type RetentionPolicy } from "../stores/index.js";
import {
  commandConfig,
  durationFlag,
  type FlagSpec,
  flagUsage,
  integerFlag,
  joinHostPort,
  logger,
  type Logger,
  type LogLevel,
  logLevelFlag,
  type ParsedFlags,
  parseFlagsWith,
  shutdownSignal,
  splitHostPort,
} from "./flags.js";
import { LOG_FLAG, OBJSTORE_FLAGS, objstoreConfigFlag } from "./roles.js";

const FLAGS: FlagSpec[] = [
  ...OBJSTORE_FLAGS,
  { name: "http-address", default: "127.0.0.1:10902", help: "Listen host:port for /metrics, /-/healthy and /-/ready." },
  { name: "data-dir", default: "./data", help: "Local working space: blocks are downloaded, merged and downsampled here." },
  { name: "wait", default: "false", boolean: true, help: "Keep running: a pass every --wait-interval (otherwise one pass, then exit)." },
  { name: "wait-interval", default: "5m", help: "Time between passes with --wait." },
  { name: "consistency-delay", default: "30m", help: "Blocks younger than this (by meta.json upload_time, else their ULID time) are left alone, except the compactor's own: their objects may not all be listed yet." },
  { name: "delete-delay", default: "48h", help: "How long a block marked for deletion (deletion-mark.json) stays before it is deleted; readers stop using it first." },
  { name: "retention.resolution-raw", default: "0d", help: "How long raw blocks are kept (0d: forever). Raw data no 5m block holds yet is kept while downsampling is on." },
  { name: "retention.resolution-5m", default: "0d", help: "How long 5m-resolution blocks are kept (0d: forever). 5m data no 1h block holds yet is kept while downsampling is on." },
  { name: "retention.resolution-1h", default: "0d", help: "How long 1h-resolution blocks are kept (0d: forever)." },
  { name: "deduplication.replica-label", default: "", repeatable: true, help: "External label telling HA replicas apart: their blocks are merged into one without it (offline deduplication)." },
  { name: "compact.concurrency", default: "1", help: "Groups (external labels and resolution) compacted at the same time." },
  { name: "downsampling.disable", default: "false", boolean: true, help: "Do not downsample (no 5m and 1h blocks); retention then deletes raw data as configured." },
  LOG_FLAG,
];

export function parseFlags(argv: readonly string[]): ParsedFlags {
  return parseFlagsWith(FLAGS, argv);
}

export function usage(): string {
  return flagUsage(
    "usage: orrery compact [flags]",
    "Runs the compactor (Thanos Compactor's role): merges, downsamples, applies retention to and deletes the blocks of an object-storage bucket.",
    FLAGS,
  );
}

export interface CompactConfig {
  objstore: ObjstoreConfig;
  httpHost: string;
  httpPort: number;
  dataDir: string;
  wait: boolean;
  waitIntervalMs: number;
  consistencyDelayMs: number;
  deleteDelayMs: number;
  retention: RetentionPolicy;
  replicaLabels: string[];
  concurrency: number;
  downsampling: boolean;
  logLevel: LogLevel;
}

/** The typed settings behind the flags; throws FlagError naming a bad one. */
export function compactConfig(parsed: ParsedFlags): CompactConfig {
  const values = parsed.values;
  const { host, port } = splitHostPort(values["http-address"]!, "http-address");
  return {
    objstore: objstoreConfigFlag(values, true)!,
    httpHost: host,
    httpPort: port,
    dataDir: values["data-dir"]!,
    wait: values.wait === "true",
    waitIntervalMs: durationFlag(values, "wait-interval"),
    consistencyDelayMs: durationFlag(values, "consistency-delay", true),
    deleteDelayMs: durationFlag(values, "delete-delay", true),
    retention: {
      raw: durationFlag(values, "retention.resolution-raw", true),
      fiveMinutes: durationFlag(values, "retention.resolution-5m", true),
      oneHour: durationFlag(values, "retention.resolution-1h", true),
    },
    replicaLabels: parsed.lists["deduplication.replica-label"]!.filter((l) => l !== ""),
    concurrency: integerFlag(values, "compact.concurrency", 1),
    downsampling: values["downsampling.disable"] !== "true",
    logLevel: logLevelFlag(values),
  };
}

/** A one-line summary of the pass so far, rewritten in place on a terminal. */
function progressLine(log: Logger): (e: CompactorEvent) => void {
  const counts = { compacted: 0, marked: 0, downsampled: 0, deleted: 0 };
  const tty = process.stderr.isTTY === true;
  return (e) => {
    if (e.kind === "uploaded") counts.compacted++;
    else if (e.kind === "marked") counts.marked++;
    else if (e.kind === "downsampled") counts.downsampled++;
    else if (e.kind === "deleted") counts.deleted++;
    if (e.kind === "compaction-start") log.debug(`compacting ${e.blocks.length} blocks of ${e.group}`);
    if (!tty) return;
    const what = e.kind === "compaction-start" ? `merging ${e.blocks.length} blocks` : e.kind;
    process.stderr.write(
      `\r\x1b[K[compact] ${counts.compacted} compacted · ${counts.downsampled} downsampled · ${counts.marked} marked · ${counts.deleted} deleted — ${what}`,
    );
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = commandConfig("compact", argv, parseFlags, compactConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  await mkdir(cfg.dataDir, { recursive: true });
  const downsampler = cfg.downsampling ? downsampleBlock : undefined;
  const bucket = await openBucket(cfg.objstore);
  let ready = false;
  const app = buildWriteApi({ registry, ready: () => ready });
  try {
    await app.listen({ host: cfg.httpHost, port: cfg.httpPort });
  } catch (err) {
    log.error(`cannot listen on ${joinHostPort(cfg.httpHost, cfg.httpPort)}: ${(err as Error).message}`);
    await bucket.close();
    return 1;
  }
  const onEvent = progressLine(log);
  const compactor = new Compactor({
    bucket,
    dataDir: cfg.dataDir,
    deleteDelayMs: cfg.deleteDelayMs,
    consistencyDelayMs: cfg.consistencyDelayMs,
    retention: cfg.retention,
    replicaLabels: cfg.replicaLabels,
    concurrency: cfg.concurrency,
    downsampler,
    registry,
    log,
    onEvent,
  });
  ready = true;
  log.info(`orrery compact: ${bucket.name}; /metrics on ${joinHostPort(cfg.httpHost, cfg.httpPort)}`);
  const stop = shutdownSignal();
  let code = 0;
  for (;;) {
    try {
      const r = await compactor.run();
      if (process.stderr.isTTY) process.stderr.write("\n");
      log.info(`pass done: ${r.compactions} compactions, ${r.downsamplings} downsamplings, ${r.marked} blocks marked for deletion, ${r.deleted} deleted, ${r.keptNotDownsampled} kept past retention (not downsampled yet)`);
      code = 0;
    } catch (err) {
      if (process.stderr.isTTY) process.stderr.write("\n");
      code = 1;
      if (err instanceof CompactionHaltError) {
        log.error(`compactor halted: ${err.message}`);
        if (cfg.wait) log.error("halted: no further passes until restart (metrics still served)");
      } else log.error(`pass failed${cfg.wait ? " (retried next interval)" : ""}: ${(err as Error).message}`);
    }
    if (!cfg.wait) break;
    if (compactor.isHalted) {
      await stop;
      break;
    }
    const signalled = await Promise.race([stop.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), cfg.waitIntervalMs).unref())]);
    if (signalled) break;
  }
  await app.close();
  await bucket.close();
  return code;
}
