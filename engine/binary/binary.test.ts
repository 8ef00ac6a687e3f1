import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { bin, sel, storeWith } from "../testing.js";
import type { Expr } from "../../promql/index.js";
import type { VectorValue } from "../types.js";
import { goPow } from "./arith.js";

const store = () =>
  storeWith(60_000, [
    [{ __name__: "req", method: "get", status: "200" }, [10]],
    [{ __name__: "req", method: "post", status: "200" }, [20]],
    [{ __name__: "req", method: "get", status: "500" }, [1]],
    [{ __name__: "lim", status: "200", owner: "a" }, [100]],
    [{ __name__: "lim", status: "404", owner: "b" }, [50]],
    [{ __name__: "dup", status: "200", x: "1" }, [1]],
    [{ __name__: "dup", status: "200", x: "2" }, [2]],
  ]);

async function run(e: Expr): Promise<Record<string, number>> {
  const r = await new Engine().exprQuery(store(), "q", e, 0, 0, 0).exec();
  const out: Record<string, number> = {};
  for (const s of (r.value as VectorValue).samples) out[s.labels.map((l) => `${l.name}=${l.value}`).join(",")] = s.v;
  return out;
}

test("group_left copies the included labels from the one side", async () => {
  const r = await run(bin("/", sel("req"), sel("lim"), { card: "many-to-one", on: true, matchingLabels: ["status"], include: ["owner"] }));
  assert.deepEqual(r, { "method=get,owner=a,status=200": 0.1, "method=post,owner=a,status=200": 0.2 });
});

test("fill_left fills the many side with the match group's labels", async () => {
  const r = await run(bin("+", sel("req"), sel("lim"), { card: "many-to-one", on: true, matchingLabels: ["status"], fillLeft: 0 }));
  assert.equal(r["status=404"], 50);
  assert.equal(r["method=get,status=200"], 110);
});

test("duplicates on the one side are a many-to-many error naming both series in order", async () => {
  await assert.rejects(
    run(bin("*", sel("req"), sel("dup"), { card: "many-to-one", on: true, matchingLabels: ["status"] })),
    /found duplicate series for the match group \{status="200"\} on the right hand-side of the operation: \[\{__name__="dup", status="200", x="1"\}, \{__name__="dup", status="200", x="2"\}\];many-to-many matching not allowed/,
  );
});

test("one-to-one with several matches on the left must be explicit", async () => {
  await assert.rejects(run(bin("+", sel("req"), sel("lim"), { on: true, matchingLabels: ["status"] })), /many-to-one matching must be explicit/);
});

test("or adds right-hand samples whose signature the left lacks", async () => {
  const r = await run(bin("or", sel("lim"), sel("req"), { on: true, matchingLabels: ["status"] }));
  assert.deepEqual(Object.keys(r).sort(), ["__name__=lim,owner=a,status=200", "__name__=lim,owner=b,status=404", "__name__=req,method=get,status=500"]);
});

test("pow follows Go's math.Pow", () => {
  assert.equal(goPow(NaN, 0), 1);
  assert.equal(goPow(1, NaN), 1);
  assert.equal(goPow(-1, Infinity), 1);
  assert.equal(goPow(2, 10), 1024);
});
