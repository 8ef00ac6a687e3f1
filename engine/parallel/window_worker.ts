// A window worker's thread: decodes its part's chunks and evaluates the range function over them
// with the engine's own code (SampleBuffer, SeriesWindows), one slice of steps per request.
import { parentPort, type MessagePort } from "node:worker_threads";
import { evaluateFloatSteps, SeriesWindows, type StepTimes } from "../function/range_windows.js";
import { SampleBuffer } from "../scan/sample_buffer.js";
import { transferList, unpackSeries, type FromWorker, type SliceResult, type ToWorker } from "./protocol.js";

interface Part {
  windows: SeriesWindows;
  buffers: SampleBuffer[];
  steps: StepTimes;
}

function serve(port: MessagePort): void {
  const parts = new Map<number, Part>();
  port.on("message", (m: ToWorker) => {
    try {
      if (m.type === "job") {
        const buffers = unpackSeries(m.series).map((input) => new SampleBuffer(input, true));
        parts.set(m.job, { windows: new SeriesWindows(m.shape, buffers.length), buffers, steps: m.steps });
        return;
      }
      if (m.type === "end") {
        parts.delete(m.job);
        return;
      }
      const part = parts.get(m.job);
      if (part === undefined) throw new Error(`slice requested for unknown part ${m.job}`);
      const read = evaluateFloatSteps(part.windows, part.buffers, part.steps, m.k0, m.k1, m.values, m.present);
      const out: SliceResult = { type: "slice", job: m.job, k0: m.k0, k1: m.k1, values: m.values, present: m.present, read };
      port.postMessage(out, transferList(out));
    } catch (e) {
      parts.clear();
      const failure: FromWorker = { type: "error", message: e instanceof Error ? e.message : String(e) };
      port.postMessage(failure);
    }
  });
}

serve(parentPort!);
parentPort!.postMessage({ type: "ready" } satisfies FromWorker);
