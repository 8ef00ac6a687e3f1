import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const MODULE = new URL("./object-array.js", import.meta.url).href;

/**
 * Runs, in a fresh process with V8's natives, two functions optimized on used arrays from `make`
 * (one pushes objects, one reads them back) as a pool's scratch uses them, one of its arrays grown
 * by its length as the receiver's are; then again on arrays of a new scratch. Whether each is
 * still optimized after.
 */
function stillOptimized(make: string): { push: boolean; read: boolean } {
  const script = `
    import { objectArray } from ${JSON.stringify(MODULE)};
    const make = ${make};
    class Scratch { entries = make(); labelsOf = make(); }
    function push(s, n) {
      if (s.labelsOf.length < n) s.labelsOf.length = n;
      for (let i = 0; i < n; i++) { s.labelsOf[i] = { i }; s.entries.push({ i }); }
    }
    function read(a) { let x = 0; for (let i = 0; i < a.length; i++) x += a[i].i; return x; }
    %PrepareFunctionForOptimization(push);
    %PrepareFunctionForOptimization(read);
    const used = [new Scratch(), new Scratch(), new Scratch()];
    // Each request empties a scratch's batch and fills it again.
    const request = (s, n) => { s.entries.length = 0; push(s, n); read(s.entries); };
    for (let round = 0; round < 3; round++) for (const s of used) request(s, 50);
    %OptimizeFunctionOnNextCall(push);
    %OptimizeFunctionOnNextCall(read);
    request(used[0], 10);
    const optimized = (f) => (%GetOptimizationStatus(f) & 16) !== 0;
    if (!optimized(push) || !optimized(read)) throw new Error("not optimized on the used arrays");
    for (let k = 0; k < 2000; k++) push(new Scratch(), 20);
    request(new Scratch(), 20);
    console.log(JSON.stringify({ push: optimized(push), read: optimized(read) }));`;
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { push: boolean; read: boolean };
}

test("a pool's new objectArray() arrays do not deoptimize code optimized on its used ones", () => {
  const both = { push: true, read: true };
  assert.deepEqual(stillOptimized("() => objectArray()"), both);
  // Fresh [] arrays do: their first object changes their elements kind (why objectArray exists).
  assert.notDeepEqual(stillOptimized("() => []"), both);
  // And so do arrays made holding objects but not holey: one array going holey makes the
  // literal's later arrays holey too, whose map the code optimized on the packed ones rejects.
  assert.notDeepEqual(stillOptimized("() => { const a = [{}]; a.length = 0; return a; }"), both);
});
