// A window worker's thread: decodes its part's chunks and evaluates the range function over them,
// or reads a vector selector's steps, with the engine's own code (SampleBuffer, SeriesWindows,
// readLatestSteps), one slice of steps per request; a part shared by group is read at once into
// the query's rows in shared memory, then answered once.
import { parentPort, type MessagePort } from "node:worker_threads";
import { addRow, addSeriesSteps, addTakenGroups } from "../aggregate/grouped_steps.js";
import { evaluateFloatSteps, SeriesWindows, type StepTimes } from "../function/range_windows.js";
import { readLatestSteps } from "../scan/latest_steps.js";
import { SampleBuffer } from "../scan/sample_buffer.js";
import { takeGroup, transferList, unpackSeries, type FromWorker, type GroupsResult, type GroupsWork, type JobMessage, type SliceRequest, type SliceResult, type SliceWork, type ToWorker } from "./protocol.js";

interface Part {
  work: SliceWork;
  /** A range function's windows (undefined for a vector selector's reads). */
  windows: SeriesWindows | undefined;
  buffers: SampleBuffer[];
  steps: StepTimes;
}

/** A slice of a part's steps into the request's cells; returns the samples read (a vector selector's part: the outputs). */
function evaluateSlice(part: Part, m: SliceRequest): number {
  const w = part.work;
  if (w.kind === "windows") return evaluateFloatSteps(part.windows!, part.buffers, part.steps, m.k0, m.k1, m.values, m.present, w.seriesMajor);
  return readLatestSteps(part.buffers, part.steps.refs, m.k0, m.k1, w.lookbackMs, w.read, m.values, m.present, w.seriesMajor);
}

/** A part shared by group, read at once: groups taken until none is left, added into the shared rows; then one answer. */
function readGroups(port: MessagePort, m: JobMessage, w: GroupsWork): void {
  const rows = w.rows;
  const steps = m.steps;
  const n = steps.times.length;
  const buffers = unpackSeries(m.series).map((input) => new SampleBuffer(input, rows.kind === "windows"));
  const emitted = new Uint8Array(rows.kind === "windows" ? buffers.length : 0);
  let read = 0;
  const acc = w.acc;
  let add: (j: number, row: number) => void;
  if (rows.kind === "latest") {
    add = (j, row) => addSeriesSteps(buffers[j]!, steps.refs, rows.lookbackMs, row, w.sum, acc);
  } else {
    const sw = new SeriesWindows(rows.shape, buffers.length);
    const values = new Float64Array(n);
    const present = new Uint8Array(n);
    add = (j, row) => {
      sw.evaluateOnce(j, buffers[j]!, steps, 0, n, values, present, 0);
      read += sw.run.read;
      if (addRow(acc, row, 0, n, values, present, 0, w.sum) > 0) emitted[j] = 1;
    };
  }
  addTakenGroups(add, n, w.groupStart, w.groupSeries, () => takeGroup(w.next, w.order));
  const out: GroupsResult = { type: "groups", job: m.job, read, emitted };
  port.postMessage(out, transferList(out));
}

function serve(port: MessagePort): void {
  const parts = new Map<number, Part>();
  port.on("message", (m: ToWorker) => {
    try {
      if (m.type === "job") {
        const w = m.work;
        if (w.kind === "groups") return readGroups(port, m, w);
        const buffers = unpackSeries(m.series).map((input) => new SampleBuffer(input, w.kind === "windows"));
        parts.set(m.job, { work: w, windows: w.kind === "windows" ? new SeriesWindows(w.shape, buffers.length) : undefined, buffers, steps: m.steps });
        return;
      }
      if (m.type === "end") {
        parts.delete(m.job);
        return;
      }
      const part = parts.get(m.job);
      if (part === undefined) throw new Error(`slice requested for unknown part ${m.job}`);
      const read = evaluateSlice(part, m);
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
