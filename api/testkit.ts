// Stand-ins for tests: an engine whose answers a test scripts, and a store
// over a fixed list of label sets (labels only, no chunks).
import { Registry } from "prom-client";
import assert from "node:assert/strict";
import { Engine, FloatHistogram, type MatrixSeries, type Query, type QueryEngine, type QueryOptions, type QueryResult, type Value } from "../engine/index.js";
import { histogramJson, labelsJson } from "./encode.js";
import { formatSampleTime, formatSampleValue } from "./format.js";
import { createRemoteWriteContext, handleRemoteWrite, openHead } from "../stores/index.js";
import { buildApi } from "./server.js";
import type {
  LabelNamesRequest,
  Labels,
  LabelValuesRequest,
  Matcher,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../storeapi/index.js";

export interface FakeCall {
  kind: "instant" | "range";
  query: string;
  start: number;
  end: number;
  step: number;
  opts: QueryOptions | undefined;
}

/** What a scripted answer may do: return a result, throw at creation (`prepare`) or at exec. */
export type FakeAnswer = (call: FakeCall) => {
  prepare?: () => void;
  exec: (signal: AbortSignal) => Promise<QueryResult>;
};

export function result(value: Value, extra: Partial<QueryResult> = {}): QueryResult {
  return { value, warnings: [], infos: [], stats: { totalSamples: 0, peakSamples: 0, evalTimeMs: 0 }, ...extra };
}

export class FakeEngine implements QueryEngine {
  calls: FakeCall[] = [];
  canceled = 0;
  answer: FakeAnswer;

  constructor(answer: FakeAnswer) {
    this.answer = answer;
  }

  instantQuery(_store: Store, query: string, timeMs: number, opts?: QueryOptions): Query {
    return this.make({ kind: "instant", query, start: timeMs, end: timeMs, step: 0, opts });
  }

  rangeQuery(_store: Store, query: string, startMs: number, endMs: number, stepMs: number, opts?: QueryOptions): Query {
    return this.make({ kind: "range", query, start: startMs, end: endMs, step: stepMs, opts });
  }

  private make(call: FakeCall): Query {
    this.calls.push(call);
    const a = this.answer(call);
    a.prepare?.();
    const controller = new AbortController();
    return {
      query: call.query,
      exec: () => a.exec(controller.signal),
      cancel: () => {
        this.canceled++;
        controller.abort();
      },
    };
  }
}

/** A fixed answer for every query. */
export const always = (r: QueryResult): FakeAnswer => () => ({ exec: async () => r });

/** Never finishes until canceled. */
export const hang: FakeAnswer = () => ({
  exec: (signal) =>
    new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("canceled")), { once: true })),
});

function matches(labels: Labels, m: Matcher): boolean {
  const v = labels.find((l) => l.name === m.name)?.value ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return new RegExp("^(?:" + m.value + ")$").test(v);
    case "!~":
      return !new RegExp("^(?:" + m.value + ")$").test(v);
  }
}

export class LabelsStore implements Store {
  readonly sets: Labels[];
  requests: SeriesRequest[] = [];
  warnings: string[] = [];

  constructor(sets: Labels[]) {
    this.sets = sets;
  }

  async info(): Promise<StoreInfo> {
    return { labelSets: [], minTime: 1000, maxTime: 2000, resolutions: [0], supportsAggregationPushdown: false };
  }

  private select(matchers: readonly Matcher[]): Labels[] {
    return this.sets.filter((ls) => matchers.every((m) => matches(ls, m)));
  }

  async *series(request: SeriesRequest): AsyncIterable<SeriesFrame> {
    this.requests.push(request);
    let found = this.select(request.matchers);
    if (request.limit) found = found.slice(0, request.limit);
    yield { series: found.map((labels) => ({ labels, chunks: [] })), warnings: this.warnings };
  }

  async labelNames(request: LabelNamesRequest): Promise<StringsResponse> {
    const names = new Set<string>();
    for (const ls of this.select(request.matchers)) for (const l of ls) names.add(l.name);
    return { values: [...names].sort(), warnings: this.warnings };
  }

  async labelValues(request: LabelValuesRequest): Promise<StringsResponse> {
    const values = new Set<string>();
    for (const ls of this.select(request.matchers)) {
      const v = ls.find((l) => l.name === request.label)?.value;
      if (v !== undefined) values.add(v);
    }
    return { values: [...values].sort(), warnings: this.warnings };
  }
}

/** Builds a sorted label set from an object. */
export function labels(obj: Record<string, string>): Labels {
  return Object.entries(obj)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A real orrery on 127.0.0.1: a head with its WAL in `dir`, the engine and the API with remote_write. */
export async function startOrreryApi(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const registry = new Registry();
  const { head } = await openHead(dir, { registry });
  const received = createRemoteWriteContext({ registry });
  const app = buildApi({ engine: new Engine({}), store: head, registry, remoteWrite: (body, headers) => handleRemoteWrite(head, body, headers, received) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  return {
    url,
    close: async () => {
      await app.close();
      await head.close();
    },
  };
}

/** The matrix body written point by point from the formatting functions (the encoder before it wrote bytes); `annotations` is the text after "data". */
export function referenceMatrix(series: MatrixSeries[], annotations = ""): string {
  const out = series.map((s) => {
    let text = '{"metric":' + labelsJson(s.labels);
    if (s.t.length > 0) text += ',"values":[' + Array.from(s.t, (t, j) => "[" + formatSampleTime(t) + ',"' + formatSampleValue(s.v[j]!) + '"]').join(",") + "]";
    if (s.histograms !== undefined && s.histograms.t.length > 0) {
      text += ',"histograms":[' + s.histograms.t.map((t, j) => "[" + formatSampleTime(t) + "," + histogramJson(s.histograms!.h[j]!) + "]").join(",") + "]";
    }
    return text + "}";
  });
  return '{"status":"success","data":{"resultType":"matrix","result":[' + out.join(",") + ']}' + annotations + "}";
}

/** A random matrix on a step grid: gaps, off-grid points, NaN (and the stale NaN), ±Inf, -0, huge and tiny values, integers, short decimals, histograms, non-ASCII labels. */
export function randomMatrix(seed: number, seriesCount: number, steps: number, histogram: () => FloatHistogram = () => new FloatHistogram()): MatrixSeries[] {
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const stale = new Float64Array(new Uint32Array([2, 0x7ff00000]).buffer)[0]!;
  const specials = [NaN, stale, Infinity, -Infinity, -0, 0, 1e-300, -5e-324, 1.7e308, 1e21, 1e-7, 2 ** 49, 2 ** 53 + 2];
  const value = (): number => {
    const r = rand();
    if (r < 0.1) return specials[Math.floor(rand() * specials.length)]!;
    if (r < 0.4) return Math.floor((rand() - 0.3) * 1e10);
    if (r < 0.6) return Math.floor(rand() * 1e6) / 10 ** Math.floor(rand() * 8);
    return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
  };
  const start = 1764600000000 + Math.floor(rand() * 1000);
  const step = [1, 15000, 30000, 1500][Math.floor(rand() * 4)]!;
  return Array.from({ length: seriesCount }, (_, i) => {
    const t: number[] = [];
    for (let j = 0; j < steps; j++) if (rand() > 0.2) t.push(start + j * step + (rand() < 0.05 ? Math.floor(rand() * step) : 0));
    const sorted = Float64Array.from(new Set(t)).sort();
    const s: MatrixSeries = { labels: [{ name: "__name__", value: "m" }, { name: "i", value: i % 3 === 0 ? `ü"${i}\u2028` : String(i) }], t: sorted, v: Float64Array.from(sorted, value) };
    if (i % 5 === 4) s.histograms = { t: [start + 1, start + 2], h: [histogram(), new FloatHistogram()] };
    return s;
  });
}

/** Equal texts; on a difference, the text around its first byte rather than megabytes. */
export function sameText(got: string, want: string, what: string): void {
  if (got === want) return;
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  assert.fail(`${what}: differs at ${i}: got …${got.slice(i - 60, i + 60)}… want …${want.slice(i - 60, i + 60)}…`);
}
