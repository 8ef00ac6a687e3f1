import { test } from "node:test";
import assert from "node:assert/strict";
import { Params, maxSourceResolutionParam } from "./params.js";

const p = (q: string): Params => new Params(new URLSearchParams(q));

test("max_source_resolution: durations, auto = step/5, the --query.auto-downsampling default, and clear errors", () => {
  assert.equal(maxSourceResolutionParam(p(""), 3_600_000, false), 0);
  assert.equal(maxSourceResolutionParam(p(""), 3_600_000, true), 720_000);
  assert.equal(maxSourceResolutionParam(p("max_source_resolution=auto"), 1_500_000, false), 300_000);
  assert.equal(maxSourceResolutionParam(p("max_source_resolution=0s"), 3_600_000, true), 0);
  assert.equal(maxSourceResolutionParam(p("max_source_resolution=5m"), 60_000, false), 300_000);
  assert.equal(maxSourceResolutionParam(p("max_source_resolution=1h"), 60_000, false), 3_600_000);
  assert.throws(() => maxSourceResolutionParam(p("max_source_resolution=soon"), 60_000, false), /invalid parameter "max_source_resolution": .*want a duration such as 0s, 5m, 1h, or auto/);
});
