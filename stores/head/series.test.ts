import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteSlab } from "./series.js";

test("ByteSlab copies are equal to their source, independent of it and of each other", () => {
  const slab = new ByteSlab();
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([4, 5]);
  const ca = slab.copy(a);
  const cb = slab.copy(b);
  a[0] = 9;
  b[1] = 9;
  assert.deepEqual([...ca], [1, 2, 3]);
  assert.deepEqual([...cb], [4, 5]);
  cb[0] = 7;
  assert.deepEqual([...ca], [1, 2, 3]);
  // Small copies share a block; a copy too big for one gets its own buffer.
  assert.equal(ca.buffer, cb.buffer);
  const big = slab.copy(new Uint8Array(10_000).fill(3));
  assert.notEqual(big.buffer, ca.buffer);
  assert.equal(big.length, 10_000);
});

test("ByteSlab starts a new block when the current one is full, leaving earlier copies intact", () => {
  const slab = new ByteSlab();
  const copies: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) copies.push(slab.copy(new Uint8Array(1000).fill(i)));
  for (let i = 0; i < 100; i++) assert.ok(copies[i]!.every((x) => x === i), `copy ${i}`);
  assert.notEqual(copies[0]!.buffer, copies[99]!.buffer);
});

test("ByteSlab blocks start at 1 KiB and double up to 64 KiB: a one-series read does not zero 64 KiB", () => {
  const slab = new ByteSlab();
  const sizes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = slab.copy(new Uint8Array(600));
    if (sizes[sizes.length - 1] !== c.buffer.byteLength || i === 0) sizes.push(c.buffer.byteLength);
  }
  assert.deepEqual([...new Set(sizes)], [1024, 2048, 4096, 8192, 16384, 32768, 65536]);
});
