// A snappy thread that dies on its first body: what a crash of the real one looks like to
// SnappyWorker (storeapi/snappy-worker.test.ts).
import { parentPort } from "node:worker_threads";

parentPort!.on("message", () => process.exit(3));
