// Test stores for the federation tests: scripted streams, failing, hanging and counting stores.
import { MemoryStore } from "../storeapi/index.js";
import type {
  Labels,
  LabelNamesRequest,
  LabelValuesRequest,
  Series,
  SeriesFrame,
  SeriesRequest,
  Store,
  StoreInfo,
  StringsResponse,
} from "../storeapi/index.js";
import type { StoreRef } from "./proxy.js";

export const WIDE_INFO: StoreInfo = {
  labelSets: [],
  minTime: Number.MIN_SAFE_INTEGER,
  maxTime: Number.MAX_SAFE_INTEGER,
  resolutions: [0],
  supportsAggregationPushdown: false,
};

/** A StoreRef for a MemoryStore, with its info taken now. */
export async function memoryRef(name: string, store: MemoryStore): Promise<StoreRef> {
  return { name, store, info: await store.info() };
}

/** Collects a series stream: all series and warnings. */
export async function drain(stream: AsyncIterable<SeriesFrame>): Promise<{ series: Series[]; warnings: string[] }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  for await (const f of stream) {
    series.push(...f.series);
    warnings.push(...f.warnings);
  }
  return { series, warnings };
}

/** A store whose series() yields the given frames, counting how many were requested. */
export class ScriptedStore implements Store {
  framesPulled = 0;
  sawAbort = false;
  constructor(
    private readonly frames: () => Iterable<readonly Series[]>,
    private readonly behaviour: { failWith?: string; hang?: boolean; labels?: string[] } = {},
  ) {}

  async info(): Promise<StoreInfo> {
    return WIDE_INFO;
  }

  async *series(_request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    signal?.addEventListener("abort", () => (this.sawAbort = true));
    if (this.behaviour.hang) await new Promise(() => undefined);
    for (const series of this.frames()) {
      this.framesPulled++;
      yield { series, warnings: [] };
    }
    if (this.behaviour.failWith !== undefined) throw new Error(this.behaviour.failWith);
  }

  async labelNames(_r: LabelNamesRequest): Promise<StringsResponse> {
    if (this.behaviour.hang) await new Promise(() => undefined);
    if (this.behaviour.failWith !== undefined) throw new Error(this.behaviour.failWith);
    return { values: this.behaviour.labels ?? [], warnings: [] };
  }

  async labelValues(_r: LabelValuesRequest): Promise<StringsResponse> {
    return this.labelNames(_r);
  }
}

export function ref(name: string, store: Store, labelSets: readonly Labels[] = []): StoreRef {
  return { name, store, info: { ...WIDE_INFO, labelSets } };
}
