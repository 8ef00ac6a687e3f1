// The snappy thread's side (see snappy-worker.ts): decodes each body it is sent into the buffer
// sent with it (or a bigger one) and sends the result back, transferred, or the error's message
// with the buffer.
import { parentPort } from "node:worker_threads";
import { SnappyError, snappyUncompress } from "./snappy.js";
import type { SnappyReply, SnappyJob } from "./snappy-worker.js";

parentPort!.on("message", (job: SnappyJob) => {
  let reply: SnappyReply;
  try {
    const raw = snappyUncompress(job.body.subarray(0, job.length), job.maxBytes, job.into);
    reply = { id: job.id, body: job.body, raw };
    // A result too big for `into` is a new buffer; `into` is then dropped here.
    parentPort!.postMessage(reply, [job.body.buffer as ArrayBuffer, raw.buffer as ArrayBuffer]);
  } catch (err) {
    // Anything but a SnappyError is this thread's fault, not the body's: the request is decoded again on the event loop.
    reply = { id: job.id, body: job.body, into: job.into, ...(err instanceof SnappyError ? { error: err.message } : {}) };
    parentPort!.postMessage(reply, [job.body.buffer as ArrayBuffer, job.into.buffer as ArrayBuffer]);
  }
});
