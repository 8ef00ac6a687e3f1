// `orrery rule`: the ruler (Thanos Ruler): rule groups evaluated on their interval, queries sent to
// querier URLs (--query, tried in order), recording rules and ALERTS written into a head (served
// over the HTTP API and, with --grpc-address, the StoreAPI), alerts sent to Alertmanager.
// `orrery rule check FILE…`: validates rule files as `promtool check rules` does.
// The ruler's flags (RULER_FLAGS) are shared with `orrery start`, which runs a ruler when given --rule-file.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildApi } from "../api/index.js";
import { Engine } from "../engine/index.js";
import {
  AlertmanagerConfigError,
  alertmanagerSetsFromUrls,
  checkTlsFiles,
  Notifier,
  parseAlertingConfig,
  parseRuleFile,
  Ruler,
  httpQuerier,
  remoteWriteAppender,
  type AlertmanagerSetConfig,
  type AppendFunc,
  type RuleQuerier,
} from "../ruler/index.js";
import { grpcServerOptionsFromFlags, serveStoreApi, type Labels } from "../storeapi/index.js";
import type { Head } from "../stores/index.js";
import { commandConfig, durationFlag, FlagError, type FlagSpec, flagUsage, joinHostPort, logger, logLevelFlag, type Logger, type ParsedFlags, parseFlagsWith, shutdownSignal, splitHostPort } from "./flags.js";
import { EXTERNAL_LABEL_FLAG, externalLabelsFlag, grpcFlags, listenUrl, LOG_FLAG, openLoggedHead, openWebConfig, WEB_CONFIG_FLAGS, type WebConfigFlag, webConfigFlag } from "./roles.js";

/** Thanos Ruler's flags for rules and Alertmanager. */
export const RULER_FLAGS: readonly FlagSpec[] = [
  { name: "rule-file", default: "", repeatable: true, help: "Rule file (Prometheus format) or glob of rule files to evaluate." },
  { name: "eval-interval", default: "1m", help: "Evaluation interval of groups that set none." },
  { name: "alertmanagers.url", default: "", repeatable: true, help: "Alertmanager URL to send alerts to (every one of an HA cluster); user:password@ in the URL is basic auth, its path a path prefix." },
  { name: "alertmanagers.send-timeout", default: "10s", help: "Timeout of one send to an --alertmanagers.url." },
  { name: "alertmanagers.config-file", default: "", help: "Alertmanager configuration in Thanos's format (alertmanagers: static_configs, file_sd_configs, scheme, path_prefix, timeout, http_config with basic_auth, bearer token, tls_config); $(VAR) is replaced by the environment variable. Instead of --alertmanagers.url." },
  { name: "alertmanagers.config", default: "", help: "The content of --alertmanagers.config-file, given inline." },
  { name: "alert.label-drop", default: "", repeatable: true, help: "Label name dropped from alerts before sending (e.g. the replica label)." },
  { name: "alert.query-url", default: "", help: "The URL alerts link back to (generatorURL)." },
  { name: "resend-delay", default: "1m", help: "Minimum time before a firing alert is sent to Alertmanager again." },
  { name: "for-outage-tolerance", default: "1h", help: "How long the ruler may be down and still restore the `for` state of alerts." },
  { name: "for-grace-period", default: "10m", help: "Minimum `for` left after a restore, for alerts whose `for` is at least this long." },
  { name: "rules.dir", default: "", help: "Directory of the rule groups managed over the Cortex/Mimir ruler configuration API (one file per namespace); empty: that API is off." },
  { name: "rule-file.watch-interval", default: "5s", help: "How often rule files are checked for changes and reloaded (0s: only on SIGHUP or POST /-/reload)." },
];

export interface RulerConfig {
  files: string[];
  evalIntervalMs: number;
  /** The Alertmanager clusters, from --alertmanagers.url or the configuration file. */
  alertmanagers: AlertmanagerSetConfig[];
  labelDrop: string[];
  queryUrl: string;
  resendDelayMs: number;
  outageToleranceMs: number;
  forGracePeriodMs: number;
  watchIntervalMs: number;
  rulesDir: string;
}

export function rulerConfig(flags: ParsedFlags): RulerConfig {
  const { values, lists } = flags;
  const nonEmpty = (name: string): string[] => (lists[name] ?? []).filter((v) => v !== "");
  return {
    files: nonEmpty("rule-file"),
    evalIntervalMs: durationFlag(values, "eval-interval"),
    alertmanagers: alertmanagersFlags(flags),
    labelDrop: nonEmpty("alert.label-drop"),
    queryUrl: values["alert.query-url"]!,
    resendDelayMs: durationFlag(values, "resend-delay"),
    outageToleranceMs: durationFlag(values, "for-outage-tolerance"),
    forGracePeriodMs: durationFlag(values, "for-grace-period"),
    watchIntervalMs: durationFlag(values, "rule-file.watch-interval", true),
    rulesDir: values["rules.dir"]!,
  };
}

/** --alertmanagers.url (with --alertmanagers.send-timeout), or the configuration file or inline text; at most one of the three. */
function alertmanagersFlags(flags: ParsedFlags): AlertmanagerSetConfig[] {
  const urls = (flags.lists["alertmanagers.url"] ?? []).filter((v) => v !== "");
  const file = flags.values["alertmanagers.config-file"] ?? "";
  const inline = flags.values["alertmanagers.config"] ?? "";
  const given = [urls.length > 0 && "--alertmanagers.url", file !== "" && "--alertmanagers.config-file", inline !== "" && "--alertmanagers.config"].filter((g) => g !== false);
  if (given.length > 1) throw new FlagError(`${given.join(" and ")} are both given: give one`);
  try {
    if (urls.length > 0) return alertmanagerSetsFromUrls(urls, durationFlag(flags.values, "alertmanagers.send-timeout"));
    if (inline !== "") return checked(parseAlertingConfig(inline, "--alertmanagers.config", process.env), "--alertmanagers.config");
    if (file === "") return [];
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new FlagError(`invalid --alertmanagers.config-file=${file}: ${(err as Error).message}`);
    }
    return checked(parseAlertingConfig(text, file, process.env), file);
  } catch (err) {
    if (err instanceof AlertmanagerConfigError) throw new FlagError(err.message);
    throw err;
  }
}

/** The configuration, once its TLS files are known to be readable (a flag error, not a failure after the head opened). */
function checked(sets: AlertmanagerSetConfig[], source: string): AlertmanagerSetConfig[] {
  try {
    checkTlsFiles(sets);
  } catch (err) {
    if (err instanceof AlertmanagerConfigError) throw new FlagError(`${source}: ${err.message}`);
    throw err;
  }
  return sets;
}

export interface RulerDeps {
  querier: RuleQuerier;
  head: Head;
  externalLabels: Labels;
  registry: Registry;
  log: Logger;
  /** The URL alerts link back to when --alert.query-url is not given. */
  defaultQueryUrl: string;
  /** Where samples go instead of the head (stateless mode). */
  append?: AppendFunc;
}

/** A ruler writing into the head and notifying the configured Alertmanagers; not started. */
export function openRuler(cfg: RulerConfig, deps: RulerDeps): { ruler: Ruler; notifier: Notifier } {
  const notifier = new Notifier({ alertmanagers: cfg.alertmanagers, externalLabels: deps.externalLabels, labelDrop: cfg.labelDrop, registry: deps.registry, log: deps.log });
  const ruler = new Ruler({
    files: cfg.files,
    rulesDir: cfg.rulesDir,
    querier: deps.querier,
    append:
      deps.append ??
      (async (samples) => {
        const res = await deps.head.appendBatch(samples.map((s) => ({ labels: s.labels, t: [s.t], v: Float64Array.of(s.v) })));
        if (res.rejected.length > 0) throw new Error(`head rejected samples: ${res.rejected.map((r) => `${r.count} ${r.reason}${r.firstError ? ` (${r.firstError})` : ""}`).join(", ")}`);
      }),
    notify: (alerts) => notifier.send(alerts),
    externalLabels: deps.externalLabels,
    externalURL: cfg.queryUrl !== "" ? cfg.queryUrl : deps.defaultQueryUrl,
    defaultIntervalMs: cfg.evalIntervalMs,
    defaultQueryOffsetMs: 0,
    resendDelayMs: cfg.resendDelayMs,
    outageToleranceMs: cfg.outageToleranceMs,
    forGracePeriodMs: cfg.forGracePeriodMs,
    watchIntervalMs: cfg.watchIntervalMs,
    now: Date.now,
    registry: deps.registry,
    alertmanagers: () => notifier.endpoints(Date.now()),
    log: deps.log,
    onError: (group, rule, err) => deps.log.warn(`rule evaluation failed: group=${group} rule=${rule}: ${err.message}`),
  });
  return { ruler, notifier };
}

/** Reloads the ruler on every SIGHUP until the returned function is called. */
export function reloadOnSighup(ruler: Ruler, log: Logger): () => void {
  const on = (): void => {
    log.info("SIGHUP: reloading rule files");
    void ruler.reload();
  };
  process.on("SIGHUP", on);
  return () => process.off("SIGHUP", on);
}

const FLAGS: FlagSpec[] = [
  { name: "http-address", default: "127.0.0.1:10902", help: "Listen host:port for the HTTP API (rules, alerts, queries over the ruler's own head)." },
  { name: "data-dir", default: "./data-ruler", help: "Directory of the head's write-ahead log (recorded series, ALERTS_FOR_STATE)." },
  { name: "tsdb.retention", default: "2h", help: "How much data the head keeps in memory." },
  { name: "query", default: "", repeatable: true, help: "URL of a Prometheus-API querier (Thanos Query, orrery) rules are evaluated against; tried in order." },
  { name: "grpc-address", default: "", help: "Listen host:port for the gRPC StoreAPI serving the ruler's head; empty: off." },
  { name: "remote-write.url", default: "", help: "Stateless mode: remote_write recorded series and ALERTS to this URL (e.g. http://receive:19291/api/v1/receive) instead of the head." },
  ...RULER_FLAGS,
  EXTERNAL_LABEL_FLAG,
  ...WEB_CONFIG_FLAGS,
  LOG_FLAG,
];

interface RuleCommandConfig {
  host: string;
  port: number;
  dataDir: string;
  retentionMs: number;
  queryUrls: string[];
  grpcAddress: string;
  remoteWriteUrl: string;
  ruler: RulerConfig;
  externalLabels: Labels;
  web: WebConfigFlag | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
}

function ruleCommandConfig(parsed: ParsedFlags): RuleCommandConfig {
  const { values, lists } = parsed;
  const queryUrls = (lists["query"] ?? []).filter((v) => v !== "");
  if (queryUrls.length === 0) throw new FlagError("--query is required: the querier URL rules are evaluated against");
  for (const u of queryUrls) if (!/^https?:\/\/[^/]+/.test(u)) throw new FlagError(`invalid --query=${u}: want http://host:port`);
  const remoteWrite = values["remote-write.url"]!;
  if (remoteWrite !== "" && !/^https?:\/\/[^/]+/.test(remoteWrite)) throw new FlagError(`invalid --remote-write.url=${remoteWrite}: want http://host:port/path`);
  const ruler = rulerConfig(parsed);
  if (ruler.files.length === 0 && ruler.rulesDir === "") throw new FlagError("--rule-file or --rules.dir is required");
  return {
    ...splitHostPort(values["http-address"]!, "http-address"),
    dataDir: values["data-dir"]!,
    web: webConfigFlag(values),
    retentionMs: durationFlag(values, "tsdb.retention"),
    queryUrls,
    grpcAddress: values["grpc-address"]!,
    remoteWriteUrl: values["remote-write.url"]!,
    ruler,
    externalLabels: externalLabelsFlag(lists["label"] ?? []),
    logLevel: logLevelFlag(values),
  };
}

function usage(): string {
  return flagUsage(
    "usage: orrery rule [flags]\n       orrery rule check FILE…",
    "Runs the ruler: rule groups evaluated against --query URLs, recorded series and ALERTS written into its head,\nalerts sent to --alertmanagers.url. `rule check` validates rule files as `promtool check rules` does.",
    FLAGS,
  );
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "check") return check(argv.slice(1));
  const parsed = commandConfig("rule", argv, (a) => parseFlagsWith(FLAGS, a), ruleCommandConfig, usage);
  if (typeof parsed === "number") return parsed;
  const cfg = parsed.config;
  const log = logger(cfg.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const web = openWebConfig(cfg.web, registry, log);
  const head = await openLoggedHead(cfg.dataDir, { registry, windowMs: cfg.retentionMs, externalLabels: cfg.externalLabels }, log);
  const url = listenUrl(web, cfg.host, cfg.port);
  const append = cfg.remoteWriteUrl === "" ? undefined : remoteWriteAppender(cfg.remoteWriteUrl);
  const { ruler, notifier } = openRuler(cfg.ruler, { querier: httpQuerier(cfg.queryUrls), head, externalLabels: cfg.externalLabels, registry, log, defaultQueryUrl: url, append });
  const app = buildApi({ engine: new Engine({ registry }), store: head, registry, flags: parsed.flags.values, rules: ruler, web });
  const grpc = cfg.grpcAddress === "" ? undefined : await serveStoreApi(head, grpcFlags(() => grpcServerOptionsFromFlags(parsed.flags.values)));
  await app.listen({ host: cfg.host, port: cfg.port });
  const errors = await ruler.start();
  if (errors.length > 0) {
    for (const e of errors) log.error(e);
    await app.close();
    await grpc?.close();
    await head.close();
    return 1;
  }
  const stopSighup = reloadOnSighup(ruler, log);
  log.info(`ruler is listening on ${url} with ${ruler.ruleGroups().length} rule groups`);
  await shutdownSignal();
  stopSighup();
  await ruler.stop();
  await notifier.close();
  await app.close();
  web?.close();
  await grpc?.close();
  await head.close();
  return 0;
}

/** promtool's output: per file "Checking F", then SUCCESS with the rule count or FAILED with the errors; exit 1 on any failure. */
export async function check(files: readonly string[]): Promise<number> {
  if (files.length === 0 || files.includes("--help")) {
    console.log("usage: orrery rule check FILE…\n\nValidates Prometheus rule files as `promtool check rules` does.");
    return files.length === 0 ? 2 : 0;
  }
  let failed = false;
  for (const file of files) {
    console.log(`Checking ${file}`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      console.error(`  FAILED:\n${file}: ${(err as Error).message}\n`);
      failed = true;
      continue;
    }
    const { groups, errors } = parseRuleFile(text, file);
    if (errors.length > 0) {
      console.error(`  FAILED:\n${errors.join("\n")}\n`);
      failed = true;
      continue;
    }
    console.log(`  SUCCESS: ${groups.reduce((n, g) => n + g.rules.length, 0)} rules found\n`);
  }
  return failed ? 1 : 0;
}
