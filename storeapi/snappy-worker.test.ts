import { test } from "node:test";
import assert from "node:assert/strict";
import snappy from "snappyjs";
import { SnappyError, snappyUncompress } from "./snappy.js";
import { SnappyWorker, type SnappyBuffers } from "./snappy-worker.js";
import { rng } from "../testing/index.js";

const MAX = 1 << 20;
const fresh = (): SnappyBuffers => ({ body: new Uint8Array(0), raw: new Uint8Array(0) });

/** Bodies like the event-loop decoder's tests: good ones of many sizes, and damaged ones. */
function bodies(seed: number, n: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const size = Math.floor(r() * (k % 7 === 0 ? 100_000 : 3_000));
    const good = snappy.compress(Uint8Array.from({ length: size }, () => (r() < 0.9 ? 97 + Math.floor(r() * 4) : Math.floor(r() * 256))));
    if (k % 3 !== 0) {
      out.push(good);
      continue;
    }
    const bad = Uint8Array.from(good.subarray(0, 1 + Math.floor(r() * good.length)));
    bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
    out.push(bad);
  }
  return out;
}

/** What the event loop gives for a body: its bytes, or its SnappyError's message. */
function onLoop(body: Uint8Array): Uint8Array | string {
  try {
    return snappyUncompress(body, MAX).slice();
  } catch (e) {
    assert.ok(e instanceof SnappyError);
    return e.message;
  }
}

async function viaWorker(w: SnappyWorker, body: Uint8Array, buffers: SnappyBuffers): Promise<Uint8Array | string> {
  try {
    return (await w.decode(body, MAX, buffers)).slice();
  } catch (e) {
    assert.ok(e instanceof SnappyError, String(e));
    return e.message;
  }
}

test("the snappy thread decodes as the event loop does: the same bytes, the same errors, four requests at once", async () => {
  const w = new SnappyWorker();
  try {
    const all = bodies(5, 240);
    const lanes = [fresh(), fresh(), fresh(), fresh()];
    for (let k = 0; k < all.length; k += lanes.length) {
      const got = await Promise.all(lanes.map((b, j) => (k + j < all.length ? viaWorker(w, all[k + j]!, b) : Promise.resolve(""))));
      got.forEach((g, j) => k + j < all.length && assert.deepEqual(g, onLoop(all[k + j]!), `body ${k + j}`));
    }
    assert.equal(w.fallbacks, 0, "every body went to the thread");
  } finally {
    await w.close();
  }
});

test("a request's buffers come back from the thread and are used again: no allocation per body", async () => {
  const w = new SnappyWorker();
  try {
    const body = snappy.compress(new Uint8Array(50_000).fill(9));
    const b = fresh();
    await w.decode(body, MAX, b);
    const sizes = [b.body.byteLength, b.raw.byteLength];
    assert.ok(sizes[0]! >= body.length && sizes[1]! >= 50_000);
    const first = b.raw.buffer;
    for (let k = 0; k < 20; k++) assert.deepEqual(await w.decode(body, MAX, b), new Uint8Array(50_000).fill(9));
    // Moved to the thread and back: the buffers given the next time were the request's, left as they were.
    assert.equal(first.byteLength, 0, "the first buffer moved to the thread (detached here)");
    assert.deepEqual([b.body.byteLength, b.raw.byteLength], sizes);
  } finally {
    await w.close();
  }
});

test("a thread that dies, or is closed, leaves nothing undecoded: the bodies are decoded on the event loop", async () => {
  const dying = new SnappyWorker(new URL("./failing-snappy-thread.js", import.meta.url));
  const bodiesNow = bodies(6, 6);
  const got = await Promise.all(bodiesNow.map((body) => viaWorker(dying, body, fresh())));
  got.forEach((g, k) => assert.deepEqual(g, onLoop(bodiesNow[k]!), `body ${k}`));
  assert.equal(dying.fallbacks, bodiesNow.length);
  // Later bodies do not wait for a thread that is gone.
  assert.deepEqual(await viaWorker(dying, bodiesNow[1]!, fresh()), onLoop(bodiesNow[1]!));
  await dying.close();

  const closed = new SnappyWorker();
  await closed.close();
  assert.deepEqual(await viaWorker(closed, bodiesNow[2]!, fresh()), onLoop(bodiesNow[2]!));
});
