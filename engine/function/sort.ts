// sort, sort_desc, sort_by_label, sort_by_label_desc: reorder an instant query's samples.
import type { QueryContext } from "../exec/context.js";
import { compareLabels, compareUtf8, getLabel } from "../../storeapi/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

export class SortOperator implements Operator {
  readonly kind = "vector";
  private meta: readonly SeriesMeta[] = [];
  private readonly order: number[] = [];

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly input: Operator,
    private readonly labels: string[],
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    this.meta = await this.input.series();
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    const batch = await this.input.next();
    if (batch === null) return null;
    for (const sv of batch) this.sortStep(sv);
    return batch;
  }

  private sortStep(sv: StepVector): void {
    // sort and sort_desc order floats only and drop histograms, as Prometheus does.
    if (this.name === "sort" || this.name === "sort_desc") sv.hn = 0;
    const idx = this.order;
    idx.length = 0;
    for (let k = 0; k < sv.n; k++) idx.push(k);
    const v = sv.v;
    const ids = sv.ids;
    const meta = this.meta;
    switch (this.name) {
      case "sort":
        idx.sort((a, b) => byValue(v[a]!, v[b]!, false));
        break;
      case "sort_desc":
        idx.sort((a, b) => byValue(v[a]!, v[b]!, true));
        break;
      default: {
        const desc = this.name === "sort_by_label_desc";
        idx.sort((a, b) => {
          const la = meta[ids[a]!]!.labels;
          const lb = meta[ids[b]!]!.labels;
          for (const name of this.labels) {
            const c = naturalCompare(getLabel(la, name), getLabel(lb, name));
            if (c !== 0) return desc ? -c : c;
          }
          const c = compareLabels(la, lb);
          return desc ? -c : c;
        });
      }
    }
    const nid = idx.map((k) => ids[k]!);
    const nv = idx.map((k) => v[k]!);
    for (let k = 0; k < nid.length; k++) {
      ids[k] = nid[k]!;
      v[k] = nv[k]!;
    }
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}

/** NaN sorts last in both directions. */
function byValue(a: number, b: number, desc: boolean): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  if (a === b) return 0;
  return (a < b ? -1 : 1) * (desc ? -1 : 1);
}

/** Compares strings with runs of digits compared as numbers ("a2" < "a10"). */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      let ej = j;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      const na = a.slice(i, ei).replace(/^0+/, "");
      const nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return compareUtf8(a.slice(i, i + 2), b.slice(j, j + 2)); // Go compares bytes
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export type { QueryContext };
