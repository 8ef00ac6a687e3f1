// The built-in self-scrape: a process's own /metrics text (Prometheus text
// format 0.0.4), parsed and appended to its head like any scraped target.
import type { Registry } from "prom-client";
import type { Label, Labels } from "../storeapi/index.js";

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
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      readComment(line, metadata);
      continue;
    }
    try {
      samples.push(readSampleLine(line));
    } catch (err) {
      throw new Error(`exposition line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return { samples, metadata };
}

function readComment(line: string, metadata: Map<string, ExpositionMetadata>): void {
  const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
  if (m === null) return;
  const entry = metadata.get(m[2]) ?? { type: "unknown", help: "" };
  if (m[1] === "TYPE") entry.type = (m[3] ?? "untyped").trim();
  else entry.help = (m[3] ?? "").replace(/\\(\\|n)/g, (_s, c: string) => (c === "n" ? "\n" : "\\"));
  metadata.set(m[2], entry);
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function readSampleLine(line: string): { labels: Label[]; v: number; t?: number } {
  const nameMatch = NAME_RE.exec(line);
  if (nameMatch === null) throw new Error("expected a metric name");
  const labels: Label[] = [{ name: "__name__", value: nameMatch[0] }];
  let pos = nameMatch[0].length;
  if (line[pos] === "{") pos = readLabels(line, pos + 1, labels);
  const rest = line.slice(pos).trim().split(/\s+/);
  if (rest.length < 1 || rest[0] === "") throw new Error("expected a value");
  const v = parseValue(rest[0]);
  const t = rest.length > 1 ? Number(rest[1]) : undefined;
  if (t !== undefined && !Number.isInteger(t)) throw new Error(`bad timestamp ${JSON.stringify(rest[1])}`);
  labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels, v, t };
}

/** Reads `name="value",...}` from `pos`; returns the position after "}". */
function readLabels(line: string, pos: number, out: Label[]): number {
  for (;;) {
    while (line[pos] === " " || line[pos] === ",") pos++;
    if (line[pos] === "}") return pos + 1;
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
    if (m === null) throw new Error(`expected a label name at column ${pos + 1}`);
    pos += m[0].length;
    while (line[pos] === " ") pos++;
    if (line[pos] !== "=" || line[pos + 1] !== '"') throw new Error(`expected ="value" at column ${pos + 1}`);
    pos += 2;
    let value = "";
    for (;;) {
      const c = line[pos];
      if (c === undefined) throw new Error("unterminated label value");
      pos++;
      if (c === '"') break;
      if (c === "\\") {
        const e = line[pos++];
        value += e === "n" ? "\n" : e;
      } else value += c;
    }
    out.push({ name: m[0], value });
  }
}

/** A float as Go's ParseFloat reads it: NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(s: string): number {
  switch (s.toLowerCase()) {
    case "nan":
      return NaN;
    case "+inf":
    case "inf":
    case "+infinity":
    case "infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
  }
  const v = Number(s);
  if (Number.isNaN(v) || s === "") throw new Error(`bad value ${JSON.stringify(s)}`);
  return v;
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
    await this.opts.append(scraped);
    return scraped.length;
  }
}
