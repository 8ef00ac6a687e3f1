// Histograms for the head's tests (integer, float, NHCB, each with a fixed layout so chunks never
// recode) and a reader of the histogram samples a head holds.
import {
  ChunkEncoding,
  FloatHistogramChunkIterator,
  HistogramChunkIterator,
  type Labels,
  type NativeHistogram,
  type Series,
} from "../../storeapi/index.js";
import type { Head } from "./head.js";

const span = (offset: number, length: number) => ({ offset, length });

/** An integer histogram whose counts grow with k (same layout every time: no recoding). */
export function intHistogram(k: number): NativeHistogram {
  const b = [1 + k, 2 * k, 3];
  return {
    float: false,
    counterResetHint: 0,
    schema: 2,
    zeroThreshold: 0.001,
    zeroCount: k,
    count: b[0]! + b[1]! + b[2]! + k + 2,
    sum: 10.5 * (k + 1),
    positiveSpans: [span(-1, 2), span(2, 1)],
    positiveBuckets: b,
    negativeSpans: [span(0, 1)],
    negativeBuckets: [2],
  };
}

export function floatHistogram(k: number): NativeHistogram {
  return { ...intHistogram(k), float: true, count: intHistogram(k).count + 0.5, positiveBuckets: [1.5 + k, 2 * k, 3] };
}

export function nhcb(k: number): NativeHistogram {
  return {
    float: false,
    counterResetHint: 0,
    schema: -53,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 4 + k,
    sum: 1 + k,
    positiveSpans: [span(0, 3)],
    positiveBuckets: [1, k, 3],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [0.1, 1, 10],
  };
}

/** Every histogram sample of the head's series, decoded from its chunks, with the chunk encodings seen. */
export async function headHistograms(head: Head, name: string): Promise<{ labels: Labels; encodings: ChunkEncoding[]; samples: [number, NativeHistogram][] }[]> {
  const out = [];
  for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [{ name: "__name__", op: "=", value: name }] })) {
    for (const s of frame.series as Series[]) {
      const samples: [number, NativeHistogram][] = [];
      const encodings: ChunkEncoding[] = [];
      for (const c of s.chunks) {
        encodings.push(c.raw!.encoding);
        if (c.raw!.encoding === ChunkEncoding.XOR) continue;
        const it = c.raw!.encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(c.raw!.data) : new FloatHistogramChunkIterator(c.raw!.data);
        while (it.next()) samples.push([it.t, it.at()]);
      }
      out.push({ labels: s.labels, encodings, samples });
    }
  }
  return out;
}

