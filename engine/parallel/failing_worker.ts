// A window worker that throws on its first message: what a bug or crash in the real one looks like
// to the engine (engine/parallel/parallel.test.ts).
import { parentPort } from "node:worker_threads";

parentPort!.on("message", () => {
  throw new Error("injected failure");
});
parentPort!.postMessage({ type: "ready" });
