// Stand-ins for tests: an engine whose answers a test scripts, and a store
// over a fixed list of label sets (labels only, no chunks).
import { Registry } from "prom-client";
import { Engine, type Query, type QueryEngine, type QueryOptions, type QueryResult, type Value } from "../engine/index.js";
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
