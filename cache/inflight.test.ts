import { test } from "node:test";
import assert from "node:assert/strict";
import { InFlight } from "./inflight.js";

/** A computation that finishes when told, recording its signal. */
function gate(): { run: (signal: AbortSignal) => Promise<string>; finish: (value: string) => void; runs: AbortSignal[] } {
  const runs: AbortSignal[] = [];
  let finish: (value: string) => void = () => undefined;
  const run = (signal: AbortSignal) => {
    runs.push(signal);
    return new Promise<string>((resolve) => (finish = resolve));
  };
  return { run, finish: (v) => finish(v), runs };
}

test("requests joining one key while it runs share one computation; after it ends the next one runs again", async () => {
  const inFlight = new InFlight<string>();
  const g = gate();
  const a = inFlight.join("k", new AbortController().signal, g.run);
  const b = inFlight.join("k", new AbortController().signal, g.run);
  assert.equal(inFlight.has("k"), true);
  assert.equal(g.runs.length, 1);
  g.finish("answer");
  assert.deepEqual(await Promise.all([a, b]), ["answer", "answer"]);
  assert.equal(inFlight.has("k"), false);
  const c = inFlight.join("k", new AbortController().signal, g.run);
  assert.equal(g.runs.length, 2, "a request after the answer computes afresh");
  g.finish("later");
  assert.equal(await c, "later");
});

test("other keys run on their own", async () => {
  const inFlight = new InFlight<string>();
  const one = gate();
  const two = gate();
  const a = inFlight.join("a", new AbortController().signal, one.run);
  const b = inFlight.join("b", new AbortController().signal, two.run);
  one.finish("A");
  two.finish("B");
  assert.deepEqual(await Promise.all([a, b]), ["A", "B"]);
});

test("the shared computation is aborted only when every request waiting on it has gone", async () => {
  const inFlight = new InFlight<string>();
  const g = gate();
  const first = new AbortController();
  const second = new AbortController();
  const a = inFlight.join("k", first.signal, g.run);
  const b = inFlight.join("k", second.signal, g.run);
  first.abort(new Error("client went away"));
  assert.equal(g.runs[0]!.aborted, false, "the second viewer still waits");
  second.abort(new Error("client went away"));
  assert.equal(g.runs[0]!.aborted, true);
  g.finish("unused");
  assert.deepEqual(await Promise.all([a, b]), ["unused", "unused"]);
});

test("a failure reaches every request that shared it, and the key is free again", async () => {
  const inFlight = new InFlight<string>();
  const run = () => Promise.reject(new Error("downstream down"));
  const a = inFlight.join("k", new AbortController().signal, run);
  const b = inFlight.join("k", new AbortController().signal, run);
  await assert.rejects(a, /downstream down/);
  await assert.rejects(b, /downstream down/);
  assert.equal(inFlight.has("k"), false);
});
