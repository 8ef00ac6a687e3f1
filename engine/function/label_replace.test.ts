// label_replace compiles its regex with the one RE2 dialect, as Prometheus does (`^(?s:` … `)$`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { storeWith } from "../testing.js";
import type { VectorValue } from "../types.js";

const MIN = 60_000;
const store = () => storeWith(MIN, [[{ __name__: "up", job: "orrery" }, [1, 1, 1]]]);

async function foo(q: string): Promise<string[]> {
  const r = await new Engine().instantQuery(store(), q, 2 * MIN).exec();
  return (r.value as VectorValue).samples.map((s) => s.labels.find((l) => l.name === "foo")?.value ?? "");
}

test("label_replace takes RE2 syntax: flags, POSIX classes, \\pL, named groups", async () => {
  assert.deepEqual(await foo('label_replace(up, "foo", "$1", "job", "(?i)(ORRERY)")'), ["orrery"]);
  assert.deepEqual(await foo('label_replace(up, "foo", "$1", "job", "([[:alpha:]]{2})\\\\pL+")'), ["or"]);
  assert.deepEqual(await foo('label_replace(up, "foo", "${x}", "job", "(?P<x>o)rr(?:ery)")'), ["o"]);
  assert.deepEqual(await foo('label_replace(up, "foo", "$1", "job", "(?U)(o.*)r*e.*")'), ["o"]); // greedy: "orr"
  assert.deepEqual(await foo('label_replace(up, "foo", "$1", "job", "(o.*)r*e.*")'), ["orr"]);
});

test("a regex Go rejects is an execution error naming it", async () => {
  await assert.rejects(new Engine().instantQuery(store(), 'label_replace(up, "foo", "$1", "job", "(a)\\\\1")', 2 * MIN).exec(), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, "execution");
    assert.equal(e.message, "invalid regular expression in label_replace(): (a)\\1");
    return true;
  });
});
