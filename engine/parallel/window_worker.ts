// A window worker's thread: decodes its part's chunks and evaluates the range function (or reads
// the vector selector) over them with the engine's own code (SampleBuffer, SeriesWindows,
// readLatestSteps), one slice of steps per request.
import { parentPort, type MessagePort } from "node:worker_threads";
import { evaluateFloatSteps, SeriesWindows } from "../function/range_windows.js";
import { readLatestSteps } from "../scan/latest_steps.js";
import { SampleBuffer } from "../scan/sample_buffer.js";
import { dropsStale, transferList, unpackSeries, type FromWorker, type JobMessage, type SliceResult, type ToWorker } from "./protocol.js";

/** Evaluates steps [k0, k1) of a part into step-major cells; returns the samples read. */
type Part = (k0: number, k1: number, values: Float64Array, present: Uint8Array) => number;

function part(m: JobMessage): Part {
  const buffers = unpackSeries(m.series).map((input) => new SampleBuffer(input, dropsStale(m.task)));
  const { task, steps } = m;
  if (task.kind === "latest") return (k0, k1, values, present) => readLatestSteps(buffers, steps.refs, k0, k1, task.lookbackMs, task.read, values, present);
  const windows = new SeriesWindows(task.shape, buffers.length);
  return (k0, k1, values, present) => evaluateFloatSteps(windows, buffers, steps, k0, k1, values, present);
}

function serve(port: MessagePort): void {
  const parts = new Map<number, Part>();
  port.on("message", (m: ToWorker) => {
    try {
      if (m.type === "job") {
        parts.set(m.job, part(m));
        return;
      }
      if (m.type === "end") {
        parts.delete(m.job);
        return;
      }
      const evaluate = parts.get(m.job);
      if (evaluate === undefined) throw new Error(`slice requested for unknown part ${m.job}`);
      const read = evaluate(m.k0, m.k1, m.values, m.present);
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
