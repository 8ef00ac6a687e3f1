// Snappy decoding of remote_write bodies on a thread of its own, so the event loop (which appends
// to the head, and answers) spends nothing on it and a receiver uses the second core. Each body is
// decoded into the buffer its request's scratch holds, moved to the thread and back, so nothing is
// allocated per request. If the thread fails, bodies are decoded on the event loop as before.
import { Worker } from "node:worker_threads";
import { scratchCapacity } from "./scratch-capacity.js";
import { SnappyError, snappyUncompress } from "./snappy.js";

/**
 * A body to decode (at most maxBytes), in the first `length` bytes of `body` (a buffer that moves
 * to the thread and back), and the buffer to decode it into when it is big enough.
 */
export interface SnappyJob {
  id: number;
  body: Uint8Array;
  length: number;
  maxBytes: number;
  into: Uint8Array;
}

/** The decoded bytes; or, with the buffers given back, the body's error (a 400) or none (the thread failed). */
export type SnappyReply = { id: number; body: Uint8Array } & ({ raw: Uint8Array } | { into: Uint8Array; error?: string });

/** A request's two buffers, kept for its next body: the compressed body's copy and the decoded bytes. */
export interface SnappyBuffers {
  body: Uint8Array;
  raw: Uint8Array;
}

/** The body decoded on this thread into buffers.raw (replaced by a bigger one when too small). Throws SnappyError. */
export function snappyUncompressInto(body: Uint8Array, maxBytes: number, buffers: SnappyBuffers): Uint8Array {
  const raw = snappyUncompress(body, maxBytes, buffers.raw);
  if (raw.buffer !== buffers.raw.buffer) buffers.raw = new Uint8Array(raw.buffer);
  return raw;
}

interface Waiting {
  resolve: (raw: Uint8Array) => void;
  reject: (err: Error) => void;
  /** The body as the request has it (a fallback decodes it here). */
  body: Uint8Array;
  maxBytes: number;
  buffers: SnappyBuffers;
}

export class SnappyWorker {
  /** Started by the first body, so a process that is never written to has no such thread. */
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  /** Set when the thread failed or was closed: bodies are then decoded on the event loop. */
  private gone = false;
  /** Bodies decoded on the event loop (the thread had failed or was closed). */
  fallbacks = 0;

  constructor(private readonly script: URL = new URL("./snappy-thread.js", import.meta.url)) {}

  /** The thread, started on first use; undefined when it cannot start (bodies are then decoded here). */
  private thread(): Worker | undefined {
    if (this.worker !== undefined) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(this.script);
    } catch {
      this.gone = true;
      return undefined;
    }
    // Only a request waiting on it keeps the process alive.
    worker.unref();
    worker.on("message", (reply: SnappyReply) => this.settle(reply));
    worker.on("error", () => this.fail());
    worker.on("exit", () => this.fail());
    this.worker = worker;
    return worker;
  }

  /**
   * The decoded body, as snappyUncompress(body, maxBytes, buffers.raw) gives it. The body is copied
   * into buffers.body; both buffers move to the thread and are back in `buffers` (grown when too
   * small, the result in buffers.raw) when this settles. Rejects with a SnappyError for a body that
   * is not valid snappy.
   */
  decode(body: Uint8Array, maxBytes: number, buffers: SnappyBuffers): Promise<Uint8Array> {
    const worker = this.gone ? undefined : this.thread();
    if (worker === undefined) return this.onEventLoop(body, maxBytes, buffers);
    const copy = buffers.body.length >= body.length ? buffers.body : new Uint8Array(Math.max(scratchCapacity(body.length), 1024));
    copy.set(body);
    const job: SnappyJob = { id: this.nextId++, body: copy, length: body.length, maxBytes, into: buffers.raw };
    // Until they come back, the request has no buffers of its own (fresh empty ones: each may be moved once).
    buffers.body = new Uint8Array(0);
    buffers.raw = new Uint8Array(0);
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(job.id, { resolve, reject, body, maxBytes, buffers });
      worker.postMessage(job, [copy.buffer as ArrayBuffer, job.into.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread; bodies asked for after this are decoded on the event loop. */
  async close(): Promise<void> {
    this.gone = true;
    await this.worker?.terminate();
  }

  private settle(reply: SnappyReply): void {
    const w = this.waiting.get(reply.id);
    if (w === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    w.buffers.body = reply.body;
    if ("raw" in reply) {
      w.buffers.raw = new Uint8Array(reply.raw.buffer);
      return w.resolve(reply.raw);
    }
    w.buffers.raw = reply.into;
    if (reply.error !== undefined) return w.reject(new SnappyError(reply.error));
    this.fallback(w);
  }

  /** The thread is gone: what it still held is decoded here (their buffers went with it). */
  private fail(): void {
    if (this.gone && this.waiting.size === 0) return;
    this.gone = true;
    for (const w of this.waiting.values()) this.fallback(w);
    this.waiting.clear();
  }

  private fallback(w: Waiting): void {
    this.onEventLoop(w.body, w.maxBytes, w.buffers).then(w.resolve, w.reject);
  }

  private onEventLoop(body: Uint8Array, maxBytes: number, buffers: SnappyBuffers): Promise<Uint8Array> {
    this.fallbacks++;
    try {
      return Promise.resolve(snappyUncompressInto(body, maxBytes, buffers));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
