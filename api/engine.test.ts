// The API in front of the real engine and an in-memory head.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { Engine } from "../engine/index.js";
import { openHead } from "../stores/index.js";
import { buildApi, type ApiDeps } from "./index.js";

async function api(extra: Partial<ApiDeps> = {}) {
  const { head } = await openHead(undefined, {});
  const foo = [
    { name: "__name__", value: "foo_total" },
    { name: "job", value: "a" },
  ];
  const bar = [
    { name: "__name__", value: "foo_total" },
    { name: "job", value: "b" },
  ];
  await head.appendBatch([
    { labels: foo, t: [0, 15000, 30000, 45000, 60000], v: [1, 2, 3, 4, 5] },
    { labels: bar, t: [0, 15000, 30000, 45000, 60000], v: [10, 20, 30, 40, 50] },
  ]);
  const app = buildApi({ engine: new Engine({}), store: head, registry: new Registry(), ...extra });
  return { app, head };
}

test("real engine: instant and range queries, selectors, functions, aggregation", async () => {
  const { app, head } = await api();
  try {
    const inst = await app.inject({ url: "/api/v1/query?query=foo_total&time=60" });
    assert.equal(
      inst.body,
      '{"status":"success","data":{"resultType":"vector","result":[' +
        '{"metric":{"__name__":"foo_total","job":"a"},"value":[60,"5"]},{"metric":{"__name__":"foo_total","job":"b"},"value":[60,"50"]}]}}',
    );
    const range = await app.inject({ url: "/api/v1/query_range?query=sum(foo_total)&start=0&end=60&step=30" });
    assert.equal(range.body, '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"11"],[30,"33"],[60,"55"]]}]}}');
    const rate = await app.inject({ url: '/api/v1/query?query=rate(foo_total{job="a"}[1m])&time=60' });
    assert.deepEqual(rate.json().data.result[0].metric, { job: "a" });
    const scalar = await app.inject({ url: "/api/v1/query?query=1/0&time=1.5" });
    assert.equal(scalar.body, '{"status":"success","data":{"resultType":"scalar","result":[1.5,"+Inf"]}}');
  } finally {
    await head.close();
  }
});

test("real engine: bad queries, range queries of the wrong type, too many samples", async () => {
  const { app, head } = await api({ maxSamples: 2 });
  try {
    const parse = await app.inject({ url: "/api/v1/query?query=sum(&time=60" });
    assert.equal(parse.statusCode, 400);
    assert.deepEqual(parse.json(), { status: "error", errorType: "bad_data", error: 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis' });
    for (const q of ["foo_total[1m]", '"a"']) {
      const res = await app.inject({ url: `/api/v1/query_range?query=${encodeURIComponent(q)}&start=0&end=60&step=15` });
      assert.equal(res.statusCode, 400, q);
      assert.equal(res.json().errorType, "bad_data");
      // Prometheus names no parameter here: the query parsed, its type is what is wrong.
      assert.match(res.json().error, /^invalid expression type "(range vector|string)" for range query, must be Scalar or instant Vector$/);
    }
    // An invalid label_replace regex is an execution error (422), as Prometheus answers it.
    const replace = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('label_replace(vector(1), "a", "b", "c", "(")')}&time=60` });
    assert.equal(replace.statusCode, 422, replace.body);
    assert.equal(replace.json().errorType, "execution");
    assert.match(replace.json().error, /^invalid regular expression in label_replace\(\): \(/);
    const many = await app.inject({ url: "/api/v1/query_range?query=foo_total&start=0&end=60&step=15" });
    assert.equal(many.statusCode, 422);
    // Refused on its estimate: Prometheus's words, then the advice (api/cost.test.ts checks it).
    assert.equal(many.json().errorType, "execution");
    assert.match(many.json().error, /^query processing would load too many samples into memory in query execution: estimated \d+ samples/);
  } finally {
    await head.close();
  }
});
