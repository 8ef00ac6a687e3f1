// histogram_count/sum/avg/stddev/stdvar: each histogram sample mapped to a float; float samples
// have no such property and are dropped (as in Prometheus).
import { histogramAvg, histogramCount, histogramStdDev, histogramStdVar, histogramSum, type FloatHistogram } from "../histogram/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

const STATS: Record<string, (h: FloatHistogram) => number> = {
  histogram_count: histogramCount,
  histogram_sum: histogramSum,
  histogram_avg: histogramAvg,
  histogram_stddev: histogramStdDev,
  histogram_stdvar: histogramStdVar,
};

export function isHistogramStat(name: string): boolean {
  return STATS[name] !== undefined;
}

export class HistogramStatOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private readonly stat: (h: FloatHistogram) => number;

  constructor(
    private readonly input: Operator,
    private readonly name: string,
  ) {
    this.stat = STATS[name]!;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    this.meta ??= (await this.input.series()).map((m) => ({ labels: m.labels, dropName: true }));
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    const batch = await this.input.next();
    if (batch === null) return null;
    for (const sv of batch) {
      // The float columns are free (floats are dropped): the histograms' values go there in place.
      for (let k = 0; k < sv.hn; k++) {
        sv.ids[k] = sv.hIds![k]!;
        sv.v[k] = this.stat(sv.h![k]!);
      }
      sv.n = sv.hn;
      sv.hn = 0;
      if (sv.h !== undefined) sv.h.length = 0;
    }
    return batch;
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}
