import { test } from "node:test";
import assert from "node:assert/strict";
import { compileAnchoredRe2 } from "../../promql/index.js";
import { expandTemplate } from "./label_functions.js";
import { naturalCompare } from "./sort.js";
import { absentLabels } from "./absent.js";

test("expandTemplate follows Go's regexp.Expand", () => {
  const c = compileAnchoredRe2("(?P<a>x)(y)");
  assert.ok("regexp" in c);
  const m = c.regexp.exec("xy")!;
  assert.equal(expandTemplate("$1-$2", m, c.groupNames), "x-y");
  assert.equal(expandTemplate("${1}z", m, c.groupNames), "xz");
  assert.equal(expandTemplate("$1z", m, c.groupNames), ""); // "$1z" names group "1z", which does not exist.
  assert.equal(expandTemplate("$a$$", m, c.groupNames), "x$");
  assert.equal(expandTemplate("$b", m, c.groupNames), "");
});


test("naturalCompare orders digit runs numerically", () => {
  assert.ok(naturalCompare("a2", "a10") < 0);
  assert.ok(naturalCompare("a10", "a2") > 0);
  assert.equal(naturalCompare("b1", "b1"), 0);
});

test("absent() labels come from equality matchers only", () => {
  const ls = absentLabels({
    type: "VectorSelector",
    name: "x",
    matchers: [
      { name: "__name__", op: "=", value: "x" },
      { name: "job", op: "=", value: "a" },
      { name: "env", op: "=~", value: "p.*" },
    ],
    offsetMs: 0,
    anchored: false,
    smoothed: false,
    pos: { start: 0, end: 1 },
    hints: {},
  });
  assert.deepEqual(ls, [{ name: "job", value: "a" }]);
});
