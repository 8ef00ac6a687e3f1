import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteLru, InMemoryBackend } from "./backend.js";

test("in-memory LRU: a kept form lives beside its bytes only, and counts in the byte bound", async () => {
  const lru = new InMemoryBackend({ maxSizeBytes: 1000 });
  const a = Buffer.alloc(100, 1);
  await lru.set("a", a);
  const sizeBefore = lru.sizeBytes;
  lru.keepForm("a", a, "form-a", 300);
  assert.equal(lru.keptForm("a", a), "form-a");
  assert.equal(lru.sizeBytes, sizeBefore + 300);
  // A form for bytes the key does not hold is not kept.
  lru.keepForm("a", Buffer.alloc(100, 2), "stale", 1);
  assert.equal(lru.keptForm("a", a), "form-a");
  // New bytes under the key drop the old form.
  const a2 = Buffer.alloc(100, 3);
  await lru.set("a", a2);
  assert.equal(lru.keptForm("a", a2), undefined);
  // Forms push older entries out once the bound is reached.
  const b = Buffer.alloc(100, 4);
  await lru.set("b", b);
  lru.keepForm("b", b, "form-b", 850);
  assert.equal(await lru.get("a"), undefined, "evicted by b's form");
  assert.ok(lru.sizeBytes <= 1000);
  assert.equal(lru.keptForm("b", b), "form-b");
  // A form too big for the bound is not kept, and its entry stays.
  lru.keepForm("b", b, "huge", 1000);
  assert.equal(await lru.get("b"), b);
  assert.equal(lru.keptForm("b", b), "form-b");
});

test("kept forms of bytes read again (Redis) are used only while the bytes are equal", () => {
  const kept = new ByteLru({ maxSizeBytes: 1 << 20 });
  kept.keepForm("k", Buffer.from("entry-1"), "form-1", 10);
  assert.equal(kept.keptForm("k", Buffer.from("entry-1")), "form-1", "equal bytes, another Buffer");
  assert.equal(kept.keptForm("k", Buffer.from("entry-2")), undefined, "another writer changed the entry");
  assert.equal(kept.keptForm("other", Buffer.from("entry-1")), undefined);
});

test("in-memory LRU: the current form is the one kept beside the key's value, none once the value changes", async () => {
  const lru = new InMemoryBackend({ maxSizeBytes: 1000 });
  assert.equal(await lru.currentForm("a"), undefined);
  const a = Buffer.alloc(10, 1);
  await lru.set("a", a);
  assert.equal(await lru.currentForm("a"), undefined, "bytes without a form");
  lru.keepForm("a", a, "form-a", 10);
  assert.equal(await lru.currentForm("a"), "form-a");
  await lru.set("a", Buffer.alloc(10, 2));
  assert.equal(await lru.currentForm("a"), undefined);
});
