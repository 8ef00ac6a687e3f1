// A series source for the merge: a store's cursor as streamed, or, when stripping replica labels could
// break a store's sort order, the store's whole answer stripped and re-sorted.
import { compareLabels, getLabel, hasLabel } from "../storeapi/index.js";
import type { Labels, Series } from "../storeapi/index.js";
import type { StoreCursor } from "./cursor.js";

export interface SeriesSource {
  readonly name: string;
  readonly head: Series | undefined;
  readonly headReplica: string;
  readonly warnings: string[];
  advance(): Promise<void>;
  /** Moves on without awaiting when the next series is in hand; false (not moved) when advance() is needed. */
  advanceBuffered(): boolean;
  close(): void;
}

/**
 * Whether removing the replica labels keeps a store's order: each of its label sets carries a replica
 * label and every replica label has one value across them (the usual sidecar with `replica="a"`).
 */
export function replicaLabelsPinned(labelSets: readonly Labels[], replicaLabels: readonly string[]): boolean {
  if (labelSets.length === 0) return false;
  if (!labelSets.every((set) => replicaLabels.some((r) => hasLabel(set, r)))) return false;
  return replicaLabels.every((r) => labelSets.every((set) => getLabel(set, r) === getLabel(labelSets[0]!, r)));
}

/** Drains a cursor on first advance and serves its series sorted by (stripped) labels. */
export class BufferedSource implements SeriesSource {
  head: Series | undefined;
  headReplica = "";
  private items: { series: Series; replica: string }[] | undefined;
  private index = -1;

  constructor(private readonly cursor: StoreCursor) {}

  get name(): string {
    return this.cursor.name;
  }

  get warnings(): string[] {
    return this.cursor.warnings;
  }

  async advance(): Promise<void> {
    if (this.items === undefined) this.items = await this.drain();
    this.next();
  }

  advanceBuffered(): boolean {
    if (this.items === undefined) return false;
    this.next();
    return true;
  }

  private next(): void {
    this.index++;
    const item = this.items![this.index];
    this.head = item?.series;
    this.headReplica = item?.replica ?? "";
  }

  close(): void {
    this.head = undefined;
    this.items = [];
    this.cursor.close();
  }

  private async drain(): Promise<{ series: Series; replica: string }[]> {
    const out: { series: Series; replica: string }[] = [];
    for (await this.cursor.advance(); this.cursor.head !== undefined; await this.cursor.advance()) {
      out.push({ series: this.cursor.head, replica: this.cursor.headReplica });
    }
    // Stable: equal label sets stay in the store's order.
    return out.sort((a, b) => compareLabels(a.series.labels, b.series.labels));
  }
}
