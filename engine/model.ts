// The engine's data model: step vectors in typed arrays, operators over them, pooled buffers.
import type { Labels } from "../storeapi/index.js";
import type { FloatHistogram } from "./histogram/index.js";

/** One output series of an operator: its labels and whether `__name__` is to be dropped at the end. */
export interface SeriesMeta {
  readonly labels: Labels;
  /** Delayed name removal (Prometheus 3): the name stays for matching/grouping and goes at the end. */
  readonly dropName: boolean;
}

/**
 * The samples of one step: parallel columns of series ids and float values (first `n` entries),
 * plus a slot for histogram samples beside them (first `hn` of hIds/h). The histogram columns are
 * allocated on a vector's first histogram and stay with it in the pool, so float-only steps never
 * allocate for them. A series has at most one sample per step, float or histogram.
 */
export interface StepVector {
  t: number;
  ids: Uint32Array;
  v: Float64Array;
  n: number;
  /** Series ids of histogram samples; `hn` of them are valid. */
  hIds: Uint32Array | undefined;
  h: FloatHistogram[] | undefined;
  hn: number;
}

/** A step vector's points as --query.max-samples weighs them: a float is one, a histogram weighs by its size. */
export function stepVectorWeight(sv: StepVector): number {
  let n = sv.n;
  for (let k = 0; k < sv.hn; k++) n += sv.h![k]!.sampleWeight();
  return n;
}

/** Cells (series × steps) of one step-major slice (a window worker's result, a selector's reads): 512K cells are 4.5 MB. */
const SLICE_CELLS = 1 << 19;

/** The most steps a step-major slice of this many series holds: whole batches, at least one. */
export function sliceStepsMost(series: number, stepsBatch: number): number {
  return Math.max(stepsBatch, Math.floor(SLICE_CELLS / Math.max(1, series) / stepsBatch) * stepsBatch);
}

/** Appends a histogram sample to a step vector (its owner may keep or mutate `h` afterwards; it is not copied). */
export function pushHistogram(sv: StepVector, id: number, h: FloatHistogram): void {
  if (sv.hIds === undefined || sv.h === undefined) {
    sv.hIds = new Uint32Array(sv.ids.length);
    sv.h = [];
  }
  sv.hIds[sv.hn] = id;
  sv.h[sv.hn++] = h;
}

export interface Explain {
  name: string;
  children: Explain[];
  /** What the operator did, when the query was run to be analysed (`explain analyze`). */
  analysis?: OperatorAnalysis;
}

/** One operator's work in an analysed run; time includes its children's. */
export interface OperatorAnalysis {
  /** Output series. */
  series: number;
  /** Output samples (float and histogram) over all steps. */
  samples: number;
  /** Wall time inside series() and next(), ms. */
  timeMs: number;
}

/** Every operator: output series up front, then batches of step vectors until null. */
export interface Operator {
  readonly kind: "vector" | "scalar";
  /** True when series() never lists one label set twice (before the delayed `__name__` drop): a selector's series, aggregation groups. */
  readonly distinctLabels?: boolean;
  series(): Promise<readonly SeriesMeta[]>;
  /** Up to `stepsBatch` consecutive steps; null when done. Give the vectors back to the pool after use. */
  next(): Promise<StepVector[] | null>;
  explain(): Explain;
}

/** A reusable store of step vectors by capacity class (powers of two); one per query. */
export class VectorPool {
  private readonly free = new Map<number, StepVector[]>();

  get(t: number, capacity: number): StepVector {
    const cls = capacityClass(capacity);
    const list = this.free.get(cls);
    const sv = list?.pop();
    if (sv !== undefined) {
      sv.t = t;
      sv.n = 0;
      sv.hn = 0;
      return sv;
    }
    return { t, ids: new Uint32Array(cls), v: new Float64Array(cls), n: 0, hIds: undefined, h: undefined, hn: 0 };
  }

  put(sv: StepVector): void {
    const cls = sv.ids.length;
    // Histograms are objects: drop the references so a pooled vector does not keep them alive.
    if (sv.h !== undefined) sv.h.length = 0;
    let list = this.free.get(cls);
    if (list === undefined) this.free.set(cls, (list = []));
    if (list.length < 64) list.push(sv);
  }

  putAll(svs: readonly StepVector[]): void {
    for (const sv of svs) this.put(sv);
  }
}

function capacityClass(n: number): number {
  let c = 8;
  while (c < n) c *= 2;
  return c;
}

/** The steps an operator evaluates at: start, start+step, …, end (one step when start == end). */
export interface Timeline {
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly steps: number;
}

export function timeline(start: number, end: number, step: number): Timeline {
  const s = step > 0 ? step : 1;
  const steps = end < start ? 0 : Math.floor((end - start) / s) + 1;
  return { start, end, step: s, steps };
}

/**
 * Steps computed in full before any is emitted (operators whose output series are only known
 * after reading all input), replayed as pooled step-vector batches.
 */
export class MaterializedSteps {
  private readonly steps: { t: number; ids: number[]; vs: number[]; hs: readonly (FloatHistogram | undefined)[] | undefined }[] = [];
  private pos = 0;

  /** One step's samples; `hs[i]` set makes sample i that histogram instead of the float vs[i]. */
  push(t: number, ids: number[], vs: number[], hs?: readonly (FloatHistogram | undefined)[]): void {
    this.steps.push({ t, ids, vs, hs });
  }

  /** The next up to `batch` steps, or null when all were emitted. */
  next(pool: VectorPool, batch: number): StepVector[] | null {
    if (this.pos >= this.steps.length) return null;
    const out: StepVector[] = [];
    const last = Math.min(this.steps.length, this.pos + batch);
    for (; this.pos < last; this.pos++) {
      const s = this.steps[this.pos]!;
      const sv = pool.get(s.t, s.ids.length);
      let n = 0;
      for (let i = 0; i < s.ids.length; i++) {
        const h = s.hs?.[i];
        if (h !== undefined) {
          pushHistogram(sv, s.ids[i]!, h);
          continue;
        }
        sv.ids[n] = s.ids[i]!;
        sv.v[n++] = s.vs[i]!;
      }
      sv.n = n;
      out.push(sv);
    }
    return out;
  }
}
