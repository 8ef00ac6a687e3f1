import { test } from "node:test";
import assert from "node:assert/strict";
import { extendLabels, matchExternalLabels } from "./external-labels.js";
import { labelsFromRecord } from "./labels.js";

const lbl = labelsFromRecord;

test("extendLabels merges in order and the external value wins on a shared name", () => {
  const ext = lbl({ b: "ext", d: "ext" });
  assert.deepEqual(extendLabels(lbl({ a: "1", b: "own", c: "3" }), ext), lbl({ a: "1", b: "ext", c: "3", d: "ext" }));
  assert.deepEqual(extendLabels(lbl({ e: "5" }), ext), lbl({ b: "ext", d: "ext", e: "5" }));
  const own = lbl({ a: "1" });
  assert.equal(extendLabels(own, []), own, "no external labels: the same array");
});

test("matchExternalLabels tests matchers on external names and passes the rest on", () => {
  const ext = lbl({ cluster: "eu" });
  const job = { name: "job", op: "=", value: "x" } as const;
  assert.deepEqual(matchExternalLabels([job, { name: "cluster", op: "=~", value: "e.*" }], ext), { matches: true, rest: [job] });
  assert.equal(matchExternalLabels([job, { name: "cluster", op: "!=", value: "eu" }], ext).matches, false);
  assert.deepEqual(matchExternalLabels([job], []), { matches: true, rest: [job] });
});
