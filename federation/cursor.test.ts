import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLabels, labelsFromRecord } from "../storeapi/index.js";
import type { Series } from "../storeapi/index.js";
import { StoreCursor } from "./cursor.js";
import { ScriptedStore } from "./testkit.js";

const one = (name: string): Series => ({ labels: labelsFromRecord({ __name__: name }), chunks: [] });
const REQUEST = { minTime: 0, maxTime: 1, matchers: [] };

test("StoreCursor.advanceBuffered: moves within the frame in hand without a pull, and says when a pull is needed", async () => {
  const store = new ScriptedStore(() => [[one("a"), one("b")], [one("c")]]);
  const cursor = new StoreCursor("s", store, REQUEST, new AbortController().signal, { responseTimeoutMs: 0 });
  assert.equal(cursor.advanceBuffered(), false, "nothing in hand before the first pull");
  await cursor.advance();
  assert.equal(store.framesPulled, 1);
  assert.equal(cursor.advanceBuffered(), true);
  assert.equal(formatLabels(cursor.head!.labels), '{__name__="b"}');
  assert.equal(cursor.advanceBuffered(), false, "the frame is used up");
  assert.equal(formatLabels(cursor.head!.labels), '{__name__="b"}', "not moved");
  await cursor.advance();
  assert.equal(store.framesPulled, 2);
  assert.equal(formatLabels(cursor.head!.labels), '{__name__="c"}');
  await cursor.advance();
  assert.equal(cursor.head, undefined);
  assert.equal(cursor.advanceBuffered(), false);
});

test("StoreCursor.advanceBuffered: out-of-order series in a frame are a StoreFailure; a closed cursor stays at its end", async () => {
  const cursor = new StoreCursor("sloppy", new ScriptedStore(() => [[one("b"), one("a"), one("c")]]), REQUEST, new AbortController().signal, { responseTimeoutMs: 0 });
  await cursor.advance();
  assert.throws(() => cursor.advanceBuffered(), /store sloppy: series out of order: \{__name__="a"\} after \{__name__="b"\}/);
  assert.equal(cursor.head, undefined);
  assert.equal(cursor.advanceBuffered(), false, "the frame's rest is dropped with the stream");
});
