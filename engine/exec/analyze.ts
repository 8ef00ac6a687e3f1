// Telemetry for `explain analyze`, wrapped around an operator from outside so operators
// themselves never count: output series, output samples and wall time (children included).
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

export class AnalyzedOperator implements Operator {
  readonly kind: "vector" | "scalar";
  private seriesCount = 0;
  private samples = 0;
  private timeMs = 0;

  constructor(private readonly inner: Operator) {
    this.kind = inner.kind;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    const began = performance.now();
    const out = await this.inner.series();
    this.timeMs += performance.now() - began;
    this.seriesCount = out.length;
    return out;
  }

  async next(): Promise<StepVector[] | null> {
    const began = performance.now();
    const batch = await this.inner.next();
    this.timeMs += performance.now() - began;
    if (batch !== null) for (const sv of batch) this.samples += sv.n + sv.hn;
    return batch;
  }

  explain(): Explain {
    return { ...this.inner.explain(), analysis: { series: this.seriesCount, samples: this.samples, timeMs: this.timeMs } };
  }
}
