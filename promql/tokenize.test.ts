import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenize } from "./index.js";

const kinds = (q: string): string[] => tokenize(q).tokens.map((t) => `${t.kind}:${q.slice(t.start, t.end)}`);

test("tokenize gives each token's kind and range", () => {
  assert.deepEqual(kinds('sum by (job) (rate(http_requests_total{code=~"5.."}[5m] offset 1h)) > 0.5'), [
    "aggregation:sum", "keyword:by", "punctuation:(", "identifier:job", "punctuation:)", "punctuation:(",
    "identifier:rate", "punctuation:(", "identifier:http_requests_total", "punctuation:{", "identifier:code",
    'operator:=~', 'string:"5.."', "punctuation:}", "punctuation:[", "duration:5m", "punctuation:]",
    "keyword:offset", "duration:1h", "punctuation:)", "punctuation:)", "operator:>", "number:0.5",
  ]);
});

test("tokenize keeps the tokens before a lexing error and says where it is", () => {
  const r = tokenize('up{job="x');
  assert.deepEqual(r.tokens.map((t) => t.kind), ["identifier", "punctuation", "identifier", "operator"]);
  assert.equal(r.error?.start, 7);
  assert.match(r.error!.message, /unterminated|string/);
});
