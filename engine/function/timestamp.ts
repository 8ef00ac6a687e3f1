// timestamp(v) of a computed vector: each sample's time, which is the step time, in seconds.
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

export class TimestampOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  constructor(private readonly input: Operator) {}

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta === undefined) this.meta = (await this.input.series()).map((m) => ({ labels: m.labels, dropName: true }));
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    const batch = await this.input.next();
    if (batch === null) return null;
    for (const sv of batch) {
      for (let k = 0; k < sv.n; k++) sv.v[k] = sv.t / 1000;
      // A histogram sample has a timestamp too: it becomes a float like the others.
      for (let k = 0; k < sv.hn; k++) {
        sv.ids[sv.n] = sv.hIds![k]!;
        sv.v[sv.n++] = sv.t / 1000;
      }
      sv.hn = 0;
    }
    return batch;
  }

  explain(): Explain {
    return { name: "[function] timestamp", children: [this.input.explain()] };
  }
}

/** start_timestamp(v) of a computed vector: its samples carry no start timestamps, so no output (as Prometheus). */
export class NoStartTimestampsOperator implements Operator {
  readonly kind = "vector";
  constructor(private readonly input: Operator) {}

  async series(): Promise<readonly SeriesMeta[]> {
    return (await this.input.series()).map((m) => ({ labels: m.labels, dropName: true }));
  }

  async next(): Promise<StepVector[] | null> {
    const batch = await this.input.next();
    if (batch === null) return null;
    for (const sv of batch) {
      sv.n = 0;
      sv.hn = 0;
    }
    return batch;
  }

  explain(): Explain {
    return { name: "[function] start_timestamp", children: [this.input.explain()] };
  }
}
