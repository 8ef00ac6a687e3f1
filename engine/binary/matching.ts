// Vector matching signatures: which labels decide that a left and a right sample belong together.
import type { VectorMatching } from "../../promql/index.js";
import { keepLabels, labelsKey, METRIC_NAME, removeLabels, type Labels } from "../../storeapi/index.js";

export interface Signer {
  /** The labels a sample is matched on (`on`: those named; otherwise all but those named and the name). */
  matchLabels(ls: Labels): Labels;
}

export function signer(m: VectorMatching | undefined): Signer {
  if (m !== undefined && m.on) {
    const names = new Set(m.matchingLabels);
    return { matchLabels: (ls) => keepLabels(ls, names) };
  }
  const names = new Set([...(m?.matchingLabels ?? []), METRIC_NAME]);
  return { matchLabels: (ls) => removeLabels(ls, names) };
}

/** Interns each series' signature to a small integer shared by both sides. */
export function signatureIds(sign: Signer, sides: readonly (readonly { labels: Labels }[])[]): { ids: Int32Array[]; count: number } {
  const index = new Map<string, number>();
  const ids = sides.map((side) => {
    const out = new Int32Array(side.length);
    for (let i = 0; i < side.length; i++) {
      const key = labelsKey(sign.matchLabels(side[i]!.labels));
      let id = index.get(key);
      if (id === undefined) {
        id = index.size;
        index.set(key, id);
      }
      out[i] = id;
    }
    return out;
  });
  return { ids, count: index.size };
}
