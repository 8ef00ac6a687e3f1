// The built-in self-scrape: a process's own /metrics text (Prometheus text
// format 0.0.4), parsed and appended to its head like any scraped target.
import type { Registry } from "prom-client";
import { STALE_NAN, labelsKey, type Label, type Labels } from "../storeapi/index.js";
import { formatExpositionError, parseExpositionLine } from "../stores/index.js";

export interface ScrapedSample {
  /** Sorted by name, including __name__. */
  labels: Labels;
  t: number;
  v: number;
}

export interface ExpositionMetadata {
  type: string;
  help: string;
}

export interface Exposition {
  samples: { labels: Label[]; v: number; t?: number }[];
  /** By metric family name. */
  metadata: Map<string, ExpositionMetadata>;
}

/** Parses the Prometheus text format. Throws an Error naming the line on bad input. */
export function parseExposition(text: string): Exposition {
  const samples: Exposition["samples"] = [];
  const metadata = new Map<string, ExpositionMetadata>();
  const entry = (family: string): ExpositionMetadata => {
    let m = metadata.get(family);
    if (m === undefined) metadata.set(family, (m = { type: "unknown", help: "" }));
    return m;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = parseExpositionLine(lines[i]!, i + 1, "prometheus");
    switch (line.kind) {
      case "sample":
        samples.push({ labels: [...line.labels], v: line.value, t: line.timestamp });
        break;
      case "error":
        throw new Error(`exposition ${formatExpositionError(line)}`);
      case "type":
        entry(line.metric).type = line.text.trim() || "untyped";
        break;
      case "help":
        entry(line.metric).help = line.text.replace(/\\(\\|n)/g, (_s, c: string) => (c === "n" ? "\n" : "\\"));
        break;
    }
  }
  return { samples, metadata };
}

/** Adds target labels; a scraped label of the same name is kept as exported_<name>. */
export function withTargetLabels(labels: readonly Label[], target: readonly Label[]): Label[] {
  const out: Label[] = [];
  for (const l of labels) {
    const clash = target.some((t) => t.name === l.name);
    out.push(clash ? { name: "exported_" + l.name, value: l.value } : l);
  }
  out.push(...target);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface SelfScrapeOptions {
  registry: Registry;
  /** Where scraped samples go, e.g. the head's batch append. */
  append: (samples: ScrapedSample[]) => Promise<void> | void;
  intervalMs: number;
  job: string;
  instance: string;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Called with each metric family's TYPE and HELP, every scrape. */
  onMetadata?: (family: string, metadata: ExpositionMetadata) => void;
}

/** Scrapes the registry on an interval, as Prometheus scrapes a target. */
export class SelfScraper {
  private readonly opts: SelfScrapeOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Metadata from the last scrape, by metric family name. */
  metadata = new Map<string, ExpositionMetadata>();
  /** The series of the last scrape, by labelsKey: those missing from the next one go stale. */
  private lastSeries = new Map<string, Labels>();

  constructor(opts: SelfScrapeOptions) {
    this.opts = opts;
  }

  /** Scrapes now, then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      if (this.running !== undefined) return; // a slow scrape is not stacked
      this.running = this.scrapeOnce()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
    tick();
  }

  /** Stops the schedule and waits for a scrape in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One scrape: the registry's samples plus up, scrape_duration_seconds, scrape_samples_scraped. Returns samples appended. */
  async scrapeOnce(): Promise<number> {
    const now = this.opts.now ?? Date.now;
    const t = now();
    const started = performance.now();
    const target: Label[] = [
      { name: "instance", value: this.opts.instance },
      { name: "job", value: this.opts.job },
    ];
    let scraped: ScrapedSample[] = [];
    let up = 1;
    try {
      const exposition = parseExposition(await this.opts.registry.metrics());
      this.metadata = exposition.metadata;
      const onMetadata = this.opts.onMetadata;
      if (onMetadata !== undefined) for (const [family, m] of exposition.metadata) onMetadata(family, m);
      scraped = exposition.samples.map((s) => ({ labels: withTargetLabels(s.labels, target), t: s.t ?? t, v: s.v }));
    } catch (err) {
      up = 0;
      this.opts.onError?.(err);
    }
    const report = (name: string, v: number): ScrapedSample => ({ labels: withTargetLabels([{ name: "__name__", value: name }], target), t, v });
    scraped.push(
      report("up", up),
      report("scrape_duration_seconds", (performance.now() - started) / 1000),
      report("scrape_samples_scraped", scraped.length),
    );
    scraped.push(...this.staleMarkers(scraped, t));
    await this.opts.append(scraped);
    return scraped.length;
  }

  /** As Prometheus: a series of the last scrape that this one lacks (all of them when it failed) gets a stale marker. */
  private staleMarkers(scraped: readonly ScrapedSample[], t: number): ScrapedSample[] {
    const current = new Map<string, Labels>();
    for (const s of scraped) current.set(labelsKey(s.labels), s.labels);
    const stale: ScrapedSample[] = [];
    for (const [key, labels] of this.lastSeries) if (!current.has(key)) stale.push({ labels, t, v: STALE_NAN });
    this.lastSeries = current;
    return stale;
  }
}
