// A block range's worth of the head: every series' own labels and its chunks in
// [mint, maxt), in label order, for the shipper to write as a TSDB block. Chunks are
// cut at multiples of the head's chunk range, so with a block duration that is a
// multiple of it no chunk crosses a block's edge; one that does is an error, never a split.
import { formatLabels } from "../../storeapi/index.js";
import { ByteSlab } from "./series.js";
import { sortByLabels } from "./sort.js";
import type { HeadState } from "./state.js";
import type { HeadBlockSeries } from "./types.js";

export function blockSeries(state: HeadState, mint: number, maxt: number): HeadBlockSeries[] {
  const copies = new ByteSlab();
  const out: HeadBlockSeries[] = [];
  for (const s of state.byId.values()) {
    if (!s.hasDataIn(mint, maxt - 1)) continue;
    const chunks = s.chunksIn(mint, maxt - 1, state.arena, copies).map((c) => {
      if (c.minTime < mint || c.maxTime >= maxt) {
        throw new RangeError(
          `head chunk [${c.minTime}, ${c.maxTime}] of ${formatLabels(s.labels)} crosses the block range [${mint}, ${maxt}): the block duration must be a multiple of the head's chunk range`,
        );
      }
      // A view into the arena: valid while the range is not truncated, which the shipper holds back until it is uploaded.
      return { minTime: c.minTime, maxTime: c.maxTime, encoding: c.raw!.encoding, data: c.raw!.data };
    });
    out.push({ labels: s.labels, chunks });
  }
  sortByLabels(out);
  return out;
}
