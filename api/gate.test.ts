import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, QueryGate } from "./index.js";

test("QueryGate runs at most N, queues up to M in order, refuses beyond, drops aborted waiters", async () => {
  const gate = new QueryGate(1, 2);
  const release1 = await gate.acquire();
  const order: string[] = [];
  const second = gate.acquire().then((r) => (order.push("second"), r));
  const controller = new AbortController();
  const aborted = gate.acquire(controller.signal).catch((e: Error) => e);
  await assert.rejects(gate.acquire(), (e: unknown) => e instanceof ApiError && e.type === "unavailable" && e.status === 503);
  controller.abort(new Error("client left"));
  assert.equal(((await aborted) as Error).message, "client left");
  assert.equal(gate.queued, 1);
  release1();
  const release2 = await second;
  assert.deepEqual(order, ["second"]);
  assert.equal(gate.running, 1);
  release2();
  release2(); // a second release is a no-op
  assert.equal(gate.running, 0);
});
