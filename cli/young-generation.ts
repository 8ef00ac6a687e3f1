// V8's young generation for a process that mostly ingests (`orrery receive`). Every series and chunk a
// receiver keeps passes through it, and V8 doubles its semi-spaces whenever as many bytes have survived
// as they hold, so loading the modules and then ingest grow them from 1 MB to 16 MB each: ~30 MB of RSS
// that a receiver's short-lived objects (one request's worth; its batch is reused) never need.
import { setFlagsFromString } from "node:v8";

/** Whether node was started with its own semi-space setting (node flags or NODE_OPTIONS), which wins. */
function semiSpaceChosen(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("semi-space"));
}

/**
 * Keeps the young generation at its initial 1 MB semi-spaces from now on, unless node was given a
 * semi-space flag. Call before loading anything big: V8 never shrinks semi-spaces that have grown,
 * and reads the growth factor each time it would grow them.
 */
export function keepYoungGenerationSmall(): void {
  if (semiSpaceChosen()) return;
  setFlagsFromString("--semi-space-growth-factor=1");
}
