// Hands parts of one range function call, or of one vector selector's range read, to window
// workers: the trailing float-only series (raw XOR chunks, no histograms, no start timestamps) are
// split among the workers the pool can spare; the query's thread evaluates the rest meanwhile and
// merges the workers' results step by step, in series order, so the operator's output is the same
// as evaluated alone. A sum, count or group over enough groups is shared by group instead
// (shareGroups): each side reads whole groups, taken from one counter, into the query's rows in
// shared memory, and a worker answers once it finds none left.
import type { Worker } from "node:worker_threads";
import { execution } from "../errors.js";
import type { EngineMetrics } from "../metrics.js";
import type { GroupedSteps } from "../aggregate/grouped_steps.js";
import type { StepTimes } from "../function/range_windows.js";
import { sliceStepsMost, type StepVector } from "../model.js";
import type { SampleBuffer, SeriesInput } from "../scan/sample_buffer.js";
import type { WindowWorkerPool } from "./pool.js";
import { packSeries, sharedRows, takeGroup, transferList, type FromWorker, type SharedRowsPool, type GroupsResult, type GroupsWork, type JobMessage, type SliceRequest, type SliceResult, type SliceWork } from "./protocol.js";

/**
 * A worker's share of a call's series against the query's thread, which also runs the operators
 * above and assembles the result: with one worker it takes 60% of the series (A/B on a loaded
 * machine: 1.5 no worse than 1 or 2.2 on the engine bench's heavy queries; quiet, on the
 * bench:compare data, 2.5 and 4 no faster for the range aggregations).
 */
const WORKER_WEIGHT = 1.5;
/**
 * Slices a worker may be asked for before the query's thread has taken the earlier ones (more
 * when that thread reads its own series further ahead in one go: requestThrough).
 */
const SLICES_AHEAD = 2;
/** Cells of a series-major part read in one slice when they fit (9 bytes each: 36 MB). */
const WHOLE_PART_CELLS = 1 << 22;
/**
 * A part's slices hold at most 1/SLICES_PER_PART of its steps: the worker runs up to SLICES_AHEAD
 * slices ahead, and the query's thread evaluates its own share of those steps after the worker is done.
 */
const SLICES_PER_PART = 8;
/**
 * Least groups a grouped read is shared by group with (shareGroups): the last group taken may keep
 * the other thread waiting up to its own time, so with fewer the series are shared instead.
 */
const SHARED_GROUPS_LEAST = 8;

/** What a HeldWorker routes a part's answers to. */
interface HeldPart {
  receive(m: SliceResult | GroupsResult): void;
  fail(e: Error): void;
  /** Whether the worker still owes the part an answer. */
  busy(): boolean;
}

/**
 * The window workers one query holds: leased from the pool by its first heavy call and shared by
 * the query's later calls (their slices interleave on a worker as the operators advance together),
 * given back when the query ends. Cancellation or a failure stops them.
 */
export class WorkerLeases {
  private readonly held: HeldWorker[] = [];
  private nextJob = 0;
  private readonly onAbort = (): void => this.failAll(abortReason(this.signal));

  constructor(
    readonly pool: WindowWorkerPool,
    readonly signal: AbortSignal,
    readonly metrics: EngineMetrics,
  ) {
    signal.addEventListener("abort", this.onAbort);
  }

  /** Up to n workers for a call: those the query holds, then more from the pool while it has idle ones. */
  workersFor(n: number): HeldWorker[] {
    if (this.signal.aborted) return [];
    if (this.held.length < n) for (const w of this.pool.lease(n - this.held.length)) this.held.push(new HeldWorker(w, this));
    return this.held.slice(0, n);
  }

  newJob(): number {
    return this.nextJob++;
  }

  /** A worker failed: stopped, and its parts fail with the error. */
  failed(h: HeldWorker, e: Error): void {
    const i = this.held.indexOf(h);
    if (i >= 0) this.held.splice(i, 1);
    h.stop(e);
  }

  private failAll(e: Error): void {
    for (const h of this.held.splice(0)) h.stop(e);
  }

  /** The query ended: its workers go back to the pool, each once it has sent the slices still owed. */
  closeAll(): void {
    this.signal.removeEventListener("abort", this.onAbort);
    for (const h of this.held.splice(0)) h.giveBack();
  }
}

/** One leased worker and the parts it evaluates for the query; routes its messages to them. */
export class HeldWorker {
  private readonly parts = new Map<number, HeldPart>();
  private done = false;
  /** The query ended while a part was still owed slices: given back once they are in. */
  private draining = false;
  private readonly onMessage = (m: FromWorker): void => {
    if (m.type === "error") return this.leases.failed(this, execution(`window worker failed: ${m.message}`));
    if (m.type !== "slice" && m.type !== "groups") return;
    this.parts.get(m.job)?.receive(m);
    if (this.draining) this.giveBack();
  };
  private readonly onError = (e: Error): void => this.leases.failed(this, execution(`window worker failed: ${e.message}`));
  private readonly onExit = (code: number): void => this.leases.failed(this, execution(`window worker exited with code ${code}`));

  constructor(
    readonly worker: Worker,
    private readonly leases: WorkerLeases,
  ) {
    worker.on("message", this.onMessage);
    worker.on("error", this.onError);
    worker.on("exit", this.onExit);
  }

  /** Starts a part on this worker. */
  start(part: HeldPart, job: JobMessage): void {
    this.parts.set(job.job, part);
    this.worker.postMessage(job, transferList(job));
    this.leases.pool.partStarted();
    this.leases.metrics.windowWorkerParts.inc();
  }

  post(m: SliceRequest): void {
    this.worker.postMessage(m, transferList(m));
  }

  /** A part read to its end: the worker drops its state. */
  end(job: number): void {
    this.parts.delete(job);
    if (!this.done) this.worker.postMessage({ type: "end", job });
  }

  private detach(): void {
    this.done = true;
    this.worker.off("message", this.onMessage);
    this.worker.off("error", this.onError);
    this.worker.off("exit", this.onExit);
  }

  /** Terminates the worker (the pool starts another) and fails its open parts. */
  stop(e: Error): void {
    if (this.done) return;
    this.detach();
    this.leases.pool.discard(this.worker);
    for (const p of this.parts.values()) p.fail(e);
    this.parts.clear();
  }

  giveBack(): void {
    if (this.done) return;
    let busy = false;
    for (const p of this.parts.values()) busy ||= p.busy();
    // A query that ended early (it failed elsewhere) leaves at most SLICES_AHEAD slices to finish.
    this.draining = busy;
    if (busy) return;
    for (const job of this.parts.keys()) this.worker.postMessage({ type: "end", job });
    this.parts.clear();
    this.detach();
    this.leases.pool.giveBack(this.worker);
  }
}

/** How a call's series are shared: the query's thread takes [0, mainSeries), the parts the rest in order. */
export interface Offload {
  mainSeries: number;
  parts: WorkerPart[];
}

/**
 * Offloads the trailing float-only series of a call of two or more steps to idle workers when the
 * call's work (samples decoded + steps evaluated) reaches the pool's threshold: a range function's
 * windows or a vector selector's reads (`job`: which, and the cells' layout). The k workers and
 * the query's thread share the series by their weight (WORKER_WEIGHT unless given).
 */
export function offloadSeries(leases: WorkerLeases | undefined, job: SliceWork, buffers: readonly SampleBuffer[], steps: StepTimes, stepsBatch: number, workerWeight = WORKER_WEIGHT): Offload {
  const n = buffers.length;
  const none: Offload = { mainSeries: n, parts: [] };
  // One step (an instant query): measured, handing off cost more CPU than it saved in wall time,
  // at 1 to 6 M samples decoded (README, "Both cores for one query").
  if (leases === undefined || leases.pool.size === 0 || n < 2 || steps.times.length < 2) return none;
  const inputs: SeriesInput[] = [];
  const enough = leases.pool.minSamples;
  let work = 0;
  for (let i = n - 1; i >= 0; i--) {
    const input = buffers[i]!.unreadXorInput(job.kind === "windows");
    if (input === undefined) break;
    inputs.push(input);
    // Counted only up to the threshold: each count reads a chunk's header, a cache miss apiece (~3 ms over 24,000 chunks).
    if (work < enough) work += inputWork(input, steps);
  }
  if (inputs.length === 0 || work < enough) return none;
  inputs.reverse();
  const workers = leases.workersFor(Math.min(leases.pool.size, inputs.length));
  if (workers.length === 0) return none;
  const weight = workers.length * workerWeight;
  const take = Math.min(inputs.length, Math.round((n * weight) / (weight + 1)));
  const mainSeries = n - take;
  const parts: WorkerPart[] = [];
  workers.forEach((w, p) => {
    const from = Math.floor((take * p) / workers.length);
    const to = Math.floor((take * (p + 1)) / workers.length);
    if (to > from) parts.push(new WorkerPart(leases.newJob(), w, mainSeries + from, inputs.slice(inputs.length - take + from, inputs.length - take + to), job, steps, stepsBatch));
  });
  return { mainSeries, parts };
}

/** A series' work for a worker: its samples (from its chunks' headers) and its steps. */
function inputWork(input: SeriesInput, steps: StepTimes): number {
  let work = steps.times.length;
  for (let k = 0; k < input.chunks.count; k++) work += input.chunks.numSamples(k);
  return work;
}

/** Groups as lists of series: group g's are series[start[g], start[g + 1]), ascending. */
export interface GroupLists {
  groupStart: Int32Array;
  groupSeries: Int32Array;
}

/**
 * A grouped read shared by group between the query's thread and the workers: each takes
 * whole groups (biggest first) from a counter in shared memory until none is left, and reads every
 * series of a group it took, in series order, into that group's row. A group's sum is so added in
 * the order it would be on one thread.
 */
export class GroupShare {
  constructor(
    readonly groups: GroupLists,
    private readonly next: Int32Array,
    private readonly order: Int32Array,
    readonly parts: readonly GroupsPart[],
    /** Every group's row, the workers' groups added in place (read them once every part has answered). */
    readonly acc: GroupedSteps,
    private readonly rows?: SharedRowsPool,
  ) {}

  /** The rows go back to the pool for another read, once read whole: only if every part has answered (a worker that failed may still be writing). */
  release(): void {
    if (this.parts.every((p) => p.answered())) this.rows?.give(this.acc);
  }

  /** The next group to read here, or -1 when every group is taken. */
  take(): number {
    return takeGroup(this.next, this.order);
  }

  /** Leaves no group to take (the query failed or was aborted: the workers stop after the group they are reading). */
  takeNoMore(): void {
    Atomics.store(this.next, 0, this.order.length);
  }
}

/**
 * Shares a grouped read over `groups` groups (`of`: each series' group) with idle workers when
 * there are at least SHARED_GROUPS_LEAST groups, every series is unread float XOR chunks, and the
 * read's work reaches the pool's threshold; undefined otherwise (offloadSeries shares it by series
 * then). `rows`: what each series gives at a step (a selector's read, a range function's result).
 */
export function shareGroups(leases: WorkerLeases | undefined, rows: GroupsWork["rows"], sum: boolean, buffers: readonly SampleBuffer[], steps: StepTimes, of: Uint32Array, groups: number): GroupShare | undefined {
  if (leases === undefined || leases.pool.size === 0 || groups < SHARED_GROUPS_LEAST || steps.times.length < 2) return undefined;
  const inputs: SeriesInput[] = [];
  const enough = leases.pool.minSamples;
  let work = 0;
  for (const b of buffers) {
    const input = b.unreadXorInput(rows.kind === "windows");
    if (input === undefined) return undefined;
    inputs.push(input);
    if (work < enough) work += inputWork(input, steps);
  }
  if (work < enough) return undefined;
  const workers = leases.workersFor(leases.pool.size);
  if (workers.length === 0) return undefined;
  const lists = groupLists(of, groups);
  const order = biggestFirst(lists.groupStart);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const acc = sharedRows(groups * steps.times.length, sum, leases.pool.rows);
  const series = packSeries(inputs);
  const parts = workers.map((w, p) => {
    const job: JobMessage = {
      type: "job",
      job: leases.newJob(),
      work: { kind: "groups", rows, sum, ...lists, order, next, acc },
      // Each worker reads the same series: the first takes the packed buffers, the others copies.
      series: p === workers.length - 1 ? series : structuredClone(series),
      steps,
    };
    return new GroupsPart(job, w);
  });
  return new GroupShare(lists, next, order, parts, acc, leases.pool.rows);
}

/** Each group's series, ascending (a counting sort of `of`). */
function groupLists(of: Uint32Array, groups: number): GroupLists {
  const groupStart = new Int32Array(groups + 1);
  for (let i = 0; i < of.length; i++) groupStart[of[i]! + 1]++;
  for (let g = 0; g < groups; g++) groupStart[g + 1] += groupStart[g]!;
  const fill = groupStart.slice(0, groups);
  const groupSeries = new Int32Array(of.length);
  for (let i = 0; i < of.length; i++) groupSeries[fill[of[i]!]!++] = i;
  return { groupStart, groupSeries };
}

/** The groups by their series count, most first: the last one taken is then a small one. */
function biggestFirst(groupStart: Int32Array): Int32Array {
  const groups = groupStart.length - 1;
  const order = Int32Array.from({ length: groups }, (_, g) => g);
  return order.sort((a, b) => groupStart[b + 1]! - groupStart[b]! - (groupStart[a + 1]! - groupStart[a]!) || a - b);
}

/** One worker's part of a read shared by group: its answer (samples read, series emitted) once it found no group left. */
export class GroupsPart implements HeldPart {
  private result: GroupsResult | undefined;
  private failure: Error | undefined;
  private waiter: { resolve: (r: GroupsResult) => void; reject: (e: Error) => void } | undefined;
  private readonly job: number;

  constructor(
    message: JobMessage,
    private readonly held: HeldWorker,
  ) {
    this.job = message.job;
    held.start(this, message);
  }

  busy(): boolean {
    return this.result === undefined && this.failure === undefined;
  }

  /** Whether the worker answered: it has added its last group and writes the rows no more. */
  answered(): boolean {
    return this.result !== undefined;
  }

  receive(m: SliceResult | GroupsResult): void {
    if (m.type !== "groups") return;
    this.result = m;
    this.held.end(this.job);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(m);
  }

  fail(e: Error): void {
    if (this.failure !== undefined || this.result !== undefined) return;
    this.failure = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  /** The worker's answer, once it has added its last group into the shared rows. */
  answer(): Promise<GroupsResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.result !== undefined) return Promise.resolve(this.result);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

/** The slice boundaries: aligned to the operator's batches, small first (so the query's thread waits little for the first), then doubling up to a slice's most (at most SLICES_AHEAD + 1 slices exist per worker). */
export function sliceEnds(steps: number, series: number, stepsBatch: number): number[] {
  const most = Math.min(sliceStepsMost(series, stepsBatch), Math.max(stepsBatch, Math.ceil(steps / SLICES_PER_PART / stepsBatch) * stepsBatch));
  const ends: number[] = [];
  let width = stepsBatch;
  for (let k = 0; k < steps; ) {
    k = Math.min(steps, k + width);
    ends.push(k);
    width = Math.min(most, 2 * width);
  }
  return ends;
}

/** One worker's part of a call: series [firstId, firstId + count) of the operator, for every step. */
export class WorkerPart implements HeldPart {
  readonly count: number;
  private readonly ends: number[];
  private requested = 0;
  /** Slices the operator has started reading. */
  private taken = 0;
  /** Slices requested and not yet back. */
  private pending = 0;
  private readonly received: SliceResult[] = [];
  /** The slice the operator's batches read now. */
  private current: SliceResult | undefined;
  private readonly spare: SliceResult[] = [];
  private failure: Error | undefined;
  private waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  /** Whether the cells carry values (a presence read's carry none: its slices' values are empty). */
  private readonly withValues: boolean;

  constructor(
    private readonly job: number,
    private readonly held: HeldWorker,
    readonly firstId: number,
    inputs: readonly SeriesInput[],
    work: SliceWork,
    private readonly steps: StepTimes,
    stepsBatch: number,
  ) {
    this.count = inputs.length;
    this.withValues = work.kind === "windows" || work.read !== "presence";
    // Series-major cells go to a reader that takes them whole: one slice when it fits, read series by series (readLatestSteps).
    const whole = work.seriesMajor && inputs.length * steps.times.length <= WHOLE_PART_CELLS;
    this.ends = whole ? [steps.times.length] : sliceEnds(steps.times.length, inputs.length, stepsBatch);
    held.start(this, { type: "job", job, work, series: packSeries(inputs), steps });
    this.request();
  }

  /** Whether the worker still owes this part a slice. */
  busy(): boolean {
    return this.pending > 0;
  }

  /**
   * Asks now for every slice that starts before step `end`: the query's thread is about to read its
   * own series that far ahead in one go (a vector selector's slice of cells), and the worker
   * evaluates these meanwhile instead of waiting for each to be taken.
   */
  requestThrough(end: number): void {
    this.request(end);
  }

  /** Asks for the next slices: at most SLICES_AHEAD not yet taken by the operator, and any that start before `through`. */
  private request(through = 0): void {
    while (this.requested < this.ends.length && (this.requested - this.taken < SLICES_AHEAD || this.sliceStart(this.requested) < through)) {
      const k0 = this.sliceStart(this.requested);
      const k1 = this.ends[this.requested++]!;
      const cells = this.count * (k1 - k0);
      const reuse = this.spare.pop();
      const valueCells = this.withValues ? cells : 0;
      const values = reuse !== undefined && reuse.values.length >= valueCells ? reuse.values : new Float64Array(valueCells);
      const present = reuse !== undefined && reuse.present.length >= cells ? reuse.present : new Uint8Array(cells);
      this.held.post({ type: "slice", job: this.job, k0, k1, values, present });
      this.pending++;
    }
  }

  private sliceStart(k: number): number {
    return k === 0 ? 0 : this.ends[k - 1]!;
  }

  receive(m: SliceResult): void {
    this.pending--;
    this.received.push(m);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  fail(e: Error): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  /**
   * Appends the part's results for steps [first, last) (one operator batch) to the batch's step
   * vectors, marking the series that gave a float; returns the samples read (a slice's, at its first batch).
   */
  async appendTo(out: StepVector[], first: number, last: number, emitted: Uint8Array): Promise<number> {
    let read = 0;
    while (this.current === undefined || first >= this.current.k1) {
      if (this.current !== undefined) this.spare.push(this.current);
      this.current = undefined;
      await this.arrived();
      this.current = this.received.shift()!;
      this.taken++;
      read += this.current.read;
      this.request();
    }
    const s = this.current;
    for (let k = first; k < last; k++) {
      const sv = out[k - first]!;
      for (let j = 0, cell = (k - s.k0) * this.count; j < this.count; j++, cell++) {
        if (s.present[cell] === 0) continue;
        sv.ids[sv.n] = this.firstId + j;
        sv.v[sv.n++] = s.values[cell]!;
        emitted[this.firstId + j] = 1;
      }
    }
    if (last >= this.steps.times.length && !this.ended) {
      this.ended = true;
      this.held.end(this.job);
    }
    return read;
  }

  /**
   * The part's next slice in step order, for a reader taking the cells whole (a grouped
   * aggregation's, grouped_steps.ts); the slice taken before goes back for reuse. Undefined
   * after the last.
   */
  async takeSlice(): Promise<SliceResult | undefined> {
    if (this.current !== undefined) this.spare.push(this.current);
    this.current = undefined;
    if (this.taken >= this.ends.length) {
      if (!this.ended) {
        this.ended = true;
        this.held.end(this.job);
      }
      return undefined;
    }
    await this.arrived();
    this.current = this.received.shift()!;
    this.taken++;
    this.request();
    return this.current;
  }

  /** Resolves once a slice has arrived; rejects with the part's failure. */
  private arrived(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.received.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : execution("query aborted");
}
